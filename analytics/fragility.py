"""Shift and team fragility: one team, shift or team's shift persistently worse than the rest of its service.

A good service-wide figure can hide one place carrying the weakness: nights on one unit running on
agency staff, one team's families rating it poorly month after month. Each measure is compared, month by
month, with the rest of the same service; a place is fragile when it has been worse by the settings' gap
in enough consecutive months up to the latest, or, on figures too thin to clear the gap every month, behind
in each of them and by the gap over them together beyond counting chance (`analytics.fragility_runs`).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from . import measures
from .findings import Evidence, Finding, confidence_from_sources, limited, percent
from .fragility_runs import MEASURES, Measure, Signal, most_specific, signals
from .key_questions import classify
from .scope import Scope, month_end, months_back, period_label

TABLE_COLUMNS = ["month", "service", "team", "shift", "measure", "value", "rest_of_service", "denominator",
                 "exposure", "rest_exposure",
                 "count", "rest_count"]
# Besides them, what the judging of runs tests chance with (`fragility_runs`): the place's and the rest's sums.
_SUMS = ["num", "den", "squares", "rest_num", "rest_den", "rest_squares"]
# The groupings compared with the rest of their service: whole teams, whole shifts, one team's shift.
LEVELS = (("team",), ("shift",), ("team", "shift"))
# How many months of history the comparison reaches back, so a long-standing weakness shows its start.
DEFAULT_LOOKBACK_MONTHS = 24


# The measure of analytics.measures each comparison is made in, for its minimum sample.
MEASURE_IDS = {"complaints_per_1000_hours": "complaint_rate", "complaints_per_month": "complaints"}


def measure_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Monthly figures per team, shift and team x shift, each beside the rest of its service (long table)."""
    return _comparisons(con, scope, settings)[TABLE_COLUMNS]


def _comparisons(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """The measure table with the sums behind each figure (`_SUMS`)."""
    end = scope.end(con)
    if end is None:
        return pd.DataFrame(columns=TABLE_COLUMNS + _SUMS)
    lookback = settings["thresholds"].get("fragility_lookback_months", DEFAULT_LOOKBACK_MONTHS)
    start = months_back(end, lookback - 1)
    parts = pd.concat([_parts(con, scope, settings, name, start, end)
                       for name in ("fill_rate", "agency_share", "handover_completion", "audit_compliance",
                                    "feedback_score")], ignore_index=True)
    complaints, hours = _complaint_counts(con, scope, settings, start, end), _hours(con, scope, settings, start, end)
    # The complaint rates are measures like the others: compared in the same grouping.
    compared = pd.concat([frame for frame in (parts, _complaint_rate_parts(complaints, hours)) if not frame.empty],
                         ignore_index=True) if not (parts.empty and hours.empty) else parts
    frames = []
    for keys in LEVELS:
        frames.append(_compare(compared, keys))
        frames.append(_complaints_per_month(complaints, hours, parts, keys, start, end))
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=TABLE_COLUMNS + _SUMS)
    table = pd.concat(frames, ignore_index=True)[TABLE_COLUMNS + _SUMS]
    return table.sort_values(["service", "measure", "team", "shift", "month"], na_position="first",
                             ignore_index=True)


def fragility_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """Teams and shifts worse than the rest of their service for enough consecutive months up to the latest."""
    end = scope.end(con)
    table = _comparisons(con, scope, settings)
    if end is None or table.empty:
        return []
    thresholds = settings["thresholds"]
    found = most_specific(signals(table, thresholds), table, thresholds["fragility_gap"] - 1e-9,
                          thresholds["service_wide_share_of_teams"])
    places = sorted({s.place for s in found}, key=lambda p: tuple("" if x is None else x for x in p))
    return [_finding([s for s in found if s.place == place], settings, end) for place in places]


# --- the monthly parts each measure is built from ---------------------------------------------------

_PLACE = ("service", "team", "shift")


