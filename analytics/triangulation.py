"""Triangulation: internal assurance (scheduled audits) set against lived experience (complaints, feedback).

For each team, and each team's shift where the data records shifts, the last `triangulation_months`
months are split into an earlier and a recent half (analytics.triangulation_figures). Internal assurance is
judged on the recent half's scheduled audits, not spot checks and not the rota (shown beside them); lived
experience on the recent half's feedback (families' separately: poor where clearly below good, or below good and
clearly down on the earlier half) and on whether complaints rose beyond chance from the earlier half, or one
category of them rose on the team against its own longer past (analytics.rising_categories: a few months either
side are too short to show five complaints about communication where there was one in two years). Where the two
disagree leaders may be looking at the wrong evidence: green audits beside rising family complaints is the pattern
CQC asks about. Below a minimum sample a disagreement is limited evidence, not a concern. The rules of each
judgement are `analytics.triangulation_rules`; this module reads the places, classifies them and tells them.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import duckdb
import pandas as pd

from .findings import Evidence, Finding, chance_words, limited, percent
from .fragility import join_clauses, place_name, rows_filter
from .key_questions import classify
from .rising_categories import team_rises
from .scope import Scope, period_label
from .triangulation_figures import Window, place_figures, triangulation_window
from .triangulation_rules import (
    assurance,
    classify_place,
    clearly_poor,
    complaints_chance,
    complaints_rising,
    complaints_up,
    enough,
    feedback_falling,
    limited_reason,
    lived_experience,
    poor_signals,
    quadrant_position,
)

CLASSES = ("agree_good", "agree_concern", "assurance_gap", "experience_ahead", "not_enough_evidence")


def triangulation_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Per service, team and team's shift: each source's figures in both halves, the classification and why."""
    window = triangulation_window(con, scope, settings)
    empty = pd.DataFrame(columns=["service", "team", "shift", "classification", "explanation"])
    if window is None:
        return empty
    figures = place_figures(con, scope, settings, window)
    if figures.empty:
        return empty
    rises = team_rises(con, scope, settings)
    table = pd.DataFrame([_assess(row | _rise_at(rises, row), settings["thresholds"], window)
                          for row in figures.to_dict("records")])
    table = table.sort_values(["service", "team", "shift"], na_position="first", ignore_index=True)
    for column in ("shift", "main_complaint_category", "weakest_audit", "limited", "rising_category",
                   "rising_months"):  # text: None, not NaN
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
    # A pattern on most of a service's teams is merged into one service-wide finding naming them by
    # analytics.service_wide, after every analytic has run: these findings share its subjects (the topic).
    return findings


CLASS_WORDS = {"assurance_gap": "an assurance gap", "agree_concern": "assurance and experience agreeing on a concern",
               "experience_ahead": "experience ahead of assurance", "agree_good": "assurance and experience agreeing "
               "all is well", "not_enough_evidence": "not enough evidence to say"}


def chart_summary(rows: pd.DataFrame) -> str:
    """The chart of places in words, for a reader who cannot see it: how many places of each classification,
    naming the ones that need a look, and which could not be placed."""
    if rows.empty:
        return "No place has both sides to set against each other."
    names = [place_name(r["team"], r["shift"]) for r in rows.to_dict("records")]
    named = pd.Series(names, index=rows.index)
    parts = []
    for kind, words in CLASS_WORDS.items():
        chosen = named[rows["classification"] == kind]
        if chosen.empty:
            continue
        listed = f" ({join_clauses(sorted(chosen))})" if kind != "agree_good" and len(chosen) <= 6 else ""
        parts.append(f"{len(chosen)} with {words}{listed}")
    limited = int(rows["limited"].notna().sum()) if "limited" in rows else 0
    text = f"Of {len(rows)} {'place' if len(rows) == 1 else 'places'}, {join_clauses(parts)}."
    return text + (f" {limited} of these rest on limited evidence." if limited else "")


# --- the judgement ------------------------------------------------------------------------------------

