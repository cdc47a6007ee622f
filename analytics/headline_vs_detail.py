"""Headline versus detail: a good headline figure hiding a weak item, team or shift beneath it.

(a) Audits: an audit type's compliance over the recent cycles is good (at least `headline_good_compliance`)
    while one of its items or themes, across the service, is below `item_failing_compliance` over the cycles
    and in at least `masked_min_share_of_cycles` of them (never on one bad month: at least
    `recurring_min_cycles`). A theme is reported only where none of its items is.
(b) Rota: the service's fill rate (actual / planned hours, or staff counts where hours are absent) is at
    least `fill_rate_good` while, in most months (more than half, and at least `recurring_min_cycles`), one
    team's shift fills `fragility_gap` or more below it, uses agency staff for at least
    `agency_share_concern` of its hours, or completes fewer than `handover_completion_good` of its handovers.
    Agency share and handovers count only where the service's own figure for them is good.
(c) Feedback: the service's average rating (overall, per respondent type, per question) is at least
    `feedback_good_score` while one team with at least `min_feedback_responses` responses averages
    `fragility_gap` or more below it.

A headline that is not good is not masked: the weakness is in plain sight, and other analyses report it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from .findings import Evidence, Finding, confidence_from_sources, percent
from .key_questions import classify
from .repeat_findings import (
    CHECK_KINDS,
    SUBJECT,
    audit_name,
    kinds_showing,
    monthly_subjects,
    place_months,
    recent_window,
    subject_sections,
)
from .scope import Scope, period_label

PAIR_COLUMNS = ["source", "service", "headline_measure", "headline_value", "headline_good", "sub_measure",
                "sub_value", "where", "team", "shift", "gap", "months_flagged", "months", "responses", "masked",
                "period"]
# Each rota measure: its label, whether higher is better, and how a team's month is judged weak.
ROTA_MEASURES = {
    "fill_rate": ("fill rate", True),
    "agency_share": ("agency share of hours", False),
    "handover_completion": ("handover completion", True),
}
FEEDBACK_FACETS = (None, "respondent_type", "question")


def headline_pairs(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """One row per headline figure with the worst figure beneath it, where it is, the gap and if it is masked."""
    window = recent_window(con, scope, settings)
    if window is None:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    frames = [f for f in (_audit_pairs(con, scope, settings, window), _rota_pairs(con, scope, settings, window),
                          _feedback_pairs(con, scope, settings, window)) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    pairs = pd.concat(frames, ignore_index=True)
    pairs["period"] = period_label(*window)
    headline = ["source", "service", "headline_measure"]
    pairs["masked"] = pairs.groupby(headline)["flagged"].transform("any")
    # Show what a reader should see first: a flagged figure, else the widest gap.
    worst = pairs.sort_values(["flagged", "gap"], ascending=False).drop_duplicates(headline)
    return worst.sort_values(headline, ignore_index=True)[PAIR_COLUMNS]


def masked_weaknesses(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """Masked weaknesses from audits, rota and feedback, each with the headline, the detail and the gap.

    Audit and rota weaknesses are concerns; a team's feedback is a concern where its own average is below
    `feedback_good_score`, else fragile. Confidence is limited (one source each), except an audit item that
    scheduled audits and spot checks each show failing, which two independent kinds of check make high.
    """
    window = recent_window(con, scope, settings)
    if window is None:
        return []
    return (_audit_findings(_audit_pairs(con, scope, settings, window), settings, window)
            + _rota_findings(_rota_pairs(con, scope, settings, window), settings, window)
            + _feedback_findings(_feedback_pairs(con, scope, settings, window), settings, window))


def _rows(table: str, service: str, window: tuple[date, date], **filters: object) -> str:
    where = "".join(f", {column} = {value!r}" for column, value in filters.items() if value is not None)
    return f"{table}: service = {service!r}{where}, {window[0]:%d/%m/%Y} to {window[1]:%d/%m/%Y}"


def _points(gap: float) -> str:
    return f"{abs(gap) * 100:.0f} points"


# (a) Audits ---------------------------------------------------------------------------------------------------

def _audit_pairs(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                 window: tuple[date, date]) -> pd.DataFrame:
    thresholds = settings["thresholds"]
    limit = thresholds["item_failing_compliance"]
    subjects = monthly_subjects(con, scope, settings, *window)
    if subjects.empty:
        return pd.DataFrame()
    months = place_months(subjects, [])
    headline = months[months["level"] == "item"].groupby(["service", "audit_type"], as_index=False).agg(
        answers=("answers", "sum"), score=("score", "sum"), months=("month", "nunique"))
    headline["headline_value"] = headline["score"] / headline["answers"]
    flags = {"months_flagged": months["compliance"] < limit} | {
        f"{name}_cycles_failed": months[f"{name}_compliance"] < limit for name in CHECK_KINDS}
    rows = months[SUBJECT + ["score", "answers"]].assign(**flags).groupby(SUBJECT, as_index=False).sum()
    rows.insert(len(SUBJECT), "sub_value", rows.pop("score") / rows.pop("answers"))
    rows = rows.astype({name: int for name in flags})
    pairs = rows.merge(headline[["service", "audit_type", "headline_value", "months"]]) \
        .merge(subject_sections(subjects), on=SUBJECT, how="left")
    pairs["headline_good"] = pairs["headline_value"] >= thresholds["headline_good_compliance"]
    # Failing over the period too: with a few answers a month, one slip on one team can sink a month.
    pairs["flagged"] = pairs["headline_good"] & (pairs["sub_value"] < limit) \
        & (pairs["months_flagged"] >= thresholds["recurring_min_cycles"]) \
        & (pairs["months_flagged"] >= thresholds["masked_min_share_of_cycles"] * pairs["months"])
    pairs["gap"] = pairs["headline_value"] - pairs["sub_value"]
    pairs["source"], pairs["where"], pairs["team"], pairs["shift"], pairs["responses"] = \
        "audits", "all teams", None, None, None
    pairs["headline_measure"] = [f"{audit_name(t)} compliance" for t in pairs["audit_type"]]
    pairs["sub_measure"] = [s if level == "item" else f"'{s}' section"
                            for level, s in zip(pairs["level"], pairs["subject"])]
    return pairs


def _audit_findings(pairs: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> list[Finding]:
    if pairs.empty:
        return []
    flagged = pairs[pairs["flagged"]]
    items = flagged[flagged["level"] == "item"]
    explained = set(zip(items["service"], items["audit_type"], items["section"]))
    themes = flagged[flagged["level"] == "theme"]
    themes = themes[[(s, t, x) not in explained
                     for s, t, x in zip(themes["service"], themes["audit_type"], themes["subject"])]]
    reported = pd.concat([items, themes])
    return [_audit_finding(reported.loc[[i]], settings, window) for i in reported.index]


def _audit_finding(pair_rows: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> Finding:
    thresholds = settings["thresholds"]
    pair = pair_rows.iloc[0]
    text = " ".join(str(p) for p in (pair["audit_type"], pair["section"], pair["subject"]) if pd.notna(p))
    key_question, statement = classify(text, settings["key_questions"]) or (None, None)
    kinds = kinds_showing(pair_rows, thresholds)
    period = period_label(*window)
    failing = percent(thresholds["item_failing_compliance"])
    months = f"{pair['months_flagged']} of {pair['months']} months"
    beneath = f"'{pair['subject']}'" if pair["level"] == "item" else f"its '{pair['subject']}' section"
    rows = _rows("audits", pair["service"], window, audit_type=pair["audit_type"])
    column = "item" if pair["level"] == "item" else "section"
    return Finding(
        kind="masked_weakness", service=pair["service"], team=None, shift=None, key_question=key_question,
        quality_statement=statement,
        subject=pair["subject"] if pair["level"] == "item" else f"{pair['subject']} (theme)",
        status="concern", confidence=confidence_from_sources(kinds, agree=True),
        period_start=window[0], period_end=window[1],
        summary=(f"At {pair['service']} the {audit_name(pair['audit_type'])} averaged "
                 f"{percent(pair['headline_value'])} from {period}, but {beneath} was below {failing} in {months} "
                 f"and scored {percent(pair['sub_value'])} overall, {_points(pair['gap'])} lower: a weakness the "
                 f"headline hides."),
        evidence=(
            Evidence("audits", "headline compliance", float(pair["headline_value"]), period=period, rows=rows,
                     detail=f"{pair['months']} monthly cycles"),
            Evidence("audits", f"{pair['level']} compliance", float(pair["sub_value"]),
                     comparison=float(pair["headline_value"]), period=period,
                     rows=f"{rows}, {column} = {pair['subject']!r}",
                     detail=(f"below {failing} in {months}; gap {_points(pair['gap'])}"
                             + (f"; shown by {' and '.join(sorted(kinds))}" if kinds else ""))),
        ))


# (b) Rota -----------------------------------------------------------------------------------------------------

def _rota_months(con: duckdb.DuckDBPyConnection, scope: Scope, window: tuple[date, date]) -> pd.DataFrame:
    services, values = scope.service_filter()
    return con.cursor().execute(f"""
        SELECT service, team, shift, date_trunc('month', rota_date)::DATE AS month,
               sum(actual_hours) FILTER (WHERE planned_hours > 0 AND actual_hours IS NOT NULL) AS actual_hours,
               sum(planned_hours) FILTER (WHERE planned_hours > 0 AND actual_hours IS NOT NULL) AS planned_hours,
               sum(actual_staff) FILTER (WHERE planned_staff > 0 AND actual_staff IS NOT NULL) AS actual_staff,
               sum(planned_staff) FILTER (WHERE planned_staff > 0 AND actual_staff IS NOT NULL) AS planned_staff,
               sum(agency_hours) FILTER (WHERE actual_hours > 0) AS agency_hours,
               sum(actual_hours) FILTER (WHERE actual_hours > 0 AND agency_hours IS NOT NULL) AS worked_hours,
               count(handover_completed) AS handovers,
               count(*) FILTER (WHERE handover_completed) AS handovers_completed
        FROM rota WHERE rota_date BETWEEN ? AND ? AND {services}
        GROUP BY ALL""", [*window, *values]).df()


def rota_rates(sums: pd.DataFrame) -> pd.DataFrame:
    """Fill rate (hours, else staff counts), agency share of hours and handover completion from summed columns."""
    by_hours = sums["planned_hours"].fillna(0) > 0
    rates = pd.DataFrame(index=sums.index)
    rates["fill_rate"] = (sums["actual_hours"] / sums["planned_hours"]).where(
        by_hours, sums["actual_staff"] / sums["planned_staff"].where(sums["planned_staff"] > 0))
    rates["agency_share"] = sums["agency_hours"] / sums["worked_hours"].where(sums["worked_hours"] > 0)
    rates["handover_completion"] = sums["handovers_completed"] / sums["handovers"].where(sums["handovers"] > 0)
    return rates.astype(float)


def _summed(months: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    numbers = [c for c in months.columns if c not in ("service", "team", "shift", "month")]
    sums = months.groupby(by, as_index=False)[numbers].sum(min_count=1)
    return pd.concat([sums[by], rota_rates(sums)], axis=1)


def _weak_month(measure: str, value: pd.Series, headline: pd.Series, thresholds: dict[str, Any]) -> pd.Series:
    if measure == "fill_rate":
        return value <= headline - thresholds["fragility_gap"]
    if measure == "agency_share":
        return value >= thresholds["agency_share_concern"]
    return value < thresholds["handover_completion_good"]


def _headline_good(measure: str, value: pd.Series, thresholds: dict[str, Any]) -> pd.Series:
    if measure == "fill_rate":
        return value >= thresholds["fill_rate_good"]
    if measure == "agency_share":
        return value < thresholds["agency_share_concern"]
    return value >= thresholds["handover_completion_good"]


def _rota_pairs(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                window: tuple[date, date]) -> pd.DataFrame:
    thresholds = settings["thresholds"]
    months = _rota_months(con, scope, window)
    if months.empty:
        return pd.DataFrame()
    service = _summed(months, ["service"])
    places = _summed(months.dropna(subset=["team", "shift"]), ["service", "team", "shift"])
    monthly = _summed(months.dropna(subset=["team", "shift"]), ["service", "team", "shift", "month"])
    frames = []
    for measure, (label, higher_is_better) in ROTA_MEASURES.items():
        headline = service[["service", measure]].rename(columns={measure: "headline_value"}) \
            .merge(service[["service", "fill_rate"]].rename(columns={"fill_rate": "service_fill_rate"}))
        month = monthly.dropna(subset=[measure]).merge(headline, on="service")
        month["weak"] = _weak_month(measure, month[measure], month["headline_value"], thresholds)
        counts = month.groupby(["service", "team", "shift"], as_index=False).agg(
            months=("month", "size"), months_flagged=("weak", "sum"))
        pairs = places[["service", "team", "shift", measure]].rename(columns={measure: "sub_value"}) \
            .dropna(subset=["sub_value"]).merge(headline.dropna(subset=["headline_value"]), on="service") \
            .merge(counts, on=["service", "team", "shift"])
        pairs["headline_good"] = _headline_good(measure, pairs["headline_value"], thresholds)
        fill_good = pairs["service_fill_rate"] >= thresholds["fill_rate_good"]
        most = (pairs["months_flagged"] > pairs["months"] / 2) & \
            (pairs["months_flagged"] >= thresholds["recurring_min_cycles"])
        pairs["flagged"] = fill_good & pairs["headline_good"] & most
        pairs["gap"] = (pairs["headline_value"] - pairs["sub_value"]) * (1 if higher_is_better else -1)
        pairs["measure"], pairs["headline_measure"], pairs["sub_measure"] = measure, label, label
        frames.append(pairs)
    pairs = pd.concat(frames, ignore_index=True)
    pairs["source"], pairs["responses"] = "rota", None
    pairs["where"] = [f"{t}, {s} shift" for t, s in zip(pairs["team"], pairs["shift"])]
    pairs["months_flagged"] = pairs["months_flagged"].astype(int)
    return pairs


def _rota_findings(pairs: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> list[Finding]:
    if pairs.empty:
        return []
    flagged = pairs[pairs["flagged"]]
    return [_rota_finding(place, settings, window)
            for _, place in flagged.groupby(["service", "team", "shift"], sort=True)]


def _rota_phrase(pair: pd.Series, thresholds: dict[str, Any]) -> str:
    months = f"in {pair['months_flagged']} of {pair['months']} months"
    if pair["measure"] == "fill_rate":
        return (f"the fill rate was {percent(pair['sub_value'])} (at least "
                f"{_points(thresholds['fragility_gap'])} below the service {months})")
    if pair["measure"] == "agency_share":
        return (f"agency staff worked {percent(pair['sub_value'])} of hours (at least "
                f"{percent(thresholds['agency_share_concern'])} {months})")
    return (f"the handover was completed on {percent(pair['sub_value'])} of shifts (below "
            f"{percent(thresholds['handover_completion_good'])} {months})")


def _rota_finding(place: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> Finding:
    thresholds = settings["thresholds"]
    first = place.iloc[0]
    service, team, shift = first["service"], first["team"], first["shift"]
    key_question, statement = classify("staffing", settings["key_questions"]) or (None, None)
    phrases = [_rota_phrase(pair, thresholds) for _, pair in place.iterrows()]
    details = phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"
    summary = (f"At {service} the fill rate was {percent(first['service_fill_rate'])} from "
               f"{period_label(*window)}, but on {team}'s {shift} shift {details}: a weakness the headline hides.")
    rows = _rows("rota", service, window)
    evidence = [Evidence("rota", "fill rate", float(first["service_fill_rate"]), period=period_label(*window),
                         rows=rows, detail="actual / planned hours (staff counts where hours are absent)")]
    for _, pair in place.iterrows():
        evidence.append(Evidence(
            "rota", pair["sub_measure"], float(pair["sub_value"]), comparison=float(pair["headline_value"]),
            period=period_label(*window), rows=_rows("rota", service, window, team=team, shift=shift),
            detail=f"weak in {pair['months_flagged']} of {pair['months']} months; gap {_points(pair['gap'])}"))
    return Finding(
        kind="masked_weakness", service=service, team=team, shift=shift, key_question=key_question,
        quality_statement=statement, subject=", ".join(place["sub_measure"]), status="concern",
        confidence="limited", period_start=window[0], period_end=window[1], summary=summary,
        evidence=tuple(evidence))


# (c) Feedback -------------------------------------------------------------------------------------------------

def _feedback_means(con: duckdb.DuckDBPyConnection, scope: Scope, window: tuple[date, date],
                    facet: str | None) -> pd.DataFrame:
    services, values = scope.service_filter()
    facet_column = facet or "NULL"
    grouping = "service, facet" if facet else "service"
    return con.cursor().execute(f"""
        SELECT service, {facet_column} AS facet, team, grouping(team) = 1 AS headline,
               avg(rating_score) AS mean,
               count(DISTINCT coalesce(response_id, CAST(row_key AS VARCHAR))) AS responses
        FROM feedback
        WHERE rating_score IS NOT NULL AND feedback_date BETWEEN ? AND ? AND {services}
        GROUP BY GROUPING SETS (({grouping}), ({grouping}, team))""", [*window, *values]).df()


def _facet_label(facet: str | None, value: object) -> str:
    if facet is None:
        return "average rating"
    if facet == "respondent_type":
        return f"average rating from {value} respondents"
    return f"average rating for '{value}'"


def _feedback_pairs(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                    window: tuple[date, date]) -> pd.DataFrame:
    thresholds = settings["thresholds"]
    frames = []
    for facet in FEEDBACK_FACETS:
        means = _feedback_means(con, scope, window, facet)
        if facet:
            means = means.dropna(subset=["facet"])
        headline = means[means["headline"]][["service", "facet", "mean", "responses"]] \
            .rename(columns={"mean": "headline_value", "responses": "headline_responses"})
        teams = means[~means["headline"] & means["team"].notna()
                      & (means["responses"] >= thresholds["min_feedback_responses"])]
        pairs = teams.drop(columns="headline").rename(columns={"mean": "sub_value"}) \
            .merge(headline, on=["service", "facet"], how="inner")
        pairs["headline_measure"] = [_facet_label(facet, v) for v in pairs["facet"]]
        pairs["facet_kind"] = facet
        frames.append(pairs)
    pairs = pd.concat(frames, ignore_index=True)
    if pairs.empty:
        return pd.DataFrame()
    pairs["headline_good"] = pairs["headline_value"] >= thresholds["feedback_good_score"]
    pairs["gap"] = pairs["headline_value"] - pairs["sub_value"]
    pairs["flagged"] = pairs["headline_good"] & (pairs["gap"] >= thresholds["fragility_gap"])
    pairs["source"], pairs["sub_measure"], pairs["shift"] = "feedback", "team's average rating", None
    pairs["where"], pairs["months_flagged"], pairs["months"] = pairs["team"], None, None
    return pairs


def _feedback_findings(pairs: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> list[Finding]:
    if pairs.empty:
        return []
    flagged = pairs[pairs["flagged"]]
    return [_feedback_finding(team.sort_values("gap", ascending=False), settings, window)
            for _, team in flagged.groupby(["service", "team"], sort=True)]


def _feedback_finding(team: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> Finding:
    thresholds = settings["thresholds"]
    widest = team.iloc[0]
    text = widest["facet"] if widest["facet_kind"] == "question" else None
    key_question, statement = classify(text, settings["key_questions"]) or \
        (settings.get("feedback_key_question"), None)
    others = len(team) - 1
    summary = (f"At {widest['service']} the {widest['headline_measure']} was {percent(widest['headline_value'])} "
               f"of the top score from {period_label(*window)}, but {widest['team']}'s was "
               f"{percent(widest['sub_value'])} over {widest['responses']} responses, {_points(widest['gap'])} lower"
               + (f" (and {others} more of the service's averages hide the same gap)" if others else "")
               + ": a weakness the average hides.")
    evidence = []
    for _, pair in team.iterrows():
        filters = {pair["facet_kind"]: pair["facet"]} if pair["facet_kind"] else {}
        evidence.append(Evidence(
            "feedback", pair["headline_measure"], float(pair["sub_value"]), comparison=float(pair["headline_value"]),
            period=period_label(*window), rows=_rows("feedback", pair["service"], window, team=pair["team"], **filters),
            detail=(f"{pair['responses']} responses from {pair['team']} against {pair['headline_responses']} across "
                    f"the service; gap {_points(pair['gap'])}")))
    return Finding(
        kind="masked_weakness", service=widest["service"], team=widest["team"], shift=None,
        key_question=key_question, quality_statement=statement, subject=widest["headline_measure"],
        status="concern" if widest["sub_value"] < thresholds["feedback_good_score"] else "fragile",
        confidence="limited", period_start=window[0], period_end=window[1], summary=summary,
        evidence=tuple(evidence))
