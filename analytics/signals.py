"""Statistical process control over the monthly measures a registered manager watches.

Each measure in the catalogue is a monthly series per service and per team (audit compliance also
per audit type, rota measures also per shift) over the last `spc_window_months`, charted as an XmR
chart by `analytics.spc`. A series is judged only with at least `spc_min_points` months. It raises
one special_cause finding when its latest point is flagged (outside the limits, a run, a trend, or
2 of 3 near a limit) and the signal's months differ from the mean by more than counting chance
(`spc_chance_z` standard errors), so a very steady measure does not report a one-point wobble.
An earlier lone point beyond the limits is ghosted (left out of the mean and limits) before the
latest point is judged, so one bad month long ago does not make every later month a "run".
Complaints are judged per 1,000 planned hours where the rota covers the place, else per month.
A change is reported once and where it happens: a signal every team (shift, audit type) carries is
reported for the whole alone; one only some of them carry is reported for those, not the whole.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from . import spc as _spc
from .compliance import audit_compliance
from .findings import Evidence, Finding, confidence_from_sources, percent
from .key_questions import classify
from .scope import Scope, month_start, months_back, period_label
from .settings import load_settings
from .spc import RUN_LENGTH, SPCOptions, SPCResult, xmr


@dataclass(frozen=True)
class Metric:
    """A monthly measure: what it is called, where it comes from, its unit and which way is better."""

    id: str
    label: str
    source: str                  # audits | rota | complaints | feedback
    unit: str                    # share | count | rate | score
    improvement_direction: str   # increase | decrease
    description: str


CATALOGUE = (
    Metric("audit_compliance", "Audit compliance", "audits", "share", "increase",
           "Applicable audit answers met, partly met answers at the partial-credit setting; all audit types or "
           "one."),
    Metric("rota_fill_rate", "Rota fill rate", "rota", "share", "increase",
           "Actual hours worked as a share of planned hours."),
    Metric("agency_share", "Agency share of hours", "rota", "share", "decrease",
           "Agency hours as a share of actual hours worked."),
    Metric("handover_completion", "Handover completion", "rota", "share", "increase",
           "Shifts with the handover recorded as completed, as a share of shifts where it was recorded."),
    Metric("complaints_per_month", "Complaints per month", "complaints", "count", "decrease",
           "Complaints received in the month (complete months only)."),
    Metric("complaints_per_1000_hours", "Complaints per 1,000 planned hours", "complaints", "rate", "decrease",
           "Complaints received per 1,000 hours planned on the rota, so busier months compare fairly."),
    Metric("feedback_score", "Feedback mean score", "feedback", "score", "increase",
           "Mean rating from 0 (worst) to 1 (best) over answers with a rating; 'don't know' is left out."),
)

# numerator, denominator and date column of each measure computed straight from one table
_AGGREGATES = {
    "rota_fill_rate": ("rota", "rota_date", "sum(actual_hours)", "sum(planned_hours)"),
    "agency_share": ("rota", "rota_date", "sum(agency_hours)", "sum(actual_hours)"),
    "handover_completion": ("rota", "rota_date", "count(*) FILTER (WHERE handover_completed)",
                            "count(handover_completed)"),
    "complaints_per_month": ("complaints", "received_date", "count(*)", "NULL"),
    "feedback_score": ("feedback", "feedback_date", "sum(rating_score)", "count(rating_score)"),
}
_DATE_COLUMNS = {"audits": "audit_date", "rota": "rota_date", "complaints": "received_date",
                 "feedback": "feedback_date"}
_TOPICS = {"complaints_per_month": "The number of complaints", "complaints_per_1000_hours": "The complaint rate",
           "feedback_score": "The mean feedback score"}
_PLACES = ("service", "team", "shift", "audit_type")
# how chance spreads a measure's monthly counts: answers met of those counted, or events in an exposure
_CHANCE = {"audit_compliance": "binomial", "handover_completion": "binomial", "feedback_score": "binomial",
           "complaints_per_month": "poisson", "complaints_per_1000_hours": "poisson"}
_HIGH = ("above_upper_limit", "trend_increasing", "two_in_three_above", "run_above")
_RULE_NAMES = {
    "above_upper_limit": "a point above the upper process limit",
    "below_lower_limit": "a point below the lower process limit",
    "trend_increasing": "7 or more points rising in a row",
    "trend_decreasing": "7 or more points falling in a row",
    "two_in_three_above": "2 of 3 points near the upper limit",
    "two_in_three_below": "2 of 3 points near the lower limit",
    "run_above": "7 or more points in a row above the mean",
    "run_below": "7 or more points in a row below the mean",
}


def metric_catalogue() -> list[Metric]:
    """The measures the signals look at, in the order a report lists them."""
    return list(CATALOGUE)


def metric(metric_id: str) -> Metric:
    """The catalogue entry for an id, or a ValueError listing the ids."""
    for entry in CATALOGUE:
        if entry.id == metric_id:
            return entry
    raise ValueError(f"unknown metric {metric_id!r}; choose from {', '.join(m.id for m in CATALOGUE)}")


def metric_series(con: duckdb.DuckDBPyConnection, scope: Scope, metric_id: str, service: str,
                  team: str | None = None, shift: str | None = None, audit_type: str | None = None,
                  settings: dict[str, Any] | None = None) -> pd.DataFrame:
    """One monthly series (columns month, value, denominator) for a service, team, shift or audit type.

    Settings (partial credit, the months charted) are the store's unless given.
    """
    settings = settings if settings is not None else load_settings(con)
    place = {"service": service, "team": team, "shift": shift, "audit_type": audit_type}
    fixed = {column: value for column, value in place.items() if value is not None}
    frame = _grouped_series(con, scope, metric(metric_id), tuple(fixed), settings)
    for column, value in fixed.items():
        frame = frame[frame[column] == value]
    return frame[["month", "value", "denominator"]].reset_index(drop=True)


def spc_chart(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], metric_id: str,
              service: str, team: str | None = None, shift: str | None = None, audit_type: str | None = None,
              target: float | None = None) -> SPCResult:
    """The XmR chart of one series, improvement judged in the measure's own direction."""
    series = metric_series(con, scope, metric_id, service, team, shift, audit_type, settings)
    if series.empty:
        raise ValueError(f"no {metric(metric_id).label.lower()} data for {_where(service, team, shift)}")
    return xmr(series["value"].tolist(), series["month"].tolist(),
               SPCOptions(improvement_direction=metric(metric_id).improvement_direction, target=target))


