"""Statistical process control over the monthly measures a registered manager watches.

Each measure (`analytics.measures`, defined once there) is a monthly series per service and team (audit
compliance also per audit type, rota measures also per shift) over the last `spc_window_months`. Shares and
scores are charted as XmR charts (`analytics.spc`), complaints as a c-chart (a month) or u-chart (per 1,000
planned hours, where the rota covers the place) (`analytics.spc_counts`). A series is judged only with at least
`spc_min_points` months. It raises one special_cause finding when its latest point is flagged and:

* the signal's months differ from the months before them beyond counting chance (`analytics.chance`, exact
  tests), at the rule's own strength: 3 standard errors for a point beyond a limit, 2 for 2 of 3 near a limit,
  `spc_chance_z` (or more) for a run or a trend, so collapsed limits on sparse data do not flag one miss
  (shares of hours, whose chance is an upper bound, at `spc_chance_z`);
* with fewer than the measure's minimum sample (`measures.enough`) in the signal's months, it is limited
  evidence (`findings.limited`), never a concern.

An earlier lone point beyond the XmR limits is ghosted (left out of the mean and limits), so one bad month long
ago does not make every later month a "run". A run that is a sustained step change (`analytics.step_change`) is
told as "a shift since <month>", with the suggestion to start new limits there once the cause is understood.
A change is reported once and where it happens: a signal every team (shift, audit type) carries is reported for
the whole alone; one only some of them carry is reported for those, not the whole.
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
from scipy import stats

from . import measures
from . import spc as _spc
from .chance import MODELS, signal_chance
from .findings import Evidence, Finding, confidence_from_sources, limited, percent
from .key_questions import classify
from .scope import Scope, months_back, period_label
from .settings import load_settings
from .spc import RUN_LENGTH, SPCOptions, SPCResult, xmr
from .spc_counts import c_chart, chart_arrays, u_chart
from .spc_icons import icon_columns
from .step_change import StepChange, read_shift, step_change


@dataclass(frozen=True)
class Metric:
    """A monthly measure as the Trends page picks it: its id there, the measure it charts, its words."""

    id: str
    measure: str                 # the id in analytics.measures
    label: str
    description: str

    @property
    def source(self) -> str:
        return measures.measure(self.measure).source

    @property
    def unit(self) -> str:
        return measures.measure(self.measure).unit

    @property
    def improvement_direction(self) -> str:
        return measures.measure(self.measure).improvement_direction


# Ids kept from before the measures layer, so pages and links keep working; measure ids are accepted too.
CATALOGUE = tuple(
    Metric(metric_id, measure_id, label or measures.measure(measure_id).label, measures.measure(measure_id).description)
    for metric_id, measure_id, label in (
        ("audit_compliance", "audit_compliance", None), ("rota_fill_rate", "fill_rate", None),
        ("agency_share", "agency_share", None), ("handover_completion", "handover_completion", None),
        ("complaints_per_month", "complaints", None), ("complaints_per_1000_hours", "complaint_rate", None),
        ("feedback_score", "feedback_score", "Feedback mean score")))
_TOPICS = {"complaints_per_month": "The number of complaints", "complaints_per_1000_hours": "The complaint rate",
           "feedback_score": "The mean feedback score"}
_PLACES = ("service", "team", "shift", "audit_type")
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
_CHARTS = {"count": "c-chart", "rate": "u-chart"}


def metric_catalogue() -> list[Metric]:
    """The measures the signals look at, in the order a report lists them."""
    return list(CATALOGUE)


def metric(metric_id: str) -> Metric:
    """The catalogue entry for an id (or a measure id), or a ValueError listing the ids."""
    for entry in CATALOGUE:
        if metric_id in (entry.id, entry.measure):
            return entry
    raise ValueError(f"unknown metric {metric_id!r}; choose from {', '.join(m.id for m in CATALOGUE)}")


def metric_series(con: duckdb.DuckDBPyConnection, scope: Scope, metric_id: str, service: str,
                  team: str | None = None, shift: str | None = None, audit_type: str | None = None,
                  settings: dict[str, Any] | None = None) -> pd.DataFrame:
    """One monthly series (columns month, value, numerator, denominator, n) for a service, team, shift or audit
    type, as `measures.monthly` defines it. Settings (partial credit, the months charted) are the store's unless
    given."""
    settings = settings if settings is not None else load_settings(con)
    place = {"service": service, "team": team, "shift": shift, "audit_type": audit_type}
    fixed = {column: value for column, value in place.items() if value is not None}
    frame = _grouped_series(con, scope, metric(metric_id), tuple(fixed), settings)
    for column, value in fixed.items():
        frame = frame[frame[column] == value]
    return frame[["month", "value", "numerator", "denominator", "n"]].reset_index(drop=True)


def spc_chart(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], metric_id: str,
              service: str, team: str | None = None, shift: str | None = None, audit_type: str | None = None,
              target: float | None = None, rebase: tuple[date, ...] = ()) -> SPCResult:
    """The chart of one series in the measure's own direction: XmR for shares and scores, c-chart for complaints a
    month, u-chart for complaints per 1,000 planned hours; a sustained shift read as one and suggested as a new
    start, never rebased unless a person chose it (`rebase`: the first month of each new period)."""
    entry = metric(metric_id)
    series = metric_series(con, scope, metric_id, service, team, shift, audit_type, settings)
    if series.empty:
        raise ValueError(f"no {entry.label.lower()} data for {_where(service, team, shift)}")
    direction, months = entry.improvement_direction, series["month"].tolist()
    rebase = tuple(month for month in rebase if month in months)  # a start outside the months charted is moot
    if entry.unit == "count":
        chart = c_chart(series["numerator"].tolist(), months, direction, target, rebase)
    elif entry.unit == "rate":
        chart = u_chart(series["numerator"].tolist(), series["denominator"].tolist(), months, direction, target,
                        rebase)
    else:
        chart = xmr(series["value"].tolist(), months,
                    SPCOptions(improvement_direction=direction, target=target, rebase=rebase))
    return read_shift(chart, target, direction)


def measure_icons(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], metric_id: str,
                  service: str, team: str | None = None, shift: str | None = None, audit_type: str | None = None,
                  target: float | None = None) -> dict[str, str]:
    """The Making Data Count variation and assurance icons of one series, as columns for a table of measures
    (see `spc_icons.icon_columns`); both "none" where there is no data."""
    try:
        chart = spc_chart(con, scope, settings, metric_id, service, team, shift, audit_type, target)
    except ValueError:
        chart = None
    return icon_columns(chart)


def signal_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """A special_cause finding for each series whose latest months show special cause, reported where it lives."""
    min_points = settings["thresholds"]["spc_min_points"]
    scope = Scope(scope.services, scope.end(con))  # worked out once, not per measure and level
    judged: dict[tuple, tuple[_Judgement | None, _Series]] = {}
    places: dict[tuple, tuple[Metric, dict[str, str]]] = {}
    for entry in CATALOGUE:
        for by in _groupings(entry):
            frame = _grouped_series(con, scope, entry, by, settings)
            for keys, series in _each_series(frame, by, min_points):
                place = dict(zip(by, keys))
                key = (entry.id, *(place.get(column) for column in _PLACES))
                judged[key] = (_judge(entry, series, settings), series)
                places[key] = (entry, place)
    judged = _one_complaints_measure(judged)
    shadowed = _shadowed(judged)
    return [_finding(*places[key], judgement, settings) for key, (judgement, _) in judged.items()
            if judgement is not None and key not in shadowed]


class _Series:
    """One monthly series of a grouped frame, as arrays."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self.months, self.values = columns["month"], columns["value"]
        self.numerator, self.denominator, self.n = columns["numerator"], columns["denominator"], columns["n"]
        self.squares = columns.get("squares", np.full(len(self.values), np.nan))

    def part(self, mask: np.ndarray) -> dict[str, np.ndarray]:
        return {"numerator": self.numerator[mask], "denominator": self.denominator[mask], "n": self.n[mask],
                "squares": self.squares[mask]}