_NO_RISE = {"rising_category": None, "rising_recent": math.nan, "rising_earlier": math.nan, "rising_months": None,
            "rising_earlier_months": 0, "rising_chance": math.nan}


def _rise_at(rises: dict[tuple, dict[str, Any]], row: dict[str, Any]) -> dict[str, Any]:
    """A whole team's complaint category rising against its own longer past (`rising_categories.team_rises`); a
    team's shift is read on its own halves only."""
    if isinstance(row["shift"], str):
        return _NO_RISE
    return rises.get((row["service"], row["team"]), _NO_RISE)


def _assess(figures: dict[str, Any], thresholds: dict[str, Any], window: Window) -> dict[str, Any]:
    """A place's figures with its assurance, experience, classification and one explaining sentence."""
    figures["complaints_rising"] = complaints_rising(figures, thresholds, window)
    figures["assurance"] = assurance(figures["audit_compliance_recent"], figures["audit_answers_recent"],
                                     thresholds)
    figures["experience"] = lived_experience(figures, thresholds)
    figures["classification"] = classify_place(figures["assurance"], figures["experience"])
    figures["limited"] = limited_reason(figures, thresholds) if figures["classification"] != "not_enough_evidence" \
        else None
    # Widening: lived experience worsened between the halves while assurance stayed good.
    # Clear: complaints rose beyond chance or feedback sits clearly below good, not only a fall to a level within
    # chance of good; a gap resting on such a fall alone is a pointer (fragile), not a concern.
    figures["clear"] = bool(complaints_up(figures) or any(
        clearly_poor(figures[f"{prefix}feedback_recent"], figures[f"{prefix}feedback_se_recent"],
                     figures[f"{prefix}responses_recent"], thresholds) for prefix in ("", "family_")))
    figures["widening"] = bool(figures["classification"] == "assurance_gap" and (
        complaints_up(figures) or feedback_falling(figures, thresholds, "")
        or feedback_falling(figures, thresholds, "family_")))
    figures["main_complaint_category"] = figures["rising_category"] or next(iter(figures["recent_categories"]), None)
    x, y = quadrant_position(figures, thresholds)
    figures["assurance_margin"], figures["experience_margin"] = x, y
    figures["explanation"] = _explanation(figures, thresholds, window)
    return figures


# --- words ----------------------------------------------------------------------------------------------

def _assurance_words(figures: dict[str, Any], thresholds: dict[str, Any]) -> str:
    """Scheduled audits as a clause, saying where a figure under the standard is within chance of it."""
    audits, good = figures["audit_compliance_recent"], thresholds["compliance_good"]
    words = f"scheduled audits averaged {percent(audits)}"
    if figures["assurance"] == "good" and audits < good:
        words += f", within chance of the {percent(good)} standard on {figures['audit_answers_recent']} answers"
    return words


def _complaint_words(figures: dict[str, Any]) -> str:
    recent, earlier = figures["complaints_recent"], figures["complaints_earlier"]
    category = figures["main_complaint_category"]
    if figures["complaints_rising"]:
        about = figures["recent_categories"][category] if category else 0
        return f"complaints rose from {earlier} to {recent}" + (f" ({about} about {category})" if about > 1 else "")
    if figures["rising_category"]:
        return (f"complaints about {category} rose to {figures['rising_recent']:.0f} in {figures['rising_months']} "
                f"({figures['rising_earlier']:.0f} in the {figures['rising_earlier_months']} months before)")
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
    if poor_only:
        return [_complaint_words(figures) if prefix == "complaints" else
                _feedback_words(figures, prefix, "families' feedback" if prefix else "feedback")
                for prefix, _ in poor_signals(figures, thresholds)]
    words = [_complaint_words(figures)]
    if enough("feedback_score", figures["responses_recent"], thresholds):
        words.append(_feedback_words(figures, "", "feedback"))
    return words