def signal_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """A special_cause finding for each series whose latest months show special cause, reported where it lives."""
    min_points = settings["thresholds"]["spc_min_points"]
    z = settings["thresholds"].get("spc_chance_z", 2.0)
    judged: dict[tuple, tuple[_Signal | None, _Series]] = {}
    places: dict[tuple, tuple[Metric, dict[str, str]]] = {}
    for entry in CATALOGUE:
        for by in _groupings(entry):
            frame = _grouped_series(con, scope, entry, by, settings)
            for keys, series in _each_series(frame, by, min_points):
                place = dict(zip(by, keys))
                key = (entry.id, *(place.get(column) for column in _PLACES))
                # Judged on the series' arrays; the finding, with its chart and words, only where it is reported.
                judged[key] = (_signal(entry, series, z), series)
                places[key] = (entry, place)
    judged = _one_complaints_measure(judged)
    shadowed = _shadowed(judged)
    findings = []
    for key, (signal, series) in judged.items():
        if signal is not None and key not in shadowed:
            entry, place = places[key]
            finding = _latest_signal(entry, place, series.frame, settings)
            if finding is not None:
                findings.append(finding)
    return findings


@dataclass(frozen=True)
class _Signal:
    """What `_latest_signal` would find for a series, without its words: enough to place it."""

    status: str
    period_start: date