@dataclass(frozen=True)
class _Judgement:
    """A series' latest signal: its rule, months, the chart figures a finding quotes and the chance behind it."""

    status: str                 # improving | concern
    rule: str
    period_start: date          # the signal's first month (the shift's, for a step change)
    series: _Series
    values: np.ndarray          # as charted (ghosted one-offs missing)
    mean: float
    lower: float                # the latest month's process limits
    upper: float
    ghosted: tuple[date, ...]
    chance: float | None        # exact chance of the signal months against the months before
    n: float                    # the sample in the signal's months
    shift: StepChange | None


def _judge(entry: Metric, series: _Series, settings: dict[str, Any]) -> _Judgement | None:
    """The latest signal of a series that passes the chance check, or None."""
    values = series.values
    if entry.unit in _CHARTS:
        latest, mean, lower, upper, near, run = _count_chart(entry, series)
        ghosted = np.zeros(len(values), dtype=bool)
        rule = ("run_above" if latest in _HIGH else "run_below") if latest and run else latest
    else:
        latest, mean, lower, upper, near, outside = _latest_kind(values)
        ghosted = _alone(outside, values, mean)
        if ghosted.any():
            values = np.where(ghosted, np.nan, values)
            latest, mean, lower, upper, near, _ = _latest_kind(values)
        rule = _story(latest, values, mean) if latest else ""
    if not rule:
        return None
    high = rule in _HIGH
    length = _start_length(rule, values, mean)
    if rule.endswith("limit") or rule.startswith("two_in_three"):
        # The months in a row beyond two thirds of the way to the limit, on the signal's side, are its months.
        length = max(length, _trailing_true(near[0 if high else 1]))
    first = series.months[-min(length, len(values))]
    since = series.months >= first
    chance = signal_chance(entry.measure, series.part(since), series.part(~since & ~np.isnan(values)), high)
    if chance is not None and not chance < stats.norm.sf(_rule_z(entry, rule, settings)):
        return None
    shift = step_change(values, series.months) if rule.startswith("run") else None
    if shift is not None and (shift.mean_after > shift.mean_before) != high:
        shift = None
    status = "improving" if high == (entry.improvement_direction == "increase") else "concern"
    return _Judgement(status, rule, shift.month if shift else first, series, values, mean, lower, upper,
                      tuple(series.months[ghosted]), chance, float(np.nansum(series.n[since])), shift)