def _parts(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], name: str, start: date,
           end: date) -> pd.DataFrame:
    """One measure's monthly numerator, denominator and sample per service, team and shift (analytics.measures)."""
    frame = measures.monthly(con, scope, name, _PLACE, start, end, settings)
    if frame.empty:
        return pd.DataFrame()
    return frame[["month", *_PLACE]].assign(measure=name, num=frame["numerator"], den=frame["denominator"],
                                            count=frame["n"], squares=frame.get("squares", math.nan))


def _complaint_counts(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], start: date,
                      end: date) -> pd.DataFrame:
    counts = measures.monthly(con, scope, "complaints", _PLACE, start, end, settings)
    counts = counts[counts["numerator"] > 0]
    return counts[["month", *_PLACE]].assign(complaints=counts["numerator"]) if not counts.empty else pd.DataFrame()


def _hours(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], start: date,
           end: date) -> pd.DataFrame:
    """Planned hours (in thousands) per month and place: the complaint rate's denominator."""
    rate = measures.monthly(con, scope, "complaint_rate", _PLACE, start, end, settings)
    return rate[["month", *_PLACE]].assign(hours=rate["denominator"]) if not rate.empty else pd.DataFrame()


def _complaint_rate_parts(complaints: pd.DataFrame, hours: pd.DataFrame) -> pd.DataFrame:
    """Complaints over planned hours; a place without planned hours drops out of the comparison."""
    if hours.empty:
        return pd.DataFrame()
    place = ["month", "service", "team", "shift"]
    with_hours = set(hours["service"])
    counted = complaints[complaints["service"].isin(with_hours)] if not complaints.empty else complaints
    return pd.concat([
        hours[place].assign(measure="complaints_per_1000_hours", num=0.0, den=hours["hours"], count=0.0),
        counted[place].assign(measure="complaints_per_1000_hours", num=counted["complaints"].astype(float), den=0.0,
                              count=counted["complaints"].astype(float)) if not counted.empty else None,
    ], ignore_index=True)


def _complaints_per_month(complaints: pd.DataFrame, hours: pd.DataFrame, parts: pd.DataFrame,
                          keys: tuple[str, ...], start: date, end: date) -> pd.DataFrame:
    """For services without a rota: each place's complaints a month against the rest's average per place."""
    if complaints.empty:
        return pd.DataFrame()
    without_rota = complaints[~complaints["service"].isin(set(hours["service"]) if not hours.empty else set())]
    without_rota = without_rota.dropna(subset=list(keys))
    if without_rota.empty:
        return pd.DataFrame()
    known = pd.concat([parts, without_rota], ignore_index=True).dropna(subset=list(keys))
    places = known[["service", *keys]].drop_duplicates()
    places = places[places["service"].isin(set(without_rota["service"]))]
    # Months from the first the service's log covers: months before it are unknown, not months without complaints.
    first = without_rota.groupby("service")["month"].min().rename("first").reset_index()
    months = pd.DataFrame({"month": _months(start, end)})
    grid = places.merge(months, how="cross").merge(first, on="service")
    grid = grid[grid["month"] >= grid["first"]].drop(columns="first")
    counts = without_rota.groupby(["month", "service", *keys], as_index=False)["complaints"].sum()
    grid = grid.merge(counts, how="left", on=["month", "service", *keys]).fillna({"complaints": 0})
    grid = grid.assign(measure="complaints_per_month", num=grid["complaints"], den=1.0, count=grid["complaints"])
    return _compare(grid.drop(columns="complaints"), keys, with_denominator=False)


def _months(start: date, end: date) -> list[date]:
    """The first day of every month from `start`'s to `end`'s."""
    count = (end.year - start.year) * 12 + end.month - start.month
    return [months_back(end, back) for back in range(count, -1, -1)]


