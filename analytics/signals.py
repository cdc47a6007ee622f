"""Statistical process control over the monthly measures a registered manager watches.

Each measure (`analytics.measures`, defined once there) is a monthly series per service and team (audit
compliance also per audit type, rota measures also per shift) over the last `spc_window_months`. Shares and
scores are charted as XmR charts (`analytics.spc`), complaints as a c-chart (a month) or u-chart (per 1,000
planned hours, where the rota covers the place) (`analytics.spc_counts`). A series is judged only with at least
`spc_min_points` months. It raises one special_cause finding when its latest point is flagged and:

* the signal's months differ from the months before them beyond counting chance (`analytics.chance`, exact
  tests), at the rule's own strength: 3 standard errors for a point beyond a limit, 2 for 2 of 3 near a limit,
  the chance of 7 on one side (0.5 ** 7) for a run or a trend, and never less than `spc_chance_z`, so collapsed
  limits on sparse data do not flag one miss (shares of hours, whose chance is an upper bound, at
  `spc_chance_z`);
* with fewer than the measure's minimum sample (`measures.enough`) in the signal's months, it is limited
  evidence (`findings.limited`), never a concern.

An earlier lone point beyond the XmR limits is ghosted (left out of the mean and limits), so one bad month long
ago does not make every later month a "run". A run that is a sustained step change (`analytics.step_change`) is
told as "a shift since <month>", with the suggestion to start new limits there once the cause is understood.
A change is reported once and where it happens: a signal every team (shift, audit type) carries is reported for
the whole alone; one only some of them carry is reported for those, not the whole.

One series is judged in `analytics.signal_judging`; the finding is worded in `analytics.signal_words`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from . import measures
from .findings import Finding
from .scope import Scope, months_back
from .settings import load_settings
from .signal_judging import Judgement, Series, counted_items, judge, level
from .signal_words import finding_for, where
from .spc import SPCOptions, SPCResult, xmr
from .spc_counts import c_chart, u_chart
from .spc_icons import icon_columns
from .step_change import read_shift


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
_PLACES = ("service", "team", "shift", "audit_type")
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
    start, never rebased unless a person chose it (`rebase`: the first month of each new period). Its points carry
    n, the sample behind each month."""
    series = metric_series(con, scope, metric_id, service, team, shift, audit_type, settings)
    return _charted(metric_id, series, where(service, team, shift), target, rebase)


def stored_chart(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], metric_id: str,
                 service: str, team: str | None = None, shift: str | None = None, audit_type: str | None = None,
                 target: float | None = None, rebase: tuple[date, ...] = (),
                 stored: pd.DataFrame | None = None) -> SPCResult:
    """`spc_chart` as a page draws it: a service's own series read from the run stored with the findings
    (`service_series`; `stored`, the service's rows of it, where the caller has read them already), a team's,
    shift's or audit type's worked out now."""
    if team is not None or shift is not None or audit_type is not None:
        return spc_chart(con, scope, settings, metric_id, service, team, shift, audit_type, target, rebase)
    if stored is None:
        from .stored_insights import stored_table  # stores this module's series with the findings

        stored = stored_table(con, "service_series", Scope((service,), scope.as_of), settings)
    series = stored[stored["metric"] == metric(metric_id).id].reset_index(drop=True) if not stored.empty else stored
    return _charted(metric_id, series, where(service, None, None), target, rebase)


def _charted(metric_id: str, series: pd.DataFrame, place: str, target: float | None,
             rebase: tuple[date, ...]) -> SPCResult:
    """`chart_of` the series, or a ValueError whose words a page shows where there is none."""
    if series.empty:
        raise ValueError(f"no {metric(metric_id).label.lower()} data for {place}")
    return chart_of(metric_id, series, target, rebase)