def _signal(entry: Metric, series: _Series, z: float) -> _Signal | None:
    """The status and first month of the finding `_latest_signal` would make of the series, or None."""
    values = series.values
    latest, mean, outside = _latest_kind(values)
    alone = _alone(np.where(outside, "above_upper_limit", ""), values, mean)
    if alone.any():
        values = np.where(alone, np.nan, values)
        latest, mean, _ = _latest_kind(values)
    if not latest:
        return None
    means = np.full(len(values), mean)
    rule = _story(latest, values, means)
    high = rule in _HIGH
    first = series.months[-min(_start_length(rule, values, means), len(values))]
    since = series.months >= first
    if not _chance_passes(entry, series.numerator[since], series.denominator[since], int(since.sum()), mean, high,
                          z):
        return None
    return _Signal("improving" if high == (entry.improvement_direction == "increase") else "concern", first)


class _Series:
    """One monthly series of a grouped frame: its values and figures as arrays, the frame rows when needed."""

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray, values: np.ndarray, months: np.ndarray,
                 numerator: np.ndarray, denominator: np.ndarray) -> None:
        self._source, self._rows = frame, rows
        self.values, self.months, self.numerator, self.denominator = values, months, numerator, denominator
        self._frame: pd.DataFrame | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """The series' rows of the grouped frame, as a groupby over it would give them."""
        if self._frame is None:
            self._frame = self._source.iloc[self._rows]
        return self._frame


def _each_series(frame: pd.DataFrame, by: tuple[str, ...], min_points: int):
    """(keys, series) for every group of `by` with at least `min_points` months, in sorted key order."""
    if frame.empty:
        return
    codes = frame.groupby(list(by), sort=True).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    if not len(order):
        return
    sorted_codes = codes[order]
    cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
    starts, stops = np.r_[0, cuts], np.r_[cuts, len(order)]
    values = frame["value"].to_numpy(dtype=float, na_value=np.nan)[order]
    months = frame["month"].to_numpy(dtype=object)[order]
    numerator = frame["numerator"].to_numpy(dtype=float, na_value=np.nan)[order]
    denominator = pd.to_numeric(frame["denominator"]).to_numpy(dtype=float, na_value=np.nan)[order]
    keys = [frame[column].to_numpy(dtype=object)[order] for column in by]
    for start, stop in zip(starts, stops):
        if stop - start < min_points:
            continue
        yield (tuple(column[start] for column in keys),
               _Series(frame, order[start:stop], values[start:stop], months[start:stop], numerator[start:stop],
                       denominator[start:stop]))


