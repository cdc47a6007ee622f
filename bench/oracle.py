"""Oracle: does a planted pattern show in the rows actually drawn for it?

The generator plants a pattern at an intended strength, but the rows are random draws: a team with three audit
answers in the plant's months, or 0 complaints drawn against 2.3 expected, can show nothing a person or any test
could see. The detection benchmark therefore also asks, for each plant, one question the analytics never see the
answer to: compared with the SAME place's own months before the plant started, is the realised change beyond
chance at `ALPHA` (one-sided, in the planted direction)? A plant that fails it is "not detectable as drawn": it
is still counted in the intended-strength recall, reported apart in the as-drawn recall, and still listed in
the misses file with its p-value. The tests use the planted place (service; team and shift where planted), the
planted subject and the months from the plant's start to the end against all months before it:

- audit item or audit type: Fisher's exact test on met / not met answers of scheduled audits (lower after);
- handovers: Fisher's exact test on completed / not completed shifts (lower after);
- fill rate and agency share: Mann-Whitney on the daily shares (fill lower, agency higher after);
- complaints (all, or of the planted category): an exact comparison of two Poisson counts (the months after's
  share of the complaints, binomial against their share of the months; higher after);
- ratings (the place's, one question's, or families' for an assurance gap): Mann-Whitney on one value a response
  (its rating of the question, else its mean rating; lower after);
- an emerging theme: its complaint category as above, or comments drawn from that category (Fisher, higher
  after); an assurance gap: its category's complaints, or families' ratings. Either test passing is enough, so
  the rule leans towards counting a plant as detectable (a miss stays a miss).

Embedded improvement and not-embedded plants (step changes of 10-40 points over many months) are not tested:
they count as detectable.

Clean units are asked the other way round (`drawn_apart`): a team carrying no plant still has its own usual level,
drawn at random (complaints 0.08-0.5 a month whatever its hours, ratings 4.0-4.6). Where a concern about a clean
team is about a measure on which its drawn level sits apart from the rest of its service by at least the margin
the product flags (`complaint_rate_ratio` times the rest's complaints per planned hour; `fragility_gap` of the top
rating below the rest's), the concern describes a difference the generator made, and the report counts it apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd
from scenarios import COMPLAINT_TEXT, FAMILY, Planted, Scenario
from scipy.stats import binomtest, fisher_exact, mannwhitneyu

from analytics.findings import Finding
from analytics.rating_headers import HIGHER
from analytics.rating_scales import RatingReading

ALPHA = 0.05   # one-sided; a plant whose realised change is not beyond chance at this level is not detectable
ONE_TO_FIVE = RatingReading("1-5", HIGHER, "sure", ())  # the product's reading of the generator's ratings


@dataclass(frozen=True)
class Verdict:
    detectable: bool
    p: float | None      # the smallest p-value of the plant's tests (None: not tested)
    test: str            # what was tested, for the misses file


class Oracle:
    """The realised rows of one scenario, asked about each of its plants."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.tables = {name: pd.DataFrame(rows) for name, rows in scenario.rows.items()}

    def verdict(self, p: Planted) -> Verdict:
        tests = self._tests(p)
        if not tests:
            return Verdict(True, None, "not tested")
        best = min(tests, key=lambda t: t[0])
        return Verdict(best[0] <= ALPHA, best[0], best[1])

    # ----------------------------------------------------------------------------------------- per kind

    def _tests(self, p: Planted) -> list[tuple[float, str]]:
        if p.kind in ("embedded_improvement", "not_embedded"):
            return []
        if p.kind in ("repeat_finding",) or (p.kind == "masked_weakness" and p.level == "item"):
            return [self._audits(p, item=p.subject)]
        if p.kind == "emerging_theme":
            return [self._complaints(p, p.subject), self._comments(p, p.subject or "")]
        if p.kind == "assurance_gap":
            return [self._complaints(p, p.subject), self._ratings(p, family=True)]
        measure = p.measure or ""
        if measure == "audit_compliance":
            return [self._audits(p, audit_type=p.audit_type)]
        if measure in ("fill_rate", "agency_share", "handover_completion"):
            return [self._rota(p, measure)]
        if measure == "complaints":
            return [self._complaints(p, None)]
        if measure == "feedback_score":
            return [self._ratings(p, question=p.subject if p.level == "question" else None)]
        return []

    # ----------------------------------------------------------------------------------------- tests

    def _place(self, table: str, date_column: str, p: Planted, shift: bool = False
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
        frame = self.tables.get(table, pd.DataFrame())
        if frame.empty:
            return frame, frame
        frame = frame[frame["service"] == p.service]
        if p.team is not None:
            frame = frame[frame["team"] == p.team]
        if shift and p.shift is not None:
            frame = frame[frame["shift"] == p.shift]
        after = frame[date_column] >= p.start
        return frame[~after], frame[after]

    def _audits(self, p: Planted, item: str | None = None, audit_type: str | None = None) -> tuple[float, str]:
        before, after = self._place("audits", "audit_date", p)
        def keep(frame: pd.DataFrame) -> pd.DataFrame:
            if frame.empty:
                return frame
            frame = frame[(~frame["spot_check"].astype(bool)) & (frame["answer_class"] != "na")]
            if item:
                return frame[frame["item"] == item]
            return frame[frame["audit_type"] == audit_type] if audit_type else frame

        before, after = keep(before), keep(after)
        a_met, a_n = int((after["answer_class"] == "met").sum()), len(after)
        b_met, b_n = int((before["answer_class"] == "met").sum()), len(before)
        value = _fisher_less(a_met, a_n, b_met, b_n)
        return value, f"audit answers met {a_met}/{a_n} since the start against {b_met}/{b_n} before"

    def _rota(self, p: Planted, measure: str) -> tuple[float, str]:
        before, after = self._place("rota", "rota_date", p, shift=True)
        if measure == "handover_completion":
            a, b = int(after["handover_completed"].sum()), int(before["handover_completed"].sum())
            value = _fisher_less(a, len(after), b, len(before))
            return value, f"handovers done {a}/{len(after)} since the start against {b}/{len(before)} before"
        if measure == "fill_rate":
            share = lambda f: (f["actual_hours"] / f["planned_hours"]).dropna()  # noqa: E731
            alternative = "less"
        else:
            share = lambda f: (f["agency_hours"] / f["actual_hours"]).dropna()  # noqa: E731
            alternative = "greater"
        a_values, b_values = share(after), share(before)
        value = _mann_whitney(a_values, b_values, alternative)
        return value, (f"daily {measure} median {a_values.median():.0%} (n {len(a_values)}) since the start "
                       f"against {b_values.median():.0%} (n {len(b_values)}) before")

    def _complaints(self, p: Planted, category: str | None) -> tuple[float, str]:
        before, after = self._place("complaints", "received_date", p)
        if category is not None and not before.empty:
            before, after = before[before["category"] == category], after[after["category"] == category]
        months_after, months_before = self._months(p)
        a, b = len(after), len(before)
        if months_before == 0 or a + b == 0:
            return 1.0, f"{a} complaints in {months_after} months, none to compare"
        value = binomtest(a, a + b, months_after / (months_after + months_before), alternative="greater").pvalue
        what = f"'{category}' complaints" if category else "complaints"
        return value, f"{what} {a} in {months_after} months since the start against {b} in {months_before} before"

    def _ratings(self, p: Planted, question: str | None = None, family: bool = False) -> tuple[float, str]:
        before, after = self._place("feedback", "feedback_date", p)
        def keep(frame: pd.DataFrame) -> pd.Series:
            """One value a response: its rating of the question, else its mean over the questions."""
            if frame.empty:
                return pd.Series(dtype=float)
            if question:
                frame = frame[frame["question"] == question]
            if family:
                frame = frame[frame["respondent_type"].isin(FAMILY)]
            return frame.groupby("response_id")["rating_value"].mean()

        a_values, b_values = keep(after), keep(before)
        value = _mann_whitney(a_values, b_values, "less")
        who = "families' " if family else ""
        return value, (f"{who}ratings mean {a_values.mean():.2f} (n {len(a_values)}) since the start against "
                       f"{b_values.mean():.2f} (n {len(b_values)}) before")

    def _comments(self, p: Planted, category: str) -> tuple[float, str]:
        before, after = self._place("feedback", "feedback_date", p)
        if after.empty or before.empty:
            return 1.0, "no comments to compare"
        pattern = _template_pattern(category)
        counts = []
        for frame in (after, before):
            comments = frame["comment"].dropna()
            counts.append((int(comments.map(lambda text: bool(pattern.fullmatch(text))).sum()), len(comments)))
        (a, a_n), (b, b_n) = counts
        value = fisher_exact([[a, a_n - a], [b, b_n - b]], alternative="greater").pvalue if a_n and b_n else 1.0
        return value, f"comments on '{category}' {a}/{a_n} since the start against {b}/{b_n} before"

    def _months(self, p: Planted) -> tuple[int, int]:
        months: tuple[date, ...] = self.scenario.months
        after = sum(1 for m in months if m >= p.start)
        return after, len(months) - after


def _fisher_less(a_yes: int, a_n: int, b_yes: int, b_n: int) -> float:
    """One-sided Fisher's exact test: the share after is lower than before (1.0 with either side empty)."""
    if a_n == 0 or b_n == 0:
        return 1.0
    return float(fisher_exact([[a_yes, a_n - a_yes], [b_yes, b_n - b_yes]], alternative="less").pvalue)


def _mann_whitney(after: pd.Series, before: pd.Series, alternative: str) -> float:
    if len(after) == 0 or len(before) == 0:
        return 1.0
    return float(mannwhitneyu(after, before, alternative=alternative).pvalue)


def _template_pattern(category: str) -> re.Pattern[str]:
    """Comments drawn from a complaint category's texts (any person in the {who} slot)."""
    parts = [re.escape(text).replace(re.escape("{who}"), ".+?") for text in COMPLAINT_TEXT.get(category, ())]
    return re.compile("|".join(parts) if parts else "(?!)")


# --------------------------------------------------------------------------------------------- clean units

def drawn_apart(scenario: Scenario, service: str, team: str, finding: Finding,
                thresholds: dict[str, float]) -> str | None:
    """Why a concern about a clean team describes a difference the generator drew (its usual complaints per
    planned hour, or its usual rating, apart from the rest of its service by the product's margin in
    `thresholds`), else None."""
    base = scenario.background
    place = next((s for s in scenario.services if s.name == service), None)
    if base is None or place is None or finding.kind not in ("fragility", "masked_weakness"):
        return None
    others = [t for t in place.teams if t != team]
    subject = (finding.subject or "").lower()
    if "complaints" in subject and others:
        def hours(t: str) -> float:
            return sum(base.staff[(service, t, shift)] * place.shift_hours[shift] for shift in place.shifts)
        own = base.complaint_rate[(service, team)] / hours(team)
        rest = sum(base.complaint_rate[(service, t)] for t in others) / sum(hours(t) for t in others)
        if own >= thresholds["complaint_rate_ratio"] * rest:
            return f"drawn at {own / rest:.1f} times the rest's complaints per planned hour"
    if ("rating" in subject or "feedback" in subject) and others:
        own = base.rating[(service, team)]
        weights = [base.responses[(service, t)] for t in others]
        rest = sum(base.rating[(service, t)] * w for t, w in zip(others, weights)) / sum(weights)
        if ONE_TO_FIVE.score(rest) - ONE_TO_FIVE.score(own) >= thresholds["fragility_gap"] - 1e-9:
            return f"drawn at a usual rating of {own:.2f} against {rest:.2f} for the rest"
    return None