def _compare(parts: pd.DataFrame, keys: tuple[str, ...], with_denominator: bool = True) -> pd.DataFrame:
    """Each place's figure and the rest of its service's, month by month, at one level (team, shift or both)."""
    if parts.empty:
        return pd.DataFrame()
    sums = ["num", "den", "count", "squares"]
    known = parts.reindex(columns=[*parts.columns.difference(sums), *sums]).dropna(subset=list(keys)) \
        .astype({column: float for column in sums})
    groups = known.groupby(["month", "service", "measure", *keys], as_index=False)[sums].sum()
    groups = groups[groups["den"] > 0]
    if groups.empty:
        return pd.DataFrame()
    totals = groups.groupby(["month", "service", "measure"])[sums].transform("sum")
    table = groups.join(totals.add_suffix("_all"))
    rest_den = table["den_all"] - table["den"]
    table["value"] = table["num"] / table["den"]  # a rate's denominator is in thousands of hours already
    table["rest_of_service"] = ((table["num_all"] - table["num"]) / rest_den).where(rest_den > 0)
    table["denominator"] = table["den"] if with_denominator else math.nan
    # What a count is a count of (thousands of planned hours, or place-months), for the exact test of a run.
    table["exposure"], table["rest_exposure"] = table["den"], rest_den
    table["rest_count"] = table["count_all"] - table["count"]
    table["rest_num"], table["rest_den"] = table["num_all"] - table["num"], rest_den
    table["rest_squares"] = table["squares_all"] - table["squares"]
    for column in ("team", "shift"):
        if column not in keys:
            table[column] = None
    return table[TABLE_COLUMNS + _SUMS]


def place_name(team: str | None, shift: str | None) -> str:
    """A place as a sentence names it: 'Willow Unit night shifts', 'Beech Unit', 'Night shifts'."""
    if team and shift:
        return f"{team} {shift.lower()} shifts"
    return team or f"{shift} shifts"



def rows_filter(source: str, service: str, team: str | None, shift: str | None, start: date, end: date,
                extra: str = "") -> str:
    """The filter selecting the rows a figure rests on, for a reader to reproduce it."""
    place = f"service = '{service}'"
    place += f", team = '{team}'" if team else ""
    place += f", shift = '{shift}'" if shift else ""
    return f"{source}: {place}{extra}, {measures.DATE_COLUMNS[source]} {start.isoformat()} to {end.isoformat()}"


def join_clauses(clauses: list[str]) -> str:
    """Clauses joined the way a sentence lists them: 'a', 'a and b', 'a, b, and c'."""
    if len(clauses) <= 2:
        return " and ".join(clauses)
    return ", ".join(clauses[:-1]) + ", and " + clauses[-1]


def _figure(measure: Measure, value: float) -> str:
    if measure.as_percent:
        return percent(value)
    return "no comparison" if math.isinf(value) else f"{value:.1f}"


def _clause(signal: Signal, since: date) -> str:
    measure = MEASURES[signal.measure]
    text = measure.clause.format(value=_figure(measure, signal.value), rest=_figure(measure, signal.rest))
    return text if signal.months[0] == since else f"{text} since {signal.months[0]:%b %Y}"


def _is_concern(signal: Signal, thresholds: dict[str, Any]) -> bool:
    """Concern when the weakness has lasted twice the minimum run, or is twice the margin that flags it."""
    measure = MEASURES[signal.measure]
    margin = thresholds["complaint_rate_ratio"] if measure.source == "complaints" else thresholds["fragility_gap"]
    return signal.span >= 2 * thresholds["fragility_min_periods"] or signal.gap >= 2 * margin - 1e-9


def _evidence(signal: Signal, end: date) -> Evidence:
    measure = MEASURES[signal.measure]
    start, last = signal.months[0], signal.months[-1]
    counted = ""
    if measure.source in ("complaints", "feedback"):
        counted = f"; {signal.count:.0f} {'complaints' if measure.source == 'complaints' else 'responses'}"
    return Evidence(
        source=measure.source, measure=measure.label, value=signal.value, comparison=signal.rest,
        period=period_label(start, last),
        rows=rows_filter(measure.source, signal.service, signal.team, signal.shift, start, min(month_end(last), end)),
        detail=(f"worse than the rest of {signal.service} "
                + ("over" if measure.source == "complaints" else "in each of")
                + (f" {signal.span} consecutive months to " if signal.span == len(signal.months)
                   else f" the {len(signal.months)} months with figures of {signal.span} to ")
                + f"{last:%b %Y}; monthly mean {_figure(measure, signal.value)} against "
                f"{_figure(measure, signal.rest)}{counted}"))