def _special_cause_types(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Each point's special cause type and the mean, exactly as `xmr` with default options works them out."""
    mean, mean_mr, _ = _spc._period_limits(values, None, True)
    lower, upper = mean - _spc.LIMIT_WIDTH * mean_mr, mean + _spc.LIMIT_WIDTH * mean_mr
    lower_two_thirds = mean - _spc.TWO_THIRDS_WIDTH * mean_mr
    upper_two_thirds = mean + _spc.TWO_THIRDS_WIDTH * mean_mr
    outside = _spc._outside_limits(values, lower, upper)
    side = np.sign(values - mean)
    close = ~outside & ((values < lower_two_thirds) | (values > upper_two_thirds))
    kinds = _spc._special_cause_type(side, outside, _spc._seven_trend(values), _spc._two_in_three(close, side),
                                     _spc._seven_one_side(side))
    return kinds, mean


def _latest_kind(values: np.ndarray) -> tuple[str, float, np.ndarray]:
    """The latest point's special cause type, the mean and which points are beyond the limits, as `xmr` with
    default options has them (the same limits; the rules looked at for the latest point only)."""
    mean, mean_mr, _ = _spc._period_limits(values, None, True)
    lower, upper = mean - _spc.LIMIT_WIDTH * mean_mr, mean + _spc.LIMIT_WIDTH * mean_mr
    outside = (values > upper) | (values < lower)
    side = np.sign(values - mean)
    if outside[-1]:
        return ("above_upper_limit" if side[-1] == 1 else "below_lower_limit"), mean, outside
    steps = np.sign(np.diff(values[-_spc.RUN_LENGTH:]))
    if len(steps) == _spc.RUN_LENGTH - 1 and ((steps == 1).all() or (steps == -1).all()):
        return ("trend_increasing" if steps[-1] == 1 else "trend_decreasing"), mean, outside
    close = ~outside[-3:] & ((values[-3:] < mean - _spc.TWO_THIRDS_WIDTH * mean_mr)
                             | (values[-3:] > mean + _spc.TWO_THIRDS_WIDTH * mean_mr))
    last3 = side[-3:]
    if close[-1] and len(last3) == 3 and ((last3 == 1).all() or (last3 == -1).all()) and close.sum() >= 2:
        return ("two_in_three_above" if side[-1] > 0 else "two_in_three_below"), mean, outside
    last7 = side[-_spc.RUN_LENGTH:]
    if len(last7) == _spc.RUN_LENGTH and ((last7 == 1).all() or (last7 == -1).all()):
        return ("run_above" if side[-1] > 0 else "run_below"), mean, outside
    return "", mean, outside


def _chart_points(values: np.ndarray, months: pd.Series) -> pd.DataFrame:
    """The columns of `xmr(values, months).points` a finding reads (date, value, mean, limits, special cause type),
    worked out by the same functions for a series of one period already in date order, with default options."""
    kinds, mean = _special_cause_types(values)
    _, mean_mr, _ = _spc._period_limits(values, None, True)
    return pd.DataFrame({"date": pd.to_datetime(pd.Series(months).to_numpy()), "value": values,
                         "mean": np.full(len(values), mean),
                         "lower_limit": np.full(len(values), mean - _spc.LIMIT_WIDTH * mean_mr),
                         "upper_limit": np.full(len(values), mean + _spc.LIMIT_WIDTH * mean_mr),
                         "special_cause_type": kinds})


def _alone(kinds: np.ndarray, values: np.ndarray, mean: float) -> np.ndarray:
    """`_one_offs` on arrays: earlier points alone beyond a limit, both neighbours on the other side of the mean."""
    beyond = np.isin(kinds, ["above_upper_limit", "below_lower_limit"])
    side = np.sign(values - mean)
    previous, following = np.roll(side, 1), np.roll(side, -1)
    previous[0], following[-1] = -side[0], -side[-1]
    alone = beyond & (previous == -side) & (following == -side)
    alone[-1] = False
    return alone


def _one_complaints_measure(judged: dict[tuple, Any]) -> dict[tuple, Any]:
    """Complaints per 1,000 planned hours where the place has rota hours, else complaints per month."""
    return {key: value for key, value in judged.items()
            if not (key[0] == "complaints_per_month" and ("complaints_per_1000_hours", *key[1:]) in judged)}


def _groupings(entry: Metric) -> list[tuple[str, ...]]:
    """The levels a measure is charted at: service and team, by audit type for audits, by shift for rota."""
    levels = [("service",), ("service", "team")]
    if entry.source == "audits":
        levels += [(*level, "audit_type") for level in levels]
    if entry.source == "rota":
        levels += [(*level, "shift") for level in levels]
    return levels


def _grouped_series(con: duckdb.DuckDBPyConnection, scope: Scope, entry: Metric, by: tuple[str, ...],
                    settings: dict[str, Any]) -> pd.DataFrame:
    """A measure per month for every group of `by`: columns month, *by, numerator, denominator, value."""
    end = scope.end(con)
    columns = ["month", *by, "numerator", "denominator", "value"]
    if end is None:
        return pd.DataFrame(columns=columns)
    start = months_back(end, settings["thresholds"].get("spc_window_months", 24) - 1)
    if entry.id == "audit_compliance":
        frame = audit_compliance(con, scope, by, start, end, settings["partial_credit"])
        frame = frame.rename(columns={"score": "numerator", "answers": "denominator", "compliance": "value"})
    elif entry.id == "complaints_per_1000_hours":
        frame = _complaints_per_hours(con, scope, by, start, end)
    else:
        frame = _aggregate(con, scope, entry.id, by, start, end)
    if entry.unit == "count":
        frame = _with_zero_months(frame, by, _first_complaint_month(con, scope, start), _last_full_month(end))
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame = frame.dropna(subset=[column for column in by] + ["value"])
    return frame[columns].sort_values(["month", *by]).reset_index(drop=True)


def _aggregate(con: duckdb.DuckDBPyConnection, scope: Scope, metric_id: str, by: tuple[str, ...], start: date,
               end: date) -> pd.DataFrame:
    """A measure computed from one table: numerator over denominator per month and group."""
    table, date_column, numerator, denominator = _AGGREGATES[metric_id]
    services, values = scope.service_filter()
    groups = "".join(f", {column}" for column in by)
    frame = con.cursor().execute(f"""
        SELECT date_trunc('month', {date_column})::DATE AS month{groups},
               {numerator} AS numerator, {denominator} AS denominator
        FROM {table}
        WHERE {date_column} BETWEEN ? AND ? AND {services}
        GROUP BY ALL""", [start, end, *values]).df()
    if denominator == "NULL":
        frame["value"] = frame["numerator"].astype(float)
    else:
        frame["value"] = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    return frame


def _complaints_per_hours(con: duckdb.DuckDBPyConnection, scope: Scope, by: tuple[str, ...], start: date,
                          end: date) -> pd.DataFrame:
    """Complaints per 1,000 planned rota hours, per month and group, in months with planned hours."""
    hours = _aggregate(con, scope, "rota_fill_rate", by, start, end)[["month", *by, "denominator"]]
    counts = _aggregate(con, scope, "complaints_per_month", by, start, end)[["month", *by, "numerator"]]
    frame = hours.merge(counts, on=["month", *by], how="left")
    frame["numerator"] = frame["numerator"].fillna(0)
    frame["value"] = 1000 * frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    return frame


def _first_complaint_month(con: duckdb.DuckDBPyConnection, scope: Scope, start: date) -> date | None:
    """The first month the complaints log covers in the window: months before it are unknown, not zero."""
    services, values = scope.service_filter()
    first = con.cursor().execute(f"""
        SELECT min(received_date) FROM complaints WHERE received_date >= ? AND {services}""",
                                 [start, *values]).fetchone()[0]
    return None if first is None else month_start(first)


def _last_full_month(end: date) -> date:
    """The last month wholly on or before `end`: a part month would understate a count."""
    if end.day == calendar.monthrange(end.year, end.month)[1]:
        return month_start(end)
    return months_back(end, 1)


def _with_zero_months(frame: pd.DataFrame, by: tuple[str, ...], first: date | None, last: date) -> pd.DataFrame:
    """A count for every month from `first` to `last` for every group seen, zero where nothing was logged."""
    if first is None or first > last or frame.empty:
        return frame.iloc[0:0]
    frame = frame.assign(month=pd.to_datetime(frame["month"]).dt.date)
    months = pd.DataFrame({"month": [m.date() for m in pd.date_range(first, last, freq="MS")]})
    groups = frame[list(by)].drop_duplicates().dropna()
    full = months.merge(groups, how="cross")
    full = full.merge(frame[["month", *by, "numerator"]], on=["month", *by], how="left")
    full["numerator"] = full["numerator"].fillna(0.0)
    full["value"] = full["numerator"]
    full["denominator"] = np.nan
    return full


def _latest_signal(entry: Metric, place: dict[str, str], series: pd.DataFrame,
                   settings: dict[str, Any]) -> Finding | None:
    """The finding for a series whose latest point is part of a special cause, else None."""
    values = series["value"].to_numpy(dtype=float)
    points = _chart_points(values, series["month"])
    one_offs = _one_offs(points)
    if one_offs.any():
        points = _chart_points(np.where(one_offs.to_numpy(), np.nan, values), series["month"])
    rule = _current_rule(points)
    if rule is None:
        return None
    latest = points.iloc[-1]
    high = rule in _HIGH
    first = _signal_start(points, rule)
    if not _beyond_chance(entry, series[series["month"] >= first], latest["mean"], high,
                          settings["thresholds"].get("spc_chance_z", 2.0)):
        return None
    improving = high == (entry.improvement_direction == "increase")
    last_month = latest["date"].date()
    subject = entry.label if "audit_type" not in place else f"{entry.label}: {place['audit_type']}"
    quality = classify(f"{entry.label} {place.get('audit_type', '')}", settings["key_questions"]) or (None, None)
    return Finding(
        kind="special_cause", service=place["service"], team=place.get("team"), shift=place.get("shift"),
        key_question=quality[0], quality_statement=quality[1], subject=subject,
        status="improving" if improving else "concern",
        confidence=confidence_from_sources({entry.source}, agree=True),
        period_start=first, period_end=_month_end(last_month),
        summary=_summary(entry, place, series, points, rule, first, improving),
        evidence=(_evidence(entry, place, points, rule, first, series["month"][one_offs.to_numpy()].tolist()),),
    )


def _one_offs(points: pd.DataFrame) -> pd.Series:
    """Earlier points alone beyond a limit: both neighbours on the other side of the mean.

    They are ghosted, left out of the mean and limits as Making Data Count allows for a one-off, so
    that one bad month long ago does not make every later month look like a run below it. A point
    beyond a limit next to others on its side belongs to a shift and stays.
    """
    beyond = points["special_cause_type"].isin(["above_upper_limit", "below_lower_limit"]).to_numpy()
    side = np.sign(points["value"] - points["mean"]).to_numpy()
    previous, following = np.roll(side, 1), np.roll(side, -1)
    previous[0], following[-1] = -side[0], -side[-1]
    alone = beyond & (previous == -side) & (following == -side)
    alone[-1] = False
    return pd.Series(alone, index=points.index)


def _current_rule(points: pd.DataFrame) -> str | None:
    """The special cause rule the latest point belongs to, None when it is common cause."""
    latest = points["special_cause_type"].iloc[-1]
    return _longest_story(points, latest) if latest else None


def _beyond_chance(entry: Metric, signal: pd.DataFrame, mean: float, high: bool, z: float) -> bool:
    """Whether the signal's months differ from the mean by more than `z` standard errors of counting.

    A very steady measure can have XmR limits narrower than the play of chance in how many answers
    or complaints a month happens to hold; a one-point wobble in it is not a finding. Hours-based
    shares have no counting model and always pass.
    """
    return _chance_passes(entry, *(pd.to_numeric(signal[column]).to_numpy(dtype=float, na_value=np.nan)
                                   for column in ("numerator", "denominator")), len(signal), mean, high, z)


def _chance_passes(entry: Metric, numerator: np.ndarray, denominator: np.ndarray, months: int, mean: float,
                   high: bool, z: float) -> bool:
    """`_beyond_chance` on the signal months' numerators, denominators and count."""
    model = _CHANCE.get(entry.id)
    if model is None:
        return True
    observed = np.nansum(numerator)
    if model == "binomial":
        answers = np.nansum(denominator)
        gap = observed / answers - mean
        spread = math.sqrt(max(mean * (1 - mean), 0.0) / answers)
    else:
        exposure = months if entry.unit == "count" else np.nansum(denominator) / 1000
        gap = observed - mean * exposure
        spread = math.sqrt(max(mean * exposure, 0.0))
    return bool((gap > z * spread) if high else (gap < -z * spread))


def _longest_story(points: pd.DataFrame, rule: str) -> str:
    """A run or trend that the latest point also belongs to tells the story better than the single point."""
    return _story(rule, points["value"].to_numpy(dtype=float), points["mean"].to_numpy(dtype=float))


def _story(rule: str, values: np.ndarray, means: np.ndarray) -> str:
    """`_longest_story` on the points' values and means."""
    high = rule in _HIGH
    if _run_count(values, means) >= RUN_LENGTH and (values[-1] > means[-1]) == high:
        return "run_above" if high else "run_below"
    rising = len(values) > 1 and values[-1] > values[-2]
    if _trend_count(values) >= RUN_LENGTH and rising == high:
        return "trend_increasing" if high else "trend_decreasing"
    return rule


def _trailing_run(points: pd.DataFrame) -> int:
    """How many points up to the latest lie in a row on the latest point's side of the mean."""
    return _run_count(points["value"].to_numpy(dtype=float), points["mean"].to_numpy(dtype=float))


def _run_count(values: np.ndarray, means: np.ndarray) -> int:
    side = np.sign(values - means).tolist()
    count = 0
    for value in reversed(side):
        if value != side[-1] or value == 0:
            break
        count += 1
    return count


def _trailing_trend(points: pd.DataFrame) -> int:
    """How many points up to the latest rise (or fall) strictly in a row, counting the first."""
    return _trend_count(points["value"].to_numpy(dtype=float))


def _trend_count(values: np.ndarray) -> int:
    steps = np.sign(np.diff(values)).tolist()
    if not steps or steps[-1] == 0:
        return 1
    count = 1
    for step in reversed(steps):
        if step != steps[-1]:
            break
        count += 1
    return count


def _signal_start(points: pd.DataFrame, rule: str) -> date:
    """The first month of the signal the latest point belongs to."""
    length = _start_length(rule, points["value"].to_numpy(dtype=float), points["mean"].to_numpy(dtype=float))
    return points["date"].iloc[-min(length, len(points))].date()


def _start_length(rule: str, values: np.ndarray, means: np.ndarray) -> int:
    """How many months back the signal the latest point belongs to starts."""
    if rule.startswith("run"):
        return _run_count(values, means)
    if rule.startswith("trend"):
        return _trend_count(values)
    if rule.startswith("two_in_three"):
        return 3
    return 1


def _summary(entry: Metric, place: dict[str, str], series: pd.DataFrame, points: pd.DataFrame, rule: str,
             first: date, improving: bool) -> str:
    """One sentence: what the measure did, where, and that it is a real change rather than noise."""
    latest = points.iloc[-1]
    what = f"{_topic(entry, place)} for {_where(place['service'], place.get('team'), place.get('shift'))}"
    now = f"{_show(entry, latest['value'])} in {latest['date']:%b %Y}"
    if entry.unit == "rate":
        complaints = int(series["numerator"].iloc[-1])
        now += f" ({complaints} complaint{'' if complaints == 1 else 's'})"
    mean = _show(entry, latest["mean"])
    high = rule in _HIGH
    if rule.startswith("run"):
        before = _show(entry, _level(series[series["month"] < first]))
        what = (f"{what} has been {'above' if high else 'below'} its average of {mean} for "
                f"{_trailing_run(points)} months in a row, at {now} against {before} before {first:%b %Y}")
    elif rule.startswith("trend"):
        what = f"{what} has {'risen' if high else 'fallen'} {_trailing_trend(points) - 1} months in a row, to {now}"
    elif rule.startswith("two_in_three"):
        what = f"{what} has been close to its {'upper' if high else 'lower'} limit in 2 of the last 3 months, " \
               f"at {now} against an average of {mean}"
    else:
        what = f"{what} was {now}, outside its usual range of {_show_range(entry, latest)}"
    return f"{what}: a real change {'for the better' if improving else 'for the worse'}, not month-to-month variation."


def _evidence(entry: Metric, place: dict[str, str], points: pd.DataFrame, rule: str, first: date,
              ghosted: list[date]) -> Evidence:
    """The latest value against the chart's mean, with the limits, the rule, the rows charted and any one-offs."""
    latest = points.iloc[-1]
    chart_start, chart_end = points["date"].iloc[0].date(), latest["date"].date()
    filters = "".join(f", {column} = '{value}'" for column, value in place.items())
    rows = (f"{entry.source}: {filters[2:]}, {_DATE_COLUMNS[entry.source]} {chart_start:%Y-%m-%d} to "
            f"{_month_end(chart_end):%Y-%m-%d}")
    if entry.id == "complaints_per_1000_hours":
        rows += "; planned hours from rota with the same filter"
    detail = (f"XmR chart of {len(points)} monthly points from {chart_start:%b %Y}: "
              f"mean {_show(entry, latest['mean'])}, process limits {_show_range(entry, latest)}; "
              f"rule: {_RULE_NAMES[rule]}, {period_label(first, chart_end)}")
    if ghosted:
        detail += f"; left out of the mean and limits as one-offs: {', '.join(f'{m:%b %Y}' for m in ghosted)}"
    return Evidence(entry.source, entry.label.lower(), float(latest["value"]), float(latest["mean"]),
                    period_label(first, chart_end), rows, detail)


def _shadowed(judged: dict[tuple, tuple[_Signal | None, _Series]]) -> set[tuple]:
    """Series whose finding is better reported at another level.

    For each series with a signal and each way of splitting it (by team, shift or audit type), a part
    carries the signal when its own level moved at least half as far the same way over the signal's
    months. If every part (of two or more) carries it, the parts' matching findings are dropped and
    the whole tells it once; otherwise, when a carrying part has its own matching finding, the whole
    is dropped and the parts say where it lives (a single part is the whole, named more exactly).
    """
    # The parts of each whole: the series whose key differs from it only at one position, set there.
    parts_of: dict[tuple, list[tuple]] = {}
    for other in judged:
        for position in range(2, len(other)):
            if other[position] is not None:
                parts_of.setdefault((position, (*other[:position], None, *other[position + 1:])), []).append(other)
    dropped: set[tuple] = set()
    for key, (finding, series) in judged.items():
        if finding is None:
            continue
        change = _change(series, finding.period_start)
        for position in range(2, len(key)):  # team, shift, audit_type
            if key[position] is not None:
                continue
            parts = parts_of.get((position, key), [])
            carrying = [part for part in parts if _carries(_change(judged[part][1], finding.period_start), change)]
            matching = [part for part in carrying
                        if judged[part][0] is not None and judged[part][0].status == finding.status]
            if len(parts) > 1 and len(carrying) == len(parts):
                dropped.update(matching)
            elif matching:
                dropped.add(key)
    return dropped


def _change(series: _Series, since: date) -> float | None:
    """How far a series' level moved from the months before `since` to the months from it."""
    after = series.months >= since
    if after.all() or not after.any():
        return None
    return _level(series.numerator[after], series.denominator[after]) - \
        _level(series.numerator[~after], series.denominator[~after])


def _level(numerator: np.ndarray | pd.DataFrame, denominator: np.ndarray | None = None) -> float:
    """A series' level over several months: pooled over the denominators where there are any.

    Takes the numerators and denominators, or a series frame with those columns.
    """
    if isinstance(numerator, pd.DataFrame):
        numerator, denominator = (pd.to_numeric(numerator[column]).to_numpy(dtype=float, na_value=np.nan)
                                  for column in ("numerator", "denominator"))
    if not len(numerator):
        return math.nan
    if (~np.isnan(denominator)).any():
        return float(np.nansum(numerator) / np.nansum(denominator))
    return float(np.nanmean(numerator))


def _carries(part: float | None, whole: float | None) -> bool:
    """Whether a part moved at least half as far as the whole, the same way."""
    if part is None or whole is None or whole == 0:
        return False
    return part / whole >= 0.5


def _topic(entry: Metric, place: dict[str, str]) -> str:
    """What a summary says moved, with the audit type where it is one."""
    if "audit_type" in place:
        return f"{place['audit_type']} audit compliance"
    return _TOPICS.get(entry.id, entry.label)


def _where(service: str, team: str | None, shift: str | None) -> str:
    """A place in plain words, e.g. 'Willow Unit night shifts at Oakwood House'."""
    words = [team, f"{shift.lower()} shifts" if shift else None]
    local = " ".join(word for word in words if word)
    return f"{local} at {service}" if local else service


def _show(entry: Metric, value: float) -> str:
    """A value in the measure's unit, the way a report writes it."""
    if entry.unit in ("share", "score"):
        return percent(value)
    if entry.unit == "count":
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.1f} per 1,000 planned hours"


def _show_range(entry: Metric, point: pd.Series) -> str:
    """A chart's process limits, kept within what the measure can be (no negative counts, no share over 100%)."""
    lower, upper = max(point["lower_limit"], 0.0), point["upper_limit"]
    if entry.unit in ("share", "score"):
        upper = min(upper, 1.0)
    low_text = _show(entry, lower).removesuffix(" per 1,000 planned hours")
    return f"{low_text} to {_show(entry, upper)}"


def _month_end(month: date) -> date:
    """The last day of the month `month` falls in."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])