def _rule_z(entry: Metric, rule: str, settings: dict[str, Any]) -> float:
    """How many standard errors of counting chance the rule's months must clear: the rule's own width for a point
    beyond a limit (3) or near one (2), else `spc_chance_z`. Shares of hours are checked against an upper bound
    on their chance (`chance`), already conservative, so against `spc_chance_z` whatever the rule."""
    z = float(settings["thresholds"].get("spc_chance_z", 2.0))
    if MODELS.get(entry.measure) == "shifts":
        return z
    if rule.endswith("limit"):
        return max(z, 3.0)
    return max(z, 2.0) if rule.startswith("two_in_three") else z


def _count_chart(entry: Metric, series: _Series) -> tuple[str, float, float, float, tuple[np.ndarray, np.ndarray],
                                                           bool]:
    """The latest point's special cause type, the centre, its limits, which points are beyond two thirds of the
    way to the upper and to the lower limit, and whether the latest is in a run that counts."""
    exposure = series.denominator if entry.unit == "rate" else np.ones(len(series.values))
    exposure = np.where(exposure > 0, exposure, np.nan)
    points = chart_arrays(np.where(np.isnan(exposure), np.nan, series.numerator), exposure)
    value = points["value"]
    near = (value > points["upper_two_thirds"], value < points["lower_two_thirds"])
    # A point beyond a limit takes its type before a run; whether it also ends a run that counts is asked apart.
    return (str(points["special_cause_type"][-1]), float(points["mean"][-1]), float(points["lower_limit"][-1]),
            float(points["upper_limit"][-1]), near, bool(points["in_run"][-1]))