def _finding(signals: list[Signal], settings: dict[str, Any], end: date) -> Finding:
    """One finding per place, gathering every measure on which it is persistently worse."""
    thresholds = settings["thresholds"]
    signals = sorted(signals, key=lambda s: (s.months[0], list(MEASURES).index(s.measure)))
    first = signals[0]
    since = first.months[0]
    latest = max(s.months[-1] for s in signals)
    labels = [MEASURES[s.measure].label for s in signals]
    placing = next((found for found in (classify(label, settings["key_questions"]) for label in labels) if found),
                   (None, None))
    verb = "has" if first.team and not first.shift else "have"
    # Complaints are judged over their months together (a quiet month says little), other measures month by month.
    every = "over the months" if all(MEASURES[s.measure].source == "complaints" for s in signals) else "every month"
    summary = (f"{place_name(first.team, first.shift)} at {first.service} {verb} been worse than the rest of the "
               f"service {every} since {since:%b %Y} ({first.span} months): "
               f"{join_clauses([_clause(s, since) for s in signals])}.")
    finding = Finding(
        kind="fragility", service=first.service, team=first.team, shift=first.shift,
        key_question=placing[0], quality_statement=placing[1], subject=" and ".join(labels),
        status="concern" if any(_is_concern(s, thresholds) for s in signals) else "fragile",
        confidence=confidence_from_sources({MEASURES[s.measure].source for s in signals}, agree=True),
        period_start=since, period_end=min(month_end(latest), end), summary=summary,
        evidence=tuple(_evidence(s, end) for s in signals))
    enough = [s for s in signals if measures.enough(MEASURE_IDS.get(s.measure, s.measure), s.count, settings)]
    if enough:
        return finding
    shown = signals[0]
    name = MEASURE_IDS.get(shown.measure, shown.measure)
    return limited(finding, f"{shown.count:.0f} {measures.measure(name).n_label} over {shown.span} months, "
                            f"fewer than {measures.minimum(name, settings):.0f}")



def place_figures(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Each team, shift and team's shift over the recent window, beside the rest of its service: the figures the
    Teams and shifts grid shows, from the same measures and window as every other page.

    Columns: service, team, shift, measure (this module's names), value, rest_of_service, n, n_label, start, end."""
    columns = ["service", "team", "shift", "measure", "value", "rest_of_service", "n", "n_label", "start", "end"]
    end = scope.end(con)
    if end is None:
        return pd.DataFrame(columns=columns)
    start, end = measures.recent_window(end, settings)
    frames = []
    for name in MEASURES:
        measure_id = MEASURE_IDS.get(name, name)
        service = measures.over_window(measures.monthly(con, scope, measure_id, ("service",), start, end, settings),
                                       ["service"], measure_id).set_index("service")
        for keys in LEVELS:
            by = ["service", *keys]
            places = measures.over_window(
                measures.monthly(con, scope, measure_id, tuple(by), start, end, settings).dropna(subset=by),
                by, measure_id)
            if places.empty or service.empty:
                continue
            whole = service.reindex(places["service"])
            if measures.measure(measure_id).unit == "count":
                others = places.groupby("service")["service"].transform("size").to_numpy() - 1
                rest = (whole["numerator"].to_numpy() - places["numerator"]) / places["months"] / others
                rest = rest.where(others > 0)
            else:
                rest_den = whole["denominator"].to_numpy() - places["denominator"]
                rest = ((whole["numerator"].to_numpy() - places["numerator"]) / rest_den).where(rest_den > 0)
            frame = places.assign(measure=name, rest_of_service=rest, n_label=measures.measure(measure_id).n_label,
                                  start=start, end=end)
            for column in ("team", "shift"):
                if column not in keys:
                    frame[column] = None
            frames.append(frame[columns])
    if not frames:
        return pd.DataFrame(columns=columns)
    figures = pd.concat(frames, ignore_index=True)
    # Complaints are compared per planned hour where the rota gives hours, per month only where it does not.
    with_hours = set(figures.loc[figures["measure"] == "complaints_per_1000_hours", "service"])
    return figures[~((figures["measure"] == "complaints_per_month") & figures["service"].isin(with_hours))] \
        .reset_index(drop=True)
