"""Embedded or not yet: whether an audit improvement has held, spread and shows in unannounced spot checks.

An improvement is a step up in a service's compliance on one audit type within the last
`improvement_window_months`: the cycles (months with audits) from the step on at least
`improvement_min_gain` above the cycles before it (the baseline, at least `embedded_min_cycles`
long), with two or more cycles in a row at the improved level, so one good month never makes one.
A cycle holds the improvement when its compliance is nearer the improved level than the baseline.

It is embedded when it has held for `embedded_min_cycles` cycles in a row up to the latest, the
recent cycles (the last `embedded_min_cycles`) keep the whole gain, every team and shift with
`embedded_min_answers` answers has left the earlier level, and unannounced spot checks
(audits.spot_check = true) agree with the scheduled audits within `spot_check_gap`. Otherwise it
is not embedded, for the first of: not yet held (never held for enough cycles in a row), drifting
back (it held, but the latest cycles do not or have lost part of the gain), only in scheduled
audits, only on some teams, only on some shifts. A service without enough recent spot checks is
never called "only in scheduled audits": its finding says so and keeps confidence limited. Spot checks are
those of the recent cycles, or of every cycle since the step where the recent ones are too few.

Where the service as a whole shows no improvement of an audit type, each team and each shift is judged on its
own audits the same way, and a step there counts only with `embedded_min_answers` answers either side and
beyond chance (at least `spc_chance_z` standard errors): one team's sustained improvement is named.

Apart from any improvement, a gap between scheduled audits and unannounced spot checks is a finding of its own
(`analytics.spot_check_gaps`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.special import ndtr

from .compliance import audit_compliance
from .findings import Evidence, Finding, percent
from .key_questions import classify
from .scope import Scope, month_start, months_back, period_label
from .spot_check_gaps import NOT_EMBEDDED, gap_finding, spot_check_gaps

PLACES = ("team", "shift")

EMBEDDED = "embedded_improvement"
NOT_YET_HELD = "not yet held"
DRIFTING_BACK = "drifting back"
SCHEDULED_ONLY = "only in scheduled audits"
SOME_TEAMS = "only on some teams"
SOME_SHIFTS = "only on some shifts"

TABLE_COLUMNS = (
    "service", "audit_type", "audits_compared", "step_month", "baseline", "improved", "recent", "gain", "cycles_held",
    "scheduled_baseline", "scheduled_recent", "spot_check_baseline", "spot_check_recent", "spot_check_answers",
    "team_recent", "teams_behind", "shifts_behind", "classification", "reason", "spot_checks_missing", "explanation",
    "period_start", "period_end", "recent_start", "team", "shift", "step_z", "step_chance",
)


@dataclass(frozen=True)
class Step:
    """Where a monthly compliance series stepped up: the first improved month and the levels either side."""

    month: date
    baseline: float
    improved: float

    @property
    def hold_line(self) -> float:
        """The level a cycle must reach to hold the improvement: nearer the improved level than the baseline."""
        return (self.baseline + self.improved) / 2


def improvement_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """One row per improvement found per service and audit type, with whether it is embedded and why."""
    thresholds = settings["thresholds"]
    end = scope.end(con)
    if end is None:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    start = months_back(end, thresholds.get("improvement_window_months", 24) - 1)
    rows = audit_compliance(con, scope, ("service", "audit_type", "team", "shift", "spot_check"), start, end,
                            settings["partial_credit"])
    rows["spot_check"] = rows["spot_check"].fillna(False).astype(bool)
    rows["month"] = pd.to_datetime(rows["month"]).dt.date
    found = _improvements(rows, ["service", "audit_type"], thresholds, end)
    improved = {(row["service"], row["audit_type"]) for row in found}
    pairs = pd.MultiIndex.from_frame(rows[["service", "audit_type"]])
    for column in PLACES:
        named = rows[rows[column].notna() & ~pairs.isin(improved)]
        found += [row for row in _improvements(named, ["service", "audit_type", column], thresholds, end)
                  if _stands_alone(row, thresholds)]
    return pd.DataFrame(found, columns=list(TABLE_COLUMNS))


def _improvements(rows: pd.DataFrame, keys: list[str], thresholds: dict[str, Any], end: date
                  ) -> list[dict[str, Any]]:
    """The improvement table rows of each group of `keys` (service, audit type, and a team or shift) that improved."""
    # Most groups show no rise of the minimum gain at any split: a look at their monthly totals spares them the
    # full assessment.
    candidates = _may_have_improved(rows, keys, thresholds["embedded_min_cycles"], thresholds["improvement_min_gain"])
    found = []
    for key, positions in sorted(rows.groupby(keys, sort=True).indices.items()):
        if key not in candidates:
            continue
        assessment = assess_improvement(key[0], key[1], rows.iloc[positions], thresholds, end)
        if assessment is not None:
            place = dict(zip(keys[2:], key[2:]))
            found.append(assessment | {column: place.get(column) for column in PLACES})
    return found


def _stands_alone(row: dict[str, Any], thresholds: dict[str, Any]) -> bool:
    """A team's or shift's own step: enough answers either side (`embedded_min_answers`, in the step_z figures)
    and beyond chance, over every split the search could have chosen (the chance of a rise this large at one
    split, times the splits tried, at most the chance `spc_chance_z` allows)."""
    return row["step_chance"] is not None and row["step_chance"] <= ndtr(-thresholds["spc_chance_z"])


def _may_have_improved(rows: pd.DataFrame, keys: list[str], min_baseline: int, min_gain: float) -> set[tuple]:
    """The groups of `keys` whose monthly compliance, over all audits or the scheduled ones, rises by about
    `min_gain` or more at some split `find_step` considers (a little tolerance: never fewer than it finds)."""
    found: set[tuple] = set()
    for scheduled_only in (False, True):
        part = rows[~rows["spot_check"]] if scheduled_only else rows
        monthly = part.groupby([*keys, "month"], sort=True)[["answers", "score"]].sum()
        monthly = monthly[monthly["answers"] > 0]
        keys_index = monthly.index.droplevel("month")
        codes, pairs = pd.factorize(keys_index)
        cuts = np.flatnonzero(np.diff(codes)) + 1
        answers = np.split(monthly["answers"].to_numpy(dtype=float), cuts)
        scores = np.split(monthly["score"].to_numpy(dtype=float), cuts)
        for pair, answer, score in zip(pairs, answers, scores):
            splits = np.arange(min_baseline, len(answer) - 1)
            if not len(splits) or pair in found:
                continue
            total_score, total_answers = np.cumsum(score), np.cumsum(answer)
            before = total_score[splits - 1] / total_answers[splits - 1]
            after = (total_score[-1] - total_score[splits - 1]) / (total_answers[-1] - total_answers[splits - 1])
            if (after - before).max() >= min_gain - 1e-9:
                found.add(tuple(pair))
    return found


def embedding_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """An embedded_improvement or not_embedded finding for each improvement in the improvement table, and a
    not_embedded finding for each gap between scheduled audits and spot checks no improvement explains."""
    table = improvement_table(con, scope, settings)
    improved = set(zip(table["service"], table["audit_type"]))
    gaps = [gap_finding(gap, settings) for gap in spot_check_gaps(con, scope, settings)
            if (gap["service"], gap["audit_type"]) not in improved]
    return [_finding(row, settings) for row in table.to_dict("records")] + gaps


def assess_improvement(service: str, audit_type: str, answers: pd.DataFrame, thresholds: dict[str, Any],
                       end: date) -> dict[str, Any] | None:
    """The improvement table row for one service and audit type, or None when it shows no improvement.

    `answers` has columns month, team, shift, spot_check, answers, score (audit_compliance's rows).
    """
    min_cycles = thresholds["embedded_min_cycles"]
    gain = thresholds["improvement_min_gain"]
    found = detect(answers, min_cycles, gain)
    if found is None:
        return None
    compared, audits, monthly, step = found
    recent_months = list(monthly["month"].iloc[-min_cycles:])
    recent = pooled(audits[audits["month"].isin(recent_months)])
    held = cycles_held(monthly, step)
    is_recent, is_before = answers["month"].isin(recent_months), answers["month"] < step.month
    min_answers = thresholds.get("embedded_min_answers", 20)
    if answers.loc[answers["spot_check"] & is_recent, "answers"].sum() < min_answers:
        is_recent = answers["month"] >= step.month  # too few recent spot checks: every one since the step
    spot, scheduled = answers[answers["spot_check"] & is_recent], answers[~answers["spot_check"] & is_recent]
    spot_missing = int(spot["answers"].sum()) < min_answers
    teams_behind = left_behind(audits, "team", step, recent_months, gain, min_answers)
    shifts_behind = left_behind(audits, "shift", step, recent_months, gain, min_answers)

    reasons = []
    if longest_run(monthly, step) < min_cycles:
        reasons.append(NOT_YET_HELD)
    elif held < min_cycles or recent - step.baseline < gain:
        reasons.append(DRIFTING_BACK)
    if not spot_missing and pooled(scheduled) - pooled(spot) >= thresholds["spot_check_gap"]:
        reasons.append(SCHEDULED_ONLY)
    if teams_behind:
        reasons.append(SOME_TEAMS)
    if shifts_behind:
        reasons.append(SOME_SHIFTS)

    row = {
        "service": service, "audit_type": audit_type, "audits_compared": compared, "step_month": step.month,
        "baseline": step.baseline, "improved": step.improved, "recent": recent, "gain": recent - step.baseline,
        "cycles_held": held,
        "scheduled_baseline": pooled(answers[~answers["spot_check"] & is_before]),
        "scheduled_recent": pooled(scheduled),
        "spot_check_baseline": pooled(answers[answers["spot_check"] & is_before]),
        "spot_check_recent": pooled(spot),
        "spot_check_answers": int(spot["answers"].sum()),
        "team_recent": recent_by(audits, "team", recent_months),
        "teams_behind": teams_behind, "shifts_behind": shifts_behind,
        "classification": NOT_EMBEDDED if reasons else EMBEDDED, "reason": reasons[0] if reasons else "",
        "spot_checks_missing": spot_missing,
        "period_start": monthly["month"].iloc[0], "period_end": end, "recent_start": recent_months[0],
        "step_z": step_z(monthly, step, min_answers),
    }
    splits = max(len(monthly) - 1 - min_cycles, 1)
    row["step_chance"] = None if row["step_z"] is None else min(1.0, float(ndtr(-row["step_z"])) * splits)
    row["explanation"] = explain(row, reasons, min_cycles)
    return row


def detect(answers: pd.DataFrame, min_cycles: int, min_gain: float
           ) -> tuple[str, pd.DataFrame, pd.DataFrame, Step] | None:
    """Where an improvement shows ("all audits" or "scheduled audits"), those audits, their months, the step.

    All the audits are tried first, then the scheduled audits alone, since spot checks that did not
    move can hide a real rise in the audits the service plans. An improvement needs two cycles in a
    row at the improved level, so one good month never makes one.
    """
    for compared, audits in (("all audits", answers), ("scheduled audits", answers[~answers["spot_check"]])):
        monthly = monthly_compliance(audits)
        step = find_step(monthly, min_cycles, min_gain)
        if step is not None and longest_run(monthly, step) >= 2:
            return compared, audits, monthly, step
    return None


def monthly_compliance(answers: pd.DataFrame) -> pd.DataFrame:
    """Compliance per month (columns month, answers, score, compliance), pooling every answer of the month."""
    codes, months = pd.factorize(answers["month"], sort=True)
    counts = np.bincount(codes, weights=answers["answers"].to_numpy(dtype=float), minlength=len(months))
    monthly = pd.DataFrame({
        "month": np.asarray(months, dtype=object),
        "answers": counts.astype(answers["answers"].dtype) if len(answers) else counts,
        "score": np.bincount(codes, weights=answers["score"].to_numpy(dtype=float), minlength=len(months))})
    monthly = monthly[monthly["answers"] > 0].reset_index(drop=True)
    monthly["compliance"] = monthly["score"] / monthly["answers"]
    return monthly


def pooled(answers: pd.DataFrame) -> float | None:
    """Compliance over all the given answers (the compliance rule over a period), None with none."""
    total = answers["answers"].sum()
    return float(answers["score"].sum() / total) if total else None


def find_step(monthly: pd.DataFrame, min_baseline: int, min_gain: float) -> Step | None:
    """The split of the series with the largest rise, at least `min_baseline` cycles before it and two after.

    None when the largest rise is smaller than `min_gain`.
    """
    splits = np.arange(min_baseline, len(monthly) - 1)
    if not len(splits):
        return None
    # Every split's rise at once from running totals; the first largest is the step.
    score = np.cumsum(monthly["score"].to_numpy(dtype=float))
    answers = np.cumsum(monthly["answers"].to_numpy(dtype=float))
    before = score[splits - 1] / answers[splits - 1]
    after = (score[-1] - score[splits - 1]) / (answers[-1] - answers[splits - 1])
    split = int(splits[np.argmax(after - before)])
    best = Step(monthly["month"].iloc[split], pooled(monthly.iloc[:split]), pooled(monthly.iloc[split:]))
    return best if best.improved - best.baseline >= min_gain else None


def step_z(monthly: pd.DataFrame, step: Step, min_answers: int) -> float | None:
    """How many standard errors the step rises (two proportions pooled), None with fewer than `min_answers`
    answers on either side or nothing to tell apart."""
    before, after = monthly[monthly["month"] < step.month], monthly[monthly["month"] >= step.month]
    n_before, n_after = float(before["answers"].sum()), float(after["answers"].sum())
    if min(n_before, n_after) < min_answers:
        return None
    pooled_level = (before["score"].sum() + after["score"].sum()) / (n_before + n_after)
    spread = np.sqrt(pooled_level * (1 - pooled_level) * (1 / n_before + 1 / n_after))
    return float((step.improved - step.baseline) / spread) if spread > 0 else None


def cycles_held(monthly: pd.DataFrame, step: Step) -> int:
    """How many cycles in a row, up to the latest, have held the improvement."""
    holding = (monthly["month"] >= step.month) & (monthly["compliance"] >= step.hold_line)
    count = 0
    for held in reversed(holding.tolist()):
        if not held:
            break
        count += 1
    return count


def longest_run(monthly: pd.DataFrame, step: Step) -> int:
    """The most cycles in a row, since the step, that held the improvement."""
    longest = current = 0
    for held in (monthly["month"] >= step.month) & (monthly["compliance"] >= step.hold_line):
        current = current + 1 if held else 0
        longest = max(longest, current)
    return longest


def recent_by(audits: pd.DataFrame, column: str, recent_months: list[date]) -> dict[str, float]:
    """Recent compliance for each team (or shift) named in the audits."""
    recent = audits[audits["month"].isin(recent_months) & audits[column].notna()]
    return {name: pooled(group) for name, group in recent.groupby(column, sort=True)}


def left_behind(audits: pd.DataFrame, column: str, step: Step, recent_months: list[date], min_gain: float,
                min_answers: int) -> list[str]:
    """Teams (or shifts) still at their earlier level: recent compliance below the service's hold line
    and less than `min_gain` above their own baseline, judged only with `min_answers` answers either side.
    """
    named = audits[audits[column].notna()]
    if named[column].nunique() < 2:
        return []
    behind = []
    for name, group in named.groupby(column, sort=True):
        before = group[group["month"] < step.month]
        recent = group[group["month"].isin(recent_months)]
        if before["answers"].sum() < min_answers or recent["answers"].sum() < min_answers:
            continue
        if pooled(recent) < step.hold_line and pooled(recent) - pooled(before) < min_gain:
            behind.append(name)
    return behind


def explain(row: dict[str, Any], reasons: list[str], min_cycles: int) -> str:
    """A plain-English account of the improvement and every reason it is not yet embedded."""
    rise = (f"{row['audit_type']} compliance ({row['audits_compared']}) rose from {percent(row['baseline'])} "
            f"to {percent(row['improved'])} from {row['step_month']:%b %Y}")
    parts = [f"{rise} and has held for {row['cycles_held']} monthly cycle(s) in a row."]
    for reason in reasons:
        parts.append(_REASON_TEXT[reason](row, min_cycles))
    if row["spot_checks_missing"]:
        parts.append("There are too few unannounced spot checks in the recent cycles to test it independently.")
    elif SCHEDULED_ONLY not in reasons:
        parts.append(f"Unannounced spot checks ({percent(row['spot_check_recent'])}) agree with scheduled audits "
                     f"({percent(row['scheduled_recent'])}).")
    if not reasons:
        parts.append("Every team and shift with enough answers is at the improved level.")
    return " ".join(parts)


_REASON_TEXT = {
    NOT_YET_HELD: lambda row, n: f"Not yet held: it needs {n} cycles in a row at the improved level.",
    DRIFTING_BACK: lambda row, n: (f"Drifting back: the last {n} cycles average {percent(row['recent'])}, "
                                   f"falling back toward the earlier {percent(row['baseline'])}."),
    SCHEDULED_ONLY: lambda row, n: (f"Only in scheduled audits: unannounced spot checks are at "
                                    f"{percent(row['spot_check_recent'])} against {percent(row['scheduled_recent'])}"
                                    " in scheduled audits."),
    SOME_TEAMS: lambda row, n: f"Only on some teams: {', '.join(row['teams_behind'])} still at the earlier level.",
    SOME_SHIFTS: lambda row, n: f"Only on some shifts: {', '.join(row['shifts_behind'])} still at the earlier level.",
}


def _finding(row: dict[str, Any], settings: dict[str, Any]) -> Finding:
    """The finding for one improvement table row."""
    key_question, quality_statement = classify(row["audit_type"], settings["key_questions"]) or (None, None)
    embedded = row["classification"] == EMBEDDED
    if row["spot_checks_missing"]:
        confidence = "limited"
    else:
        confidence = "high" if embedded else "qualified"
    status = "strong" if embedded else ("fragile" if row["reason"] == DRIFTING_BACK else "improving")
    team, shift = _place(row, "team"), _place(row, "shift")
    where = team or (f"the {shift} shift" if shift else None)
    return Finding(
        kind=row["classification"], service=row["service"], team=team, shift=shift, key_question=key_question,
        quality_statement=quality_statement, subject=row["audit_type"], status=status, confidence=confidence,
        period_start=row["period_start"], period_end=row["period_end"],
        summary=f"On {where} at {row['service']}: {summary(row)}" if where else summary(row),
        evidence=_evidence(row),
    )


def _place(row: dict[str, Any], column: str) -> str | None:
    value = row.get(column)
    return value if isinstance(value, str) else None


def summary(row: dict[str, Any]) -> str:
    """One sentence a registered manager can act on."""
    audit, since = row["audit_type"], f"{row['step_month']:%b %Y}"
    rise = f"{audit} compliance rose from {percent(row['baseline'])} to {percent(row['improved'])} from {since}"
    held = f"{row['cycles_held']} monthly cycle{'' if row['cycles_held'] == 1 else 's'}"
    reason = row["reason"]
    if reason == SCHEDULED_ONLY:
        spot_before = "" if row["spot_check_baseline"] is None else f" ({percent(row['spot_check_baseline'])} before)"
        return (f"{audit} compliance in scheduled audits rose from {percent(row['scheduled_baseline'])} to "
                f"{percent(row['scheduled_recent'])} from {since}, but unannounced spot checks are at "
                f"{percent(row['spot_check_recent'])}{spot_before}: the improvement shows only where audits are "
                "expected, so it is not yet embedded.")
    if reason in (SOME_TEAMS, SOME_SHIFTS):
        behind = row["teams_behind"] if reason == SOME_TEAMS else [f"{s} shifts" for s in row["shifts_behind"]]
        verb = "is" if reason == SOME_TEAMS and len(behind) == 1 else "are"
        return (f"{rise}, but {', '.join(behind)} {verb} still at the earlier level: not yet embedded across the "
                "service.")
    if reason == NOT_YET_HELD:
        return f"{rise}, but has held for only {held} in a row so far: too soon to call it embedded."
    if reason == DRIFTING_BACK:
        return (f"{rise}, but since {row['recent_start']:%b %Y} it has fallen back to {percent(row['recent'])}: the "
                "improvement is drifting back.")
    if row["spot_checks_missing"]:
        return (f"{rise} and has held for {held} on every team and shift, but with no recent unannounced spot "
                "checks to confirm it, it is embedded only as far as the scheduled audits show.")
    return (f"{rise} and has held for {held} on every team and shift, with unannounced spot checks "
            f"({percent(row['spot_check_recent'])}) matching scheduled audits ({percent(row['scheduled_recent'])}):"
            " an embedded improvement.")


def _evidence(row: dict[str, Any]) -> tuple[Evidence, ...]:
    """The figures behind an improvement: the step, the spot-check comparison, each team's recent level."""
    service, audit = row["service"], row["audit_type"]
    where = "".join(f", {column} = '{_place(row, column)}'" for column in PLACES if _place(row, column))
    shift = f", shift = '{_place(row, 'shift')}'" if _place(row, "shift") else ""
    recent_period = period_label(row["recent_start"], month_start(row["period_end"]))
    whole = f"audit_date {row['period_start']:%Y-%m-%d} to {row['period_end']:%Y-%m-%d}"
    recent_dates = f"audit_date {row['recent_start']:%Y-%m-%d} to {row['period_end']:%Y-%m-%d}"
    scope = "" if row["audits_compared"] == "all audits" else ", spot_check is not true"
    items = [
        Evidence("audits", "compliance: recent cycles against the baseline", row["recent"], row["baseline"],
                 period_label(row["period_start"], month_start(row["period_end"])),
                 f"audits: service = '{service}'{where}, audit_type = '{audit}'{scope}, {whole}",
                 f"baseline: cycles before {row['step_month']:%b %Y}; recent: {recent_period}; "
                 f"{row['cycles_held']} cycle(s) held in a row"),
        Evidence("audits", "spot-check compliance against scheduled audits", row["spot_check_recent"],
                 row["scheduled_recent"], recent_period,
                 f"audits: service = '{service}'{where}, audit_type = '{audit}', spot_check = true, {recent_dates}",
                 f"{row['spot_check_answers']} spot-check answers"
                 + (" (too few to judge)" if row["spot_checks_missing"] else "")),
    ]
    for team, level in row["team_recent"].items():
        items.append(Evidence("audits", f"recent compliance on {team}", level, row["recent"], recent_period,
                              f"audits: service = '{service}', team = '{team}'{shift}, audit_type = '{audit}'{scope}, "
                              f"{recent_dates}",
                              "still at the earlier level" if team in row["teams_behind"] else ""))
    return tuple(items)
