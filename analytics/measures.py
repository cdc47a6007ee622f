"""The monthly measures, each defined once: what counts towards it, its sample size and its minimum sample.

Every analytic, page and export takes its figures from `monthly` and `over_window`, so the same place, months
and filter give the same number everywhere. A measure is a numerator over a denominator summed per month, with
`n` the sample a reader weighs it by (applicable answers, shifts, responses, complaints):

- audit compliance: answer scores over applicable answers (the rule in `compliance`); n = applicable answers;
- fill rate: hours worked over hours planned, on shifts with both (staff numbers for a service whose rota has no
  hours); n = those shifts;
- agency share: agency hours over hours worked, on shifts with both; n = those shifts;
- handover completion: shifts with the handover completed over shifts where it was recorded; n = those shifts;
- complaints: complaints received a month, zero in a month the log covers without one; n = complaints;
- complaint rate: complaints per 1,000 planned hours, in months with planned hours; n = complaints;
- feedback score: the mean of each response's score (the mean of its rated answers, 0 worst to 1 best), so a long
  survey weighs no more than a short one; grouped by question it is that question's mean; n = responses.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .run_cache import run_services, shared
from .scope import Scope, month_start, months_back, period_label


@dataclass(frozen=True)
class Measure:
    """One monthly measure: its name, source, unit, which way is better and what its sample counts."""

    id: str
    label: str
    source: str                  # audits | rota | complaints | feedback
    unit: str                    # share | count | rate | score
    improvement_direction: str   # increase | decrease
    n_label: str                 # what n counts: answers, shifts, complaints, responses
    min_n: str                   # the threshold holding the fewest n that make a judgement
    description: str


MEASURES: dict[str, Measure] = {m.id: m for m in (
    Measure("audit_compliance", "Audit compliance", "audits", "share", "increase", "answers", "min_audit_answers",
            "Applicable audit answers met, partly met answers at the partial-credit setting; N/A left out. Its chart's "
            "limits are never narrower than chance alone spreads a share of each month's answers."),
    Measure("fill_rate", "Rota fill rate", "rota", "share", "increase", "shifts", "min_rota_shifts",
            "Hours worked as a share of hours planned (staff numbers where the rota has no hours)."),
    Measure("agency_share", "Agency share of hours", "rota", "share", "decrease", "shifts", "min_rota_shifts",
            "Agency hours as a share of hours worked."),
    Measure("handover_completion", "Handover completion", "rota", "share", "increase", "shifts", "min_rota_shifts",
            "Shifts with the handover completed, as a share of shifts where it was recorded. Its chart's limits are "
            "never narrower than chance alone spreads a share of each month's shifts."),
    Measure("complaints", "Complaints per month", "complaints", "count", "decrease", "complaints", "min_complaints",
            "Complaints received in the month; a month the log covers without one counts as none."),
    Measure("complaint_rate", "Complaints per 1,000 planned hours", "complaints", "rate", "decrease", "complaints",
            "min_complaints", "Complaints received per 1,000 hours planned on the rota, so busier months compare "
            "fairly."),
    Measure("feedback_score", "Feedback score", "feedback", "score", "increase", "responses",
            "min_feedback_responses", "The mean of each response's rating from 0 (worst) to 1 (best); 'don't know' "
            "is left out. Per question, the question's mean rating."),
)}

GROUPABLE = {
    "audits": ("service", "team", "shift", "audit_type", "section", "item", "spot_check", "audit_ref"),
    "rota": ("service", "team", "shift", "role"),
    "feedback": ("service", "team", "shift", "question", "respondent_type"),
    "complaints": ("service", "team", "shift", "category", "summary"),
}
# The date each source's rows are judged by (the months a row counts in), for every measure, mark and row reader.
DATE_COLUMNS = {"audits": "audit_date", "rota": "rota_date", "complaints": "received_date",
                "feedback": "feedback_date"}
# Team and shift labels that say "not known": grouped as missing, never as a team called "Unknown".
UNKNOWN_LABELS = ("", "not known", "unknown", "n/a", "na", "not recorded", "not stated", "none", "-")
COLUMNS = ["month", "numerator", "denominator", "n", "value"]


def measure(measure_id: str) -> Measure:
    """The measure called `measure_id`, or a ValueError naming the ones there are."""
    if measure_id not in MEASURES:
        raise ValueError(f"unknown measure {measure_id!r}; choose from {', '.join(MEASURES)}")
    return MEASURES[measure_id]


@shared  # asked the same many times in one run of the analytics (run_cache)
def monthly(con: duckdb.DuckDBPyConnection, scope: Scope, measure_id: str, by: tuple[str, ...] = ("service",),
            start: date | None = None, end: date | None = None, settings: dict[str, Any] | None = None,
            only: dict[str, Any] | None = None) -> pd.DataFrame:
    """The measure per month and group of `by`: columns month, *by, numerator, denominator, n, value.

    `only` keeps rows whose columns equal the values given (e.g. {"spot_check": False}); `start` and `end`
    default to the whole history up to the scope's as-of date."""
    entry = measure(measure_id)
    by, only = tuple(by), dict(only or {})
    unknown = [c for c in (*by, *only) if c not in GROUPABLE[entry.source]]
    if unknown:
        raise ValueError(f"cannot group or filter {entry.source} by {', '.join(unknown)}; "
                         f"choose from {', '.join(GROUPABLE[entry.source])}")
    end = end or scope.end(con)
    if end is None:
        return pd.DataFrame(columns=["month", *by, *COLUMNS[1:]])
    start = start or date(1900, 1, 1)
    wider = run_services()
    # Inside a run, a question about some of its services is that about them all, read once (run_cache), and
    # sliced: grouped by service, each service's rows are its own. Not a count of complaints: its zero months
    # start from the first complaint of any service asked about. No rows: asked alone, as the columns' types
    # depend on whether the services had rows before the empty months were dropped.
    if scope.services and "service" in by and entry.id != "complaints" and set(scope.services) < set(wider):
        frame = monthly(con, Scope(wider, scope.as_of), measure_id, by, start, end, settings, only)
        frame = frame[frame["service"].isin(scope.services)].reset_index(drop=True)
        if not frame.empty:
            return _typed_as_alone(frame, by)
    if entry.source == "complaints":
        frame = _complaints(con, scope, entry, by, start, end, only)
    elif entry.source == "feedback":
        frame = _run_feedback(con, scope, by, start, end, only)
    else:
        sql, params = _SQL[entry.source](entry.id, settings)
        frame = _run(con, scope, entry.source, sql, params, by, start, end, only)
    if frame.empty:
        return pd.DataFrame(columns=["month", *by, *COLUMNS[1:]])
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame = frame[frame["denominator"].isna() | (frame["denominator"] > 0)] if entry.unit != "count" else frame
    frame = _valued(entry, frame)
    return frame[["month", *by, *COLUMNS[1:], *[c for c in frame.columns if c == "squares"]]] \
        .sort_values(["month", *by]).reset_index(drop=True)