def _trailing_true(mask: np.ndarray) -> int:
    """How many of the last points in a row are True."""
    false = np.flatnonzero(~mask)
    return len(mask) - 1 - int(false[-1]) if len(false) else len(mask)


def _latest_kind(values: np.ndarray) -> tuple[str, float, float, float, tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The latest point's special cause type, the mean, the limits, which points are beyond two thirds of the way
    to the upper and to the lower limit, and which beyond the limits, as `xmr` with default options has them (the
    same limits; the rules looked at for the latest point only)."""
    mean, mean_mr, _ = _spc._period_limits(values, None, True)
    lower, upper = mean - _spc.LIMIT_WIDTH * mean_mr, mean + _spc.LIMIT_WIDTH * mean_mr
    outside = (values > upper) | (values < lower)
    side = np.sign(values - mean)
    near = (values > mean + _spc.TWO_THIRDS_WIDTH * mean_mr, values < mean - _spc.TWO_THIRDS_WIDTH * mean_mr)
    limits = (mean, lower, upper, near, outside)
    if outside[-1]:
        return ("above_upper_limit" if side[-1] == 1 else "below_lower_limit"), *limits
    steps = np.sign(np.diff(values[-RUN_LENGTH:]))
    if len(steps) == RUN_LENGTH - 1 and ((steps == 1).all() or (steps == -1).all()):
        return ("trend_increasing" if steps[-1] == 1 else "trend_decreasing"), *limits
    close = ~outside[-3:] & ((values[-3:] < mean - _spc.TWO_THIRDS_WIDTH * mean_mr)
                             | (values[-3:] > mean + _spc.TWO_THIRDS_WIDTH * mean_mr))
    last3 = side[-3:]
    if close[-1] and len(last3) == 3 and ((last3 == 1).all() or (last3 == -1).all()) and close.sum() >= 2:
        return ("two_in_three_above" if side[-1] > 0 else "two_in_three_below"), *limits
    last7 = side[-RUN_LENGTH:]
    if len(last7) == RUN_LENGTH and ((last7 == 1).all() or (last7 == -1).all()):
        return ("run_above" if side[-1] > 0 else "run_below"), *limits
    return "", *limits


def _alone(outside: np.ndarray, values: np.ndarray, mean: float) -> np.ndarray:
    """Earlier points alone beyond a limit, both neighbours on the other side of the mean: one-offs, left out of
    the mean and limits as Making Data Count allows. A point beyond a limit next to others on its side belongs to
    a shift and stays."""
    side = np.sign(values - mean)
    previous, following = np.roll(side, 1), np.roll(side, -1)
    previous[0], following[-1] = -side[0], -side[-1]
    alone = outside & (previous == -side) & (following == -side)
    alone[-1] = False
    return alone


def _story(rule: str, values: np.ndarray, mean: float) -> str:
    """A run or trend that the latest point also belongs to tells the story better than the single point."""
    high = rule in _HIGH
    if _run_count(values, mean) >= RUN_LENGTH and (values[-1] > mean) == high:
        return "run_above" if high else "run_below"
    rising = len(values) > 1 and values[-1] > values[-2]
    if _trend_count(values) >= RUN_LENGTH and rising == high:
        return "trend_increasing" if high else "trend_decreasing"
    return rule


def _run_count(values: np.ndarray, mean: float) -> int:
    """How many points up to the latest lie in a row on the latest point's side of the mean."""
    side = np.sign(values - mean).tolist()
    count = 0
    for value in reversed(side):
        if value != side[-1] or value == 0:
            break
        count += 1
    return count


def _trend_count(values: np.ndarray) -> int:
    """How many points up to the latest rise (or fall) strictly in a row, counting the first."""
    steps = np.sign(np.diff(values)).tolist()
    if not steps or steps[-1] == 0:
        return 1
    count = 1
    for step in reversed(steps):
        if step != steps[-1]:
            break
        count += 1
    return count


def _start_length(rule: str, values: np.ndarray, mean: float) -> int:
    """How many months back the signal the latest point belongs to starts."""
    if rule.startswith("run"):
        return _run_count(values, mean)
    if rule.startswith("trend"):
        return _trend_count(values)
    return 3 if rule.startswith("two_in_three") else 1


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
    """The measure per month for every group of `by` over the charted months, from `measures.monthly`."""
    end = scope.end(con)
    if end is None:
        return pd.DataFrame(columns=["month", *by, *measures.COLUMNS[1:]])
    start = months_back(end, settings["thresholds"].get("spc_window_months", 24) - 1)
    frame = measures.monthly(con, scope, entry.measure, by, start, end, settings)
    return frame.dropna(subset=[*by, "value"]).reset_index(drop=True)


def _each_series(frame: pd.DataFrame, by: tuple[str, ...], min_points: int):
    """(keys, series) for every group of `by` with at least `min_points` months, in sorted key order."""
    if frame.empty:
        return
    frame = frame.sort_values([*by, "month"], kind="stable")
    arrays = {column: frame[column].to_numpy(dtype=float, na_value=np.nan)
              for column in ("value", "numerator", "denominator", "n", "squares") if column in frame}
    arrays["month"] = frame["month"].to_numpy(dtype=object)
    codes = frame.groupby(list(by), sort=True).ngroup().to_numpy()
    cuts = np.flatnonzero(np.diff(codes)) + 1
    keys = [frame[column].to_numpy(dtype=object) for column in by]
    for start, stop in zip(np.r_[0, cuts], np.r_[cuts, len(codes)]):
        if stop - start >= min_points:
            yield (tuple(column[start] for column in keys),
                   _Series({name: array[start:stop] for name, array in arrays.items()}))


def _finding(entry: Metric, place: dict[str, str], judged: _Judgement, settings: dict[str, Any]) -> Finding:
    """The finding for a judged signal, in words, with its evidence; limited evidence on too small a sample."""
    improving = judged.status == "improving"
    last_month = judged.series.months[-1]
    subject = entry.label if "audit_type" not in place else f"{entry.label}: {place['audit_type']}"
    quality = classify(f"{entry.label} {place.get('audit_type', '')}", settings["key_questions"]) or (None, None)
    finding = Finding(
        kind="special_cause", service=place["service"], team=place.get("team"), shift=place.get("shift"),
        key_question=quality[0], quality_statement=quality[1], subject=subject, status=judged.status,
        confidence=confidence_from_sources({entry.source}, agree=True),
        period_start=judged.period_start, period_end=_month_end(last_month),
        summary=_summary(entry, place, judged, improving), evidence=(_evidence(entry, place, judged),))
    if measures.enough(entry.measure, judged.n, settings):
        return finding
    label = measures.measure(entry.measure).n_label
    return limited(finding, f"{judged.n:.0f} {label} in the signal's months, fewer than "
                            f"{measures.minimum(entry.measure, settings):.0f}")


def _summary(entry: Metric, place: dict[str, str], judged: _Judgement, improving: bool) -> str:
    """One sentence: what the measure did, where, and that it is a real change rather than noise."""
    series, rule, first = judged.series, judged.rule, judged.period_start
    what = f"{_topic(entry, place)} for {_where(place['service'], place.get('team'), place.get('shift'))}"
    now = f"{_show(entry, series.values[-1])} in {series.months[-1]:%b %Y}"
    if entry.unit == "rate":
        complaints = int(series.numerator[-1])
        now += f" ({complaints} complaint{'' if complaints == 1 else 's'})"
    mean = _show(entry, judged.mean)
    high = rule in _HIGH
    if judged.shift is not None:
        shift = judged.shift
        what = (f"{what} has shifted since {shift.month:%b %Y}: {_show(entry, shift.mean_before)} on average before, "
                f"{_show(entry, shift.mean_after)} since ({shift.months_after} months in a row), at {now}")
    elif rule.startswith("run"):
        before = _show(entry, _level(series, series.months < first))
        what = (f"{what} has been {'above' if high else 'below'} its average of {mean} for "
                f"{_run_count(judged.values, judged.mean)} months in a row, at {now} against {before} before "
                f"{first:%b %Y}")
    elif rule.startswith("trend"):
        what = f"{what} has {'risen' if high else 'fallen'} {_trend_count(judged.values) - 1} months in a row, to {now}"
    elif rule.startswith("two_in_three"):
        what = f"{what} has been close to its {'upper' if high else 'lower'} limit in 2 of the last 3 months, " \
               f"at {now} against an average of {mean}"
    else:
        what = f"{what} was {now}, outside its usual range of {_show_range(entry, judged)}"
    return f"{what}: a real change {'for the better' if improving else 'for the worse'}, not month-to-month variation."


def _evidence(entry: Metric, place: dict[str, str], judged: _Judgement) -> Evidence:
    """The latest value against the chart's mean, with the limits, the rule, the chance, the rows charted, any
    one-offs and, for a shift, where to start new limits."""
    months = judged.series.months
    chart_start, chart_end, first = months[0], months[-1], judged.period_start
    where = " and ".join(f"{column} {value}" for column, value in place.items())
    rows = (f"{entry.source} rows for {where}, {measures.DATE_COLUMNS[entry.source]} from {chart_start:%d %b %Y} to "
            f"{_month_end(chart_end):%d %b %Y}")
    if entry.unit == "rate":
        rows += "; planned hours from the rota rows for the same place and months"
    chart = _CHARTS.get(entry.unit, "XmR chart")
    detail = (f"{chart} of {len(months)} monthly points from {chart_start:%b %Y}: mean {_show(entry, judged.mean)}, "
              f"process limits {_show_range(entry, judged)}; rule: {_RULE_NAMES[judged.rule]}, "
              f"{period_label(first, chart_end)}; {judged.n:.0f} {measures.measure(entry.measure).n_label} in those "
              f"months")
    if judged.chance is not None:
        detail += f"; chance of a change this large by counting alone {_chance_text(judged.chance)}"
    if judged.ghosted:
        detail += f"; left out of the mean and limits as one-offs: {', '.join(f'{m:%b %Y}' for m in judged.ghosted)}"
    if judged.shift is not None:
        detail += f"; a sustained shift: {judged.shift.suggestion()}"
    return Evidence(entry.source, entry.label.lower(), float(judged.values[-1]), float(judged.mean),
                    period_label(first, chart_end), rows, detail)


def _chance_text(chance: float) -> str:
    return "under 0.1%" if chance < 0.001 else f"{chance:.1%}"


def _shadowed(judged: dict[tuple, tuple[_Judgement | None, _Series]]) -> set[tuple]:
    """Series whose finding is better reported at another level.

    For each series with a signal and each way of splitting it (by team, shift or audit type), a part
    carries the signal when its own level moved at least half as far the same way over the signal's
    months. If every part (of two or more) carries it, the parts' matching findings are dropped and
    the whole tells it once; otherwise, when a carrying part has its own matching finding, the whole
    is dropped and the parts say where it lives (a single part is the whole, named more exactly).
    """
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
    return _level(series, after) - _level(series, ~after)


def _level(series: _Series, mask: np.ndarray) -> float:
    """A series' level over some months: pooled over the denominators where there are any, else a mean a month."""
    numerator, denominator = series.numerator[mask], series.denominator[mask]
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


def _show_range(entry: Metric, judged: _Judgement) -> str:
    """A chart's process limits, kept within what the measure can be (no negative counts, no share over 100%)."""
    lower, upper = max(judged.lower, 0.0), judged.upper
    if entry.unit in ("share", "score"):
        upper = min(upper, 1.0)
    low_text = _show(entry, lower).removesuffix(" per 1,000 planned hours")
    return f"{low_text} to {_show(entry, upper)}"


def _month_end(month: date) -> date:
    """The last day of the month `month` falls in."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])