def _explanation(figures: dict[str, Any], thresholds: dict[str, Any], window: Window) -> str:
    """One plain-English sentence saying why the place is classified as it is (and where the sample is small)."""
    kind, recent = figures["classification"], window.recent_words
    internal = _assurance_words(figures, thresholds) if figures["assurance"] else ""
    lived_all = join_clauses(_experience_words(figures, thresholds, False))
    lived_poor = join_clauses(_experience_words(figures, thresholds, True))
    if kind == "assurance_gap":
        text = f"Assurance looks good ({internal}) but lived experience does not: {lived_poor} in {recent}."
    elif kind == "experience_ahead":
        text = f"Lived experience is ahead of internal assurance: {internal} in {recent}, yet {lived_all}."
    elif kind == "agree_concern":
        text = f"Assurance and lived experience both point to a problem in {recent}: {internal}; {lived_poor}."
    elif kind == "agree_good":
        text = f"Assurance and lived experience agree in {recent}: {internal}; {lived_all}."
    else:
        return (f"Not enough evidence to set assurance against lived experience in {recent}: "
                f"{_missing(figures, thresholds)}.")
    return f"{text} Limited evidence: {figures['limited']}." if figures["limited"] else text


def _missing(figures: dict[str, Any], thresholds: dict[str, Any]) -> str:
    """What is missing for a judgement: scheduled audits, enough feedback, or a clear enough result."""
    if figures["assurance"] is None:
        return "no scheduled audits"
    responses = figures["responses_recent"]
    if responses == 0:
        return "no feedback responses and no clear rise in complaints"
    if not enough("feedback_score", responses, thresholds):
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


def _weak_subject(row: dict[str, Any]) -> str:
    """What weak assurance is about: the scheduled audit type scoring lowest."""
    return str(row["weakest_audit"]) if row["weakest_audit"] else "scheduled audits"


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
    for measure, label, shifts in (("fill_rate", "rota fill rate", "rota_shifts"),
                                   ("handover_completion", "handover completion", "handover_shifts")):
        if not math.isnan(row[f"{measure}_recent"]):
            found.append(Evidence("rota", label, row[f"{measure}_recent"], _or_none(row[f"{measure}_earlier"]),
                                  recent, rows_filter("rota", *where, window.middle, window.end),
                                  f"{row[f'{shifts}_recent']:,} shifts; {percent(_or_none(row[f'{measure}_earlier']))}"
                                  f" in {earlier} ({row[f'{shifts}_earlier']:,} shifts)"))
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
    if row["complaints_recent"] > row["complaints_earlier"]:
        detail += f"; as many or more by chance at the earlier rate: {chance_words(complaints_chance(row, window))}"
    if row["rising_category"]:
        detail += (f"; about {row['rising_category']}, {row['rising_recent']:.0f} in {row['rising_months']} against "
                   f"{row['rising_earlier']:.0f} in the {row['rising_earlier_months']} months before, a rise chance "
                   f"gives {chance_words(row['rising_chance'])}")
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
        return (f"{where} {_assurance_words(row, thresholds)} in {window.recent_words}, while "
                f"{join_clauses(_experience_words(row, thresholds, True))}: green assurance that does not match "
                f"what people and families are saying, {ending}.")
    return (f"{where} {_assurance_words(row, thresholds)} in {window.recent_words}, yet "
            f"{join_clauses(_experience_words(row, thresholds, False))}: people's experience is better than the "
            f"internal figures suggest, which is worth understanding before acting on those figures alone.")


def _finding(row: dict[str, Any], settings: dict[str, Any], window: Window) -> Finding:
    gap = row["classification"] == "assurance_gap"
    subject = (row["main_complaint_category"] or "feedback") if gap else _weak_subject(row)
    key_question, quality_statement = _complaints_key_question(row, settings["key_questions"]) if gap else \
        (classify(subject, settings["key_questions"]) or (None, None))
    finding = Finding(
        kind=row["classification"], service=row["service"], team=row["team"], shift=row["shift"],
        key_question=key_question, quality_statement=quality_statement, subject=subject,
        status="concern" if row["widening"] and row["clear"] else "fragile", confidence="qualified",
        period_start=window.start, period_end=window.end, summary=_summary(row, settings, window),
        evidence=_evidence(row, window))
    return limited(finding, row["limited"]) if row["limited"] else finding
