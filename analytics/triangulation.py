"""Triangulation: internal assurance (audits, rota) set against lived experience (complaints, feedback).

For each team, and each team's shift where the data records shifts, the last `triangulation_months`
months are split into an earlier and a recent half. Internal assurance is judged on the recent half's
scheduled audits and rota; lived experience on the recent half's feedback (families' separately) and on
whether complaints rose from the earlier half. Where the two disagree leaders may be looking at the
wrong evidence: green audits beside rising family complaints is the pattern CQC asks about.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from .compliance import audit_compliance
from .findings import Evidence, Finding, percent
from .fragility import ROTA_FILL_SUMS, clean_places, join_clauses, place_name, rows_filter
from .key_questions import classify
from .privacy import mask_series
from .scope import Scope, months_back, period_label

CLASSES = ("agree_good", "agree_concern", "assurance_gap", "experience_ahead", "not_enough_evidence")
# Respondent types that are a family member or friend rather than the person, staff or a professional.
FAMILY_PATTERN = (r"\b(family|families|relative|relatives|friend|friends|daughter|son|wife|husband|partner|"
                  r"niece|nephew|next of kin|grand\w*)\b")
# How many standard errors below the good score a feedback mean must sit before it counts as poor.
DEFAULT_FEEDBACK_MARGIN_SE = 2.0
# How far (on the 0-1 feedback scale) a mean must fall between the halves to count as falling.
DEFAULT_FEEDBACK_DROP = 0.1
HALVES = ("earlier", "recent")


@dataclass(frozen=True)
class Window:
    """The months compared: an earlier half and a recent half ending on the as-of date."""

    start: date
    middle: date   # the first day of the recent half
    end: date

    def label(self, half: str) -> str:
        """The half's months, e.g. 'Aug 2026 to Oct 2026'."""
        if half == "earlier":
            return period_label(self.start, self.middle - timedelta(days=1))
        return period_label(self.middle, self.end)

    @property
    def recent_words(self) -> str:
        """The recent half as a sentence says it, e.g. 'the 3 months to Oct 2026'."""
        months = (self.end.year - self.middle.year) * 12 + self.end.month - self.middle.month + 1
        return f"the {months} months to {self.end:%b %Y}" if months > 1 else f"{self.end:%B %Y}"

    def half_of(self, day: date) -> str:
        """Which half a date falls in."""
        return "recent" if day >= self.middle else "earlier"