def service_series(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Every measure's monthly series for each of the scope's services as a whole, over the charted months, as
    `metric_series` gives it: one table to store (columns service, metric, month, value, numerator, denominator,
    n)."""
    columns = ["service", "metric", "month", "value", "numerator", "denominator", "n"]
    frames = [_grouped_series(con, scope, entry, ("service",), settings).assign(metric=entry.id)
              for entry in CATALOGUE]
    frames = [frame[columns] for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def chart_of(metric_id: str, series: pd.DataFrame, target: float | None = None,
             rebase: tuple[date, ...] = ()) -> SPCResult:
    """`spc_chart` of a series `metric_series` gave (not empty), for a caller that uses the series too."""
    entry = metric(metric_id)
    direction, months = entry.improvement_direction, series["month"].tolist()
    rebase = tuple(month for month in rebase if month in months)  # a start outside the months charted is moot
    if entry.unit == "count":
        chart = c_chart(series["numerator"].tolist(), months, direction, target, rebase)
    elif entry.unit == "rate":
        chart = u_chart(series["numerator"].tolist(), series["denominator"].tolist(), months, direction, target,
                        rebase)
    else:
        # A share of counted items is drawn with the limits its findings are judged by (analytics.spc.limit_widths).
        counted = counted_items(entry, series["denominator"].fillna(0).to_numpy(dtype=float))
        chart = xmr(series["value"].tolist(), months, SPCOptions(improvement_direction=direction, target=target,
                                                                 rebase=rebase, counted=counted))
    chart = read_shift(chart, target, direction)
    # The sample behind each month (answers, shifts, complaints, responses), for the chart's words.
    return replace(chart, points=chart.points.assign(n=series["n"].to_numpy()))


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
    judged: dict[tuple, tuple[Judgement | None, Series]] = {}
    places: dict[tuple, tuple[Metric, dict[str, str]]] = {}
    for entry in CATALOGUE:
        for by in _groupings(entry):
            frame = _grouped_series(con, scope, entry, by, settings)
            for keys, series in _each_series(frame, by, min_points):
                place = dict(zip(by, keys))
                key = (entry.id, *(place.get(column) for column in _PLACES))
                judged[key] = (judge(entry, series, settings), series)
                places[key] = (entry, place)
    judged = _one_complaints_measure(judged)
    shadowed = _shadowed(judged)
    return [finding_for(*places[key], judgement, settings) for key, (judgement, _) in judged.items()
            if judgement is not None and key not in shadowed]


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


def chart_start(end: date, settings: dict[str, Any]) -> date:
    """The first month a chart ending at `end` shows: the last `spc_window_months`."""
    return months_back(end, settings["thresholds"].get("spc_window_months", 24) - 1)


def _grouped_series(con: duckdb.DuckDBPyConnection, scope: Scope, entry: Metric, by: tuple[str, ...],
                    settings: dict[str, Any]) -> pd.DataFrame:
    """The measure per month for every group of `by` over the charted months, from `measures.monthly`."""
    end = scope.end(con)
    if end is None:
        return pd.DataFrame(columns=["month", *by, *measures.COLUMNS[1:]])
    frame = measures.monthly(con, scope, entry.measure, by, chart_start(end, settings), end, settings)
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
                   Series({name: array[start:stop] for name, array in arrays.items()}))


def _shadowed(judged: dict[tuple, tuple[Judgement | None, Series]]) -> set[tuple]:
    """Series whose finding is better reported at another level.

    For each series with a signal and each way of splitting it (by team, shift or audit type), a part
    carries the signal when its own level moved at least half as far the same way over the signal's
    months. If every part (of two or more) carries it, the parts' matching findings are dropped and
    the whole tells it once, but for a part that moved further than the other parts by at least half
    their move and by more than the width of its own limits: a pattern of its own in the same months
    (every unit's agency share up to 26%, one late shift's to 41%). Otherwise, when a carrying part has
    its own matching finding, the whole is dropped and the parts say where it lives (a single part is
    the whole, named more exactly).
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
            moves = {part: _change(judged[part][1], finding.period_start) for part in parts}
            carrying = [part for part in parts if _carries(moves[part], change)]
            matching = [part for part in carrying
                        if judged[part][0] is not None and judged[part][0].status == finding.status]
            if len(parts) > 1 and len(carrying) == len(parts):
                dropped.update(part for part in matching if not _beyond_the_rest(
                    judged[part][0], moves[part], [move for other, move in moves.items() if other != part]))
            elif matching:
                dropped.add(key)
    return dropped


def _change(series: Series, since: date) -> float | None:
    """How far a series' level moved from the months before `since` to the months from it."""
    after = series.months >= since
    if after.all() or not after.any():
        return None
    return level(series, after) - level(series, ~after)


def _beyond_the_rest(judgement: Judgement, own: float | None, others: list[float | None]) -> bool:
    """Whether a part moved further than the other parts (their median move), the same way, by at least half
    their move (as a part carries a change by moving half as far) and by more than the width of its own limits."""
    moved = [other for other in others if other is not None]
    if own is None or not moved:
        return False
    rest = float(np.median(moved))
    if rest == 0 or (own > 0) != (rest > 0):
        return False
    width = judgement.upper - judgement.mean if rest > 0 else judgement.mean - judgement.lower
    beyond = (own - rest) * np.sign(rest)
    return bool(np.isfinite(width) and width > 0 and beyond > width and beyond >= abs(rest) / 2)


def _carries(part: float | None, whole: float | None) -> bool:
    """Whether a part moved at least half as far as the whole, the same way."""
    if part is None or whole is None or whole == 0:
        return False
    return part / whole >= 0.5