def _typed_as_alone(frame: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """A slice of a wider answer with its group columns typed as DuckDB types them when the slice's rows are asked
    for alone: text with every value missing as object, yes/no with none missing as bool."""
    for column in by:
        values = frame[column]
        if isinstance(values.dtype, pd.StringDtype) and values.isna().all():
            frame[column] = pd.Series([None] * len(frame), dtype=object)
        elif isinstance(values.dtype, pd.BooleanDtype) and not values.isna().any():
            frame[column] = values.astype(bool)
    return frame


def over_window(frame: pd.DataFrame, by: tuple[str, ...] | list[str], measure_id: str | None = None) -> pd.DataFrame:
    """Monthly rows summed over their months per group: *by, numerator, denominator, n, months, value, first_month,
    last_month. A count measure's value is its mean a month."""
    by = list(by)
    columns = [*by, "numerator", "denominator", "n", "months", "value", "first_month", "last_month"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    sums = [c for c in ("numerator", "denominator", "n", "squares") if c in frame]
    if by:
        grouped = frame.groupby(by, dropna=False, sort=True)
        out = grouped[sums].sum(min_count=1)
        out["months"] = grouped["month"].nunique()
        out["first_month"], out["last_month"] = grouped["month"].min(), grouped["month"].max()
        out = out.reset_index()
    else:  # one group: the sums alone, without a groupby's fixed cost (a board reads ten of these)
        out = pd.DataFrame([{**{c: frame[c].sum(min_count=1) for c in sums}, "months": frame["month"].nunique(),
                             "first_month": frame["month"].min(), "last_month": frame["month"].max()}])
    count = (measure(measure_id).unit == "count") if measure_id else frame["denominator"].isna().all()
    if count:
        out["value"] = out["numerator"] / out["months"]
    else:  # a rate's denominator is in thousands of hours already
        out["value"] = out["numerator"] / out["denominator"].where(out["denominator"] > 0)
    return out[[*columns, *[c for c in out.columns if c == "squares"]]]


def recent_window(end: date, settings: dict[str, Any], months: int | None = None) -> tuple[date, date]:
    """The months a judgement looks at by default: the last `recent_cycles` months up to `end`."""
    months = months or int(settings["thresholds"]["recent_cycles"])
    return months_back(end, months - 1), end


def minimum(measure_id: str, settings: dict[str, Any]) -> float:
    """The fewest n (answers, shifts, responses, complaints) that make a judgement on the measure."""
    return float(settings["thresholds"].get(measure(measure_id).min_n, 0))


def enough(measure_id: str, n: float | None, settings: dict[str, Any]) -> bool:
    """Whether a sample of `n` is enough to judge the measure; below the minimum it is limited evidence."""
    return n is not None and not pd.isna(n) and float(n) >= minimum(measure_id, settings)


def show(measure_id: str, value: float | None) -> str:
    """A value the way the measure is written: 83%, 2.5 a month, 1.2 per 1,000 hours, 0.82."""
    if value is None or pd.isna(value):
        return "n/a"
    unit = measure(measure_id).unit
    if unit == "share":
        return f"{value:.0%}"
    if unit == "count":
        return f"{value:.1f} a month" if value % 1 else f"{value:.0f} a month"
    if unit == "rate":
        return f"{value:.2f} per 1,000 hours"
    return f"{value:.0%}"  # a 0-1 score reads as a percentage of the best rating


def figure(measure_id: str, value: float | None, n: float | None, start: date, end: date) -> str:
    """A value with its sample and window, as every figure on screen says it: '83% (412 answers, May 2026 to
    Oct 2026)'."""
    label = measure(measure_id).n_label
    count = "no" if n is None or pd.isna(n) else f"{int(n):,}"
    if count == "1":
        label = label.rstrip("s")
    return f"{show(measure_id, value)} ({count} {label}, {period_label(start, end)})"


# --- the SQL of each source, once -------------------------------------------------------------------------

def _place(column: str) -> str:
    """A grouping column, with 'not known' team and shift labels as missing."""
    if column not in ("team", "shift"):
        return column
    marks = ", ".join(f"'{label}'" for label in UNKNOWN_LABELS)  # constants, not user values
    return f"CASE WHEN lower(trim({column})) IN ({marks}) THEN NULL ELSE {column} END AS {column}"


def _run(con: duckdb.DuckDBPyConnection, scope: Scope, source: str, select: str, params: list[Any],
         by: tuple[str, ...], start: date, end: date, only: dict[str, Any]) -> pd.DataFrame:
    services, values = scope.service_filter()
    day = DATE_COLUMNS[source]
    groups = "".join(f", {_place(c)}" for c in by)
    filters = "".join(f" AND {c} IS NOT DISTINCT FROM ?" for c in only)
    return con.cursor().execute(f"""
        SELECT date_trunc('month', {day})::DATE AS month{groups}, {select}
        FROM {_FROM[source]}
        WHERE {day} BETWEEN ? AND ? AND {services}{filters}
        GROUP BY ALL""", [*params, start, end, *values, *only.values()]).df()


def _audit_sql(measure_id: str, settings: dict[str, Any] | None) -> tuple[str, list[Any]]:
    partial = float((settings or {}).get("partial_credit", 0.5))
    score = "sum(CASE answer_class WHEN 'partial' THEN ? ELSE answer_score END) FILTER (WHERE answer_class <> 'na')"
    return (f"{score} AS numerator, count(*) FILTER (WHERE answer_class <> 'na') AS denominator, "
            "count(*) FILTER (WHERE answer_class <> 'na') AS n"), [partial]


# A rota row counts towards a ratio only where both of its figures were given.
_ROTA = {
    "fill_rate": ("sum(CASE WHEN by_hours THEN actual_hours ELSE actual_staff END) FILTER (WHERE counted)",
                  "sum(CASE WHEN by_hours THEN planned_hours ELSE planned_staff END) FILTER (WHERE counted)",
                  "count(*) FILTER (WHERE counted)"),
    "agency_share": ("sum(agency_hours) FILTER (WHERE actual_hours > 0 AND agency_hours IS NOT NULL)",
                     "sum(actual_hours) FILTER (WHERE actual_hours > 0 AND agency_hours IS NOT NULL)",
                     "count(*) FILTER (WHERE actual_hours > 0 AND agency_hours IS NOT NULL)"),
    "handover_completion": ("count(*) FILTER (WHERE handover_completed)", "count(handover_completed)",
                            "count(handover_completed)"),
}


def _rota_sql(measure_id: str, settings: dict[str, Any] | None) -> tuple[str, list[Any]]:
    numerator, denominator, n = _ROTA[measure_id]
    return f"{numerator} AS numerator, {denominator} AS denominator, {n} AS n", []


_SQL = {"audits": _audit_sql, "rota": _rota_sql}
# A service's fill rate is in hours where its rota records hours, else in staff numbers; `counted` marks the rows
# with both figures of the ratio.
_FROM = {
    "audits": "audits",
    "rota": """(SELECT *, coalesce(by_hours, false) AS by_hours,
                       CASE WHEN coalesce(by_hours, false) THEN planned_hours > 0 AND actual_hours IS NOT NULL
                            ELSE planned_staff > 0 AND actual_staff IS NOT NULL END AS counted
                FROM rota LEFT JOIN (SELECT service, true AS by_hours FROM rota
                                     WHERE planned_hours > 0 AND actual_hours IS NOT NULL GROUP BY service)
                     USING (service))""",
    "complaints": "complaints",
}


def _run_feedback(con: duckdb.DuckDBPyConnection, scope: Scope, by: tuple[str, ...], start: date, end: date,
                  only: dict[str, Any]) -> pd.DataFrame:
    """Feedback per response: each response's mean within the group, then summed (see module docstring)."""
    services, values = scope.service_filter()
    groups = ", ".join(_place(c) for c in by)
    keys = ", ".join(by)
    filters = "".join(f" AND {c} IS NOT DISTINCT FROM ?" for c in only)
    return con.cursor().execute(f"""
        WITH responses AS (
            SELECT date_trunc('month', feedback_date)::DATE AS month{', ' if by else ''}{groups},
                   avg(rating_score) AS score
            FROM feedback
            WHERE rating_score IS NOT NULL AND feedback_date BETWEEN ? AND ? AND {services}{filters}
            GROUP BY {", ".join(str(i) for i in range(1, len(by) + 2))}, coalesce(response_id, row_key::VARCHAR))
        SELECT month{', ' if by else ''}{keys}, sum(score) AS numerator, count(*) AS denominator, count(*) AS n,
               sum(score * score) AS squares
        FROM responses GROUP BY ALL""", [start, end, *values, *only.values()]).df()


def _complaints(con: duckdb.DuckDBPyConnection, scope: Scope, entry: Measure, by: tuple[str, ...], start: date,
                end: date, only: dict[str, Any]) -> pd.DataFrame:
    last = _last_full_month(end)
    counts = _run(con, scope, "complaints", "count(*) AS numerator, NULL::DOUBLE AS denominator, count(*) AS n",
                  [], by, start, end, only)
    counts["month"] = pd.to_datetime(counts["month"]).dt.date
    counts = counts[counts["month"] <= last]
    if entry.id == "complaint_rate":
        rota_by = tuple(c for c in by if c in GROUPABLE["rota"])
        if rota_by != by:
            return pd.DataFrame()  # planned hours are not known per category
        hours = _run(con, scope, "rota", "sum(planned_hours) FILTER (WHERE planned_hours > 0) / 1000.0 AS hours",
                     [], by, start, end, {})
        hours["month"] = pd.to_datetime(hours["month"]).dt.date
        hours = hours[(hours["month"] <= last) & (hours["hours"] > 0)]
        frame = hours.merge(counts[["month", *by, "numerator"]], on=["month", *by], how="left")
        frame["numerator"] = frame["numerator"].fillna(0.0)
        frame["n"], frame["denominator"] = frame["numerator"], frame["hours"]
        return frame.drop(columns="hours")
    return _with_zero_months(con, scope, counts, by, start, last)


def _with_zero_months(con: duckdb.DuckDBPyConnection, scope: Scope, counts: pd.DataFrame, by: tuple[str, ...],
                      start: date, last: date) -> pd.DataFrame:
    """A count for every month from the first the log covers to `last`, for every group seen; zero where none."""
    services, values = scope.service_filter()
    first = con.cursor().execute(f"SELECT min(received_date) FROM complaints WHERE received_date >= ? AND {services}",
                                 [start, *values]).fetchone()[0]
    if first is None or month_start(first) > last or counts.empty:
        return counts.iloc[0:0]
    months = pd.DataFrame({"month": [m.date() for m in pd.date_range(month_start(first), last, freq="MS")]})
    full = months.merge(counts[list(by)].drop_duplicates(), how="cross") if by else months
    full = full.merge(counts, on=["month", *by], how="left")
    full["numerator"] = full["numerator"].fillna(0.0)
    full["n"] = full["numerator"]
    full["denominator"] = np.nan
    return full


def _last_full_month(end: date) -> date:
    """The last month wholly on or before `end`: a part month would understate a count."""
    if end.day == calendar.monthrange(end.year, end.month)[1]:
        return month_start(end)
    return months_back(end, 1)


def _valued(entry: Measure, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if entry.unit == "count":
        frame["value"] = frame["numerator"].astype(float)
    else:  # a rate's denominator is in thousands of hours already
        frame["value"] = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    for column in ("numerator", "denominator", "n"):
        frame[column] = frame[column].astype(float)
    return frame