def triangulation_window(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> Window | None:
    """The last `triangulation_months` months up to the as-of date, halved; None without data."""
    end = scope.end(con)
    if end is None:
        return None
    months = settings["thresholds"]["triangulation_months"]
    return Window(months_back(end, months - 1), months_back(end, months - 1 - months // 2), end)


def triangulation_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Per service, team and team's shift: each source's figures in both halves, the classification and why."""
    window = triangulation_window(con, scope, settings)
    empty = pd.DataFrame(columns=["service", "team", "shift", "classification", "explanation"])
    if window is None:
        return empty
    sources = _load(con, scope, settings, window)
    levels = [_figures(sources, keys) for keys in (("team",), ("team", "shift"))]
    figures = pd.concat([level for level in levels if not level.empty], ignore_index=True) \
        if any(not level.empty for level in levels) else empty
    if figures.empty:
        return empty
    table = pd.DataFrame([_assess(row, settings["thresholds"], window) for row in figures.to_dict("records")])
    table = table.sort_values(["service", "team", "shift"], na_position="first", ignore_index=True)
    for column in ("shift", "main_complaint_category", "weakest_audit"):  # text columns: None, not NaN
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    return table


def triangulation_findings(con: duckdb.DuckDBPyConnection, scope: Scope,
                           settings: dict[str, Any]) -> list[Finding]:
    """Assurance gaps and lived experience ahead of assurance, per team (and team's shift where it adds)."""
    window = triangulation_window(con, scope, settings)
    table = triangulation_table(con, scope, settings)
    if window is None or table.empty:
        return []
    flagged = table[table["classification"].isin(["assurance_gap", "experience_ahead"])]
    team_classes = {(r.service, r.team): r.classification for r in table[table["shift"].isna()].itertuples()}
    findings = []
    for row in flagged.to_dict("records"):
        # A team's shift is reported only where it says more than the finding on the whole team.
        if row["shift"] is not None and team_classes.get((row["service"], row["team"])) == row["classification"]:
            continue
        findings.append(_finding(row, settings, window))
    return findings


# --- loading each source by place and half ------------------------------------------------------------

def _load(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
          window: Window) -> dict[str, pd.DataFrame]:
    return {"audits": _audits(con, scope, settings, window), "rota": _rota(con, scope, window),
            "complaints": _complaints(con, scope, window), "feedback": _feedback(con, scope, window)}


def _audits(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], window: Window) -> pd.DataFrame:
    """Scheduled audits only: the assurance leaders rely on (spot checks test whether it is embedded)."""
    audits = audit_compliance(con, scope, ("service", "team", "shift", "audit_type", "spot_check"), window.start,
                              window.end, settings["partial_credit"])
    audits = audits[audits["spot_check"].ne(True)]
    if audits.empty:
        return pd.DataFrame(columns=["service", "team", "shift", "half", "audit_type", "score", "answers"])
    audits = clean_places(audits.copy())
    audits["half"] = [window.half_of(pd.Timestamp(m).date()) for m in audits["month"]]
    return audits.groupby(["service", "team", "shift", "half", "audit_type"], dropna=False, as_index=False)[
        ["score", "answers"]].sum()


def _rota(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    services, values = scope.service_filter()
    rota = con.cursor().execute(f"""
        SELECT service, team, shift, CASE WHEN rota_date >= ? THEN 'recent' ELSE 'earlier' END AS half,
               sum(planned_hours) FILTER (WHERE planned_hours > 0) AS planned_hours,
               {ROTA_FILL_SUMS}
        FROM rota WHERE rota_date BETWEEN ? AND ? AND {services}
        GROUP BY ALL""", [window.middle, window.start, window.end, *values]).df()
    return clean_places(rota)


def _complaints(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    services, values = scope.service_filter()
    complaints = con.cursor().execute(f"""
        SELECT service, team, shift, CASE WHEN received_date >= ? THEN 'recent' ELSE 'earlier' END AS half,
               nullif(trim(category), '') AS category,
               CASE WHEN nullif(trim(category), '') IS NULL THEN summary END AS summary, count(*) AS complaints
        FROM complaints WHERE received_date BETWEEN ? AND ? AND {services}
        GROUP BY ALL""", [window.middle, window.start, window.end, *values]).df()
    # A complaint is known by its category, or with none by what it says; findings quote either, and a category
    # cell may hold personal data as a summary does ("Complaint about nurse Jane Smith"): both masked.
    complaints["category"] = mask_series(complaints["category"].astype(object).where(
        complaints["category"].notna(), complaints["summary"].astype(object)))
    return clean_places(complaints.drop(columns="summary"))


def _feedback(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    services, values = scope.service_filter()
    # One score per response (the mean of its answered questions); sums of squares give the spread.
    feedback = con.cursor().execute(f"""
        WITH responses AS (
            SELECT service, team, shift, CASE WHEN feedback_date >= ? THEN 'recent' ELSE 'earlier' END AS half,
                   regexp_matches(lower(coalesce(respondent_type, '')), ?) AS family, avg(rating_score) AS score
            FROM feedback WHERE rating_score IS NOT NULL AND feedback_date BETWEEN ? AND ? AND {services}
            GROUP BY service, team, shift, half, family, coalesce(response_id, row_key::VARCHAR))
        SELECT service, team, shift, half, family, count(*) AS responses, sum(score) AS total,
               sum(score * score) AS squares
        FROM responses GROUP BY ALL""", [window.middle, FAMILY_PATTERN, window.start, window.end, *values]).df()
    return clean_places(feedback)


# --- every place's figures ---------------------------------------------------------------------------

ROTA_SUMS = ["planned_hours", "filled_hours", "fill_planned_hours", "filled_staff", "fill_planned_staff",
             "handovers", "handover_rows"]
FEEDBACK_SUMS = ["responses", "total", "squares"]


def _sums(frame: pd.DataFrame, keys: tuple[str, ...], columns: list[str], prefix: str = "") -> pd.DataFrame:
    """Per place, the columns summed in each half, as `<prefix><column>_<half>`."""
    place = ["service", *keys]
    names = [f"{prefix}{column}_{half}" for column in columns for half in HALVES]
    known = frame.dropna(subset=["team", *keys]) if not frame.empty else frame
    if known.empty:
        return pd.DataFrame(columns=[*place, *names])
    wide = known.groupby([*place, "half"])[columns].sum().unstack("half", fill_value=0)
    wide.columns = [f"{prefix}{column}_{half}" for column, half in wide.columns]
    return wide.reindex(columns=names, fill_value=0).reset_index()


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator).where(denominator > 0)


def _standard_error(responses: pd.Series, total: pd.Series, squares: pd.Series) -> pd.Series:
    """The standard error of a mean response score, from the count, sum and sum of squares."""
    variance = ((squares - total * total / responses) / (responses - 1)).clip(lower=0)
    return (variance / responses).pow(0.5).where(responses >= 2)


def _figures(sources: dict[str, pd.DataFrame], keys: tuple[str, ...]) -> pd.DataFrame:
    """Each source's figures for every place at one level (whole teams, or teams' shifts), in both halves."""
    place = ["service", *keys]
    feedback = sources["feedback"]
    parts = [_sums(sources["audits"], keys, ["score", "answers"]), _sums(sources["rota"], keys, ROTA_SUMS),
             _sums(sources["complaints"], keys, ["complaints"]), _sums(feedback, keys, FEEDBACK_SUMS),
             _sums(feedback[feedback["family"]] if not feedback.empty else feedback, keys, FEEDBACK_SUMS, "family_")]
    sums = parts[0]
    for part in parts[1:]:
        sums = sums.merge(part, how="outer", on=place)
    if sums.empty:
        return pd.DataFrame()
    sums = sums.fillna({column: 0 for column in sums.columns if column not in place})
    table = sums[place].copy()
    if "shift" not in keys:
        table["shift"] = None
    in_hours = sums["fill_planned_hours_earlier"] + sums["fill_planned_hours_recent"] > 0
    for half in HALVES:
        def col(name: str) -> pd.Series:
            return sums[f"{name}_{half}"].astype(float)
        table[f"audit_compliance_{half}"] = _ratio(col("score"), col("answers"))
        table[f"audit_answers_{half}"] = col("answers").astype(int)
        table[f"fill_rate_{half}"] = _ratio(col("filled_hours"), col("fill_planned_hours")).where(
            in_hours, _ratio(col("filled_staff"), col("fill_planned_staff")))
        table[f"handover_completion_{half}"] = _ratio(col("handovers"), col("handover_rows"))
        table[f"planned_hours_{half}"] = col("planned_hours")
        table[f"complaints_{half}"] = col("complaints").astype(int)
        table[f"complaint_rate_{half}"] = _ratio(1000 * col("complaints"), col("planned_hours"))
        for prefix in ("", "family_"):
            responses, total = col(f"{prefix}responses"), col(f"{prefix}total")
            table[f"{prefix}feedback_{half}"] = _ratio(total, responses)
            table[f"{prefix}responses_{half}"] = responses.astype(int)
            table[f"{prefix}feedback_se_{half}"] = _standard_error(responses, total, col(f"{prefix}squares"))
    places = list(sums[place].itertuples(index=False, name=None))
    weakest = _weakest_audits(sources["audits"], keys)
    table["weakest_audit"] = [weakest.get(p) for p in places]
    for half in HALVES:
        categories = _categories(sources["complaints"], keys, half)
        table[f"{half}_categories"] = [categories.get(p, {}) for p in places]
    return table


def _weakest_audits(audits: pd.DataFrame, keys: tuple[str, ...]) -> dict[tuple, str]:
    """Per place, the audit type with the lowest compliance in the recent half."""
    recent = audits[audits["half"] == "recent"].dropna(subset=["team", *keys]) if not audits.empty else audits
    if recent.empty:
        return {}
    by_type = recent.groupby(["service", *keys, "audit_type"])[["score", "answers"]].sum()
    compliance = (by_type["score"] / by_type["answers"]).sort_values(kind="stable")
    weakest: dict[tuple, str] = {}
    for (*place, audit_type), _ in compliance.items():
        weakest.setdefault(tuple(place), str(audit_type))
    return weakest


def _categories(complaints: pd.DataFrame, keys: tuple[str, ...], half: str) -> dict[tuple, dict[str, int]]:
    """Per place, the complaints in one half by category, commonest first."""
    rows = complaints[complaints["half"] == half].dropna(subset=["team", *keys]) if not complaints.empty \
        else complaints
    if rows.empty:
        return {}
    counts = rows.groupby(["service", *keys, "category"])["complaints"].sum().reset_index()
    counts = counts.sort_values(["complaints", "category"], ascending=[False, True], kind="stable")
    found: dict[tuple, dict[str, int]] = {}
    for row in counts.itertuples(index=False, name=None):
        found.setdefault(tuple(row[:-2]), {})[str(row[-2])] = int(row[-1])
    return found


# --- the judgement ------------------------------------------------------------------------------------

def _assurance(figures: dict[str, Any], thresholds: dict[str, Any]) -> str | None:
    """'good' or 'weak' on the recent half's scheduled audits and rota; None where neither exists."""
    audits = figures["audit_compliance_recent"]
    fill, handover = figures["fill_rate_recent"], figures["handover_completion_recent"]
    if all(math.isnan(x) for x in (audits, fill, handover)):
        return None
    weak = (audits < thresholds["compliance_good"] or fill < thresholds["fill_rate_good"]
            or handover < thresholds["handover_completion_good"])
    return "weak" if weak else "good"


def _complaints_rising(figures: dict[str, Any], thresholds: dict[str, Any]) -> bool:
    """Recent complaints at least `complaints_rising_ratio` times the earlier rate, and a real number more.

    The earlier count is scaled by planned hours where the rota allows, so a unit that grew is not
    mistaken for one that worsened; the rise must also be at least `min_complaints` complaints, so a
    team going from one complaint to two is not 'rising'.
    """
    recent, earlier = figures["complaints_recent"], figures["complaints_earlier"]
    hours_recent, hours_earlier = figures["planned_hours_recent"], figures["planned_hours_earlier"]
    expected = earlier * (hours_recent / hours_earlier if hours_recent > 0 and hours_earlier > 0 else 1.0)
    return (recent >= thresholds["min_complaints"] and recent >= thresholds["complaints_rising_ratio"] * expected
            and recent - expected >= thresholds["min_complaints"])


def _enough(responses: int, thresholds: dict[str, Any]) -> bool:
    return responses >= max(2, thresholds["min_feedback_responses"])


def _clearly_poor(mean: float, se: float, responses: int, thresholds: dict[str, Any]) -> bool:
    """Below the good score by more than sampling noise: a small team's few low ratings are not enough."""
    margin = thresholds.get("feedback_margin_se", DEFAULT_FEEDBACK_MARGIN_SE)
    return _enough(responses, thresholds) and mean + margin * se < thresholds["feedback_good_score"]


def _feedback_poor(figures: dict[str, Any], thresholds: dict[str, Any], prefix: str) -> bool:
    return _clearly_poor(figures[f"{prefix}feedback_recent"], figures[f"{prefix}feedback_se_recent"],
                         figures[f"{prefix}responses_recent"], thresholds)


def _feedback_falling(figures: dict[str, Any], thresholds: dict[str, Any], prefix: str) -> bool:
    drop = thresholds.get("feedback_drop", DEFAULT_FEEDBACK_DROP)
    return (_enough(figures[f"{prefix}responses_earlier"], thresholds)
            and _enough(figures[f"{prefix}responses_recent"], thresholds)
            and figures[f"{prefix}feedback_earlier"] - figures[f"{prefix}feedback_recent"] >= drop)


def _experience(figures: dict[str, Any], thresholds: dict[str, Any]) -> str | None:
    """'poor' when complaints rose or feedback (all, or families') is clearly below good; 'good' when
    enough feedback is good and complaints did not rise; None otherwise."""
    if (figures["complaints_rising"] or _feedback_poor(figures, thresholds, "")
            or _feedback_poor(figures, thresholds, "family_")):
        return "poor"
    if _enough(figures["responses_recent"], thresholds) and \
            figures["feedback_recent"] >= thresholds["feedback_good_score"]:
        return "good"
    return None


def _classify(assurance: str | None, experience: str | None) -> str:
    if assurance is None or experience is None:
        return "not_enough_evidence"
    return {("good", "good"): "agree_good", ("good", "poor"): "assurance_gap",
            ("weak", "poor"): "agree_concern", ("weak", "good"): "experience_ahead"}[(assurance, experience)]


def _assess(figures: dict[str, Any], thresholds: dict[str, Any], window: Window) -> dict[str, Any]:
    """A place's figures with its assurance, experience, classification and one explaining sentence."""
    figures["complaints_rising"] = _complaints_rising(figures, thresholds)
    figures["assurance"] = _assurance(figures, thresholds)
    figures["experience"] = _experience(figures, thresholds)
    figures["classification"] = _classify(figures["assurance"], figures["experience"])
    # Widening: lived experience worsened between the halves while assurance stayed good.
    figures["widening"] = bool(figures["classification"] == "assurance_gap" and (
        figures["complaints_rising"] or _feedback_falling(figures, thresholds, "")
        or _feedback_falling(figures, thresholds, "family_")))
    figures["main_complaint_category"] = next(iter(figures["recent_categories"]), None)
    figures["explanation"] = _explanation(figures, thresholds, window)
    return figures


# --- words ----------------------------------------------------------------------------------------------

def _assurance_words(figures: dict[str, Any], thresholds: dict[str, Any], weak_only: bool) -> list[str]:
    """The internal assurance figures as clauses; with weak_only, just those below their standard."""
    audits, fill = figures["audit_compliance_recent"], figures["fill_rate_recent"]
    handover = figures["handover_completion_recent"]
    words = []
    if not math.isnan(audits) and (not weak_only or audits < thresholds["compliance_good"]):
        words.append(f"scheduled audits averaged {percent(audits)}")
    if not math.isnan(fill) and (not weak_only or fill < thresholds["fill_rate_good"]):
        words.append(f"shifts were filled to {percent(fill)} of plan")
    if not math.isnan(handover) and (not weak_only or handover < thresholds["handover_completion_good"]):
        words.append(f"handovers were completed on {percent(handover)} of shifts")
    return words


def _complaint_words(figures: dict[str, Any]) -> str:
    recent, earlier = figures["complaints_recent"], figures["complaints_earlier"]
    category = figures["main_complaint_category"]
    if figures["complaints_rising"]:
        about = figures["recent_categories"][category] if category else 0
        return f"complaints rose from {earlier} to {recent}" + (f" ({about} about {category})" if about > 1 else "")
    if recent < earlier:
        return f"complaints fell from {earlier} to {recent}"
    if recent == earlier:
        return f"complaints held at {recent}"
    return f"complaints did not clearly rise ({earlier}, then {recent})"


def _feedback_words(figures: dict[str, Any], prefix: str, who: str) -> str:
    recent, earlier = figures[f"{prefix}feedback_recent"], figures[f"{prefix}feedback_earlier"]
    text = f"{who} averaged {percent(recent)}"
    return text if math.isnan(earlier) else f"{text} ({percent(earlier)} before)"


def _experience_words(figures: dict[str, Any], thresholds: dict[str, Any], poor_only: bool) -> list[str]:
    """Lived experience as clauses; with poor_only, just the complaints or feedback that count as poor."""
    words = []
    if not poor_only or figures["complaints_rising"]:
        words.append(_complaint_words(figures))
    if _enough(figures["responses_recent"], thresholds) and (not poor_only or _feedback_poor(figures, thresholds, "")):
        words.append(_feedback_words(figures, "", "feedback"))
    if poor_only and _feedback_poor(figures, thresholds, "family_"):
        words.append(_feedback_words(figures, "family_", "families' feedback"))
    return words


def _explanation(figures: dict[str, Any], thresholds: dict[str, Any], window: Window) -> str:
    """One plain-English sentence saying why the place is classified as it is."""
    kind, recent = figures["classification"], window.recent_words
    internal_all = join_clauses(_assurance_words(figures, thresholds, False))
    internal_weak = join_clauses(_assurance_words(figures, thresholds, True))
    lived_all = join_clauses(_experience_words(figures, thresholds, False))
    lived_poor = join_clauses(_experience_words(figures, thresholds, True))
    if kind == "assurance_gap":
        return f"Assurance looks good ({internal_all}) but lived experience does not: {lived_poor} in {recent}."
    if kind == "experience_ahead":
        return f"Lived experience is ahead of internal assurance: {internal_weak} in {recent}, yet {lived_all}."
    if kind == "agree_concern":
        return f"Assurance and lived experience both point to a problem in {recent}: {internal_weak}; {lived_poor}."
    if kind == "agree_good":
        return f"Assurance and lived experience agree in {recent}: {internal_all}; {lived_all}."
    missing = _missing(figures, thresholds)
    return f"Not enough evidence to set assurance against lived experience in {recent}: {missing}."


def _missing(figures: dict[str, Any], thresholds: dict[str, Any]) -> str:
    """What is missing for a judgement: assurance figures, enough feedback, or a clear enough result."""
    if figures["assurance"] is None:
        return "no scheduled audits or rota"
    responses = figures["responses_recent"]
    if responses == 0:
        return "no feedback responses and no clear rise in complaints"
    if not _enough(responses, thresholds):
        return (f"{responses} feedback responses (at least {thresholds['min_feedback_responses']} needed) and no "
                f"clear rise in complaints")
    return (f"feedback averaged {percent(figures['feedback_recent'])} on {responses} responses, too close to the "
            f"{percent(thresholds['feedback_good_score'])} standard to call, and no clear rise in complaints")


# --- the finding ------------------------------------------------------------------------------------------

def _complaints_key_question(row: dict[str, Any], rules: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The key question most of the recent complaints fall under, by their categories."""
    tally: Counter[tuple[str, str]] = Counter()
    for category, count in row["recent_categories"].items():
        found = classify(category, rules)
        if found:
            tally[found] += count
    return tally.most_common(1)[0][0] if tally else (None, None)


def _weak_subject(row: dict[str, Any], thresholds: dict[str, Any]) -> str:
    if row["audit_compliance_recent"] < thresholds["compliance_good"] and row["weakest_audit"]:
        return str(row["weakest_audit"])
    if row["handover_completion_recent"] < thresholds["handover_completion_good"]:
        return "handover completion"
    return "rota fill rate"


def _evidence(row: dict[str, Any], window: Window) -> tuple[Evidence, ...]:
    """Each source's figure for the recent half, set against the earlier half."""
    where = (row["service"], row["team"], row["shift"])
    earlier, recent = window.label("earlier"), window.label("recent")
    found = []
    if row["audit_answers_recent"]:
        found.append(Evidence(
            "audits", "scheduled audit compliance", row["audit_compliance_recent"],
            _or_none(row["audit_compliance_earlier"]), recent,
            rows_filter("audits", *where, window.middle, window.end, ", spot_check IS NOT TRUE"),
            f"{row['audit_answers_recent']} applicable answers; {percent(_or_none(row['audit_compliance_earlier']))}"
            f" in {earlier}"))
    for measure, label in (("fill_rate", "rota fill rate"), ("handover_completion", "handover completion")):
        if not math.isnan(row[f"{measure}_recent"]):
            found.append(Evidence("rota", label, row[f"{measure}_recent"], _or_none(row[f"{measure}_earlier"]),
                                  recent, rows_filter("rota", *where, window.middle, window.end),
                                  f"{percent(_or_none(row[f'{measure}_earlier']))} in {earlier}"))
    found.append(_complaint_evidence(row, window))
    for prefix, label in (("", "mean feedback score"), ("family_", "families' mean feedback score")):
        if row[f"{prefix}responses_recent"]:
            found.append(Evidence(
                "feedback", label, row[f"{prefix}feedback_recent"], _or_none(row[f"{prefix}feedback_earlier"]),
                recent, rows_filter("feedback", *where, window.middle, window.end,
                                    ", respondent_type family or friend" if prefix else ""),
                f"{row[f'{prefix}responses_recent']} responses ({row[f'{prefix}responses_earlier']} in {earlier})"))
    return tuple(found)


def _complaint_evidence(row: dict[str, Any], window: Window) -> Evidence:
    in_hours = not math.isnan(row["complaint_rate_recent"]) and not math.isnan(row["complaint_rate_earlier"])
    category = row["main_complaint_category"]
    detail = (f"{row['complaints_recent']} complaints in {window.label('recent')} against "
              f"{row['complaints_earlier']} in {window.label('earlier')}")
    if category:
        detail += (f"; {row['recent_categories'][category]} about {category} "
                   f"({row['earlier_categories'].get(category, 0)} before)")
    return Evidence(
        "complaints", "complaints per 1,000 planned hours" if in_hours else "complaints",
        row["complaint_rate_recent"] if in_hours else float(row["complaints_recent"]),
        row["complaint_rate_earlier"] if in_hours else float(row["complaints_earlier"]),
        period_label(window.start, window.end),
        rows_filter("complaints", row["service"], row["team"], row["shift"], window.start, window.end), detail)


def _or_none(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _summary(row: dict[str, Any], settings: dict[str, Any], window: Window) -> str:
    thresholds = settings["thresholds"]
    where = f"For {place_name(row['team'], row['shift'])} ({row['service']}),"
    if row["classification"] == "assurance_gap":
        ending = "and the gap is widening" if row["widening"] else "though the gap is not widening"
        return (f"{where} {_assurance_words(row, thresholds, False)[0]} in {window.recent_words}, while "
                f"{join_clauses(_experience_words(row, thresholds, True))}: green assurance that does not match "
                f"what people and families are saying, {ending}.")
    return (f"{where} {join_clauses(_assurance_words(row, thresholds, True))} in {window.recent_words}, yet "
            f"{join_clauses(_experience_words(row, thresholds, False))}: people's experience is better than the "
            f"internal figures suggest, which is worth understanding before acting on those figures alone.")


def _finding(row: dict[str, Any], settings: dict[str, Any], window: Window) -> Finding:
    gap = row["classification"] == "assurance_gap"
    subject = (row["main_complaint_category"] or "feedback") if gap else _weak_subject(row, settings["thresholds"])
    key_question, quality_statement = _complaints_key_question(row, settings["key_questions"]) if gap else \
        (classify(subject, settings["key_questions"]) or (None, None))
    return Finding(
        kind=row["classification"], service=row["service"], team=row["team"], shift=row["shift"],
        key_question=key_question, quality_statement=quality_statement, subject=subject,
        status="concern" if row["widening"] else "fragile", confidence="qualified",
        period_start=window.start, period_end=window.end, summary=_summary(row, settings, window),
        evidence=_evidence(row, window))

