"""The latest signal of one monthly series: which rule its latest month meets, over which months, and whether
counting chance could explain it (see `analytics.signals` for how series are chosen and reported).

Shares and scores are read as an XmR chart with default options (`analytics.spc`), complaints as a u-chart or
c-chart (`analytics.spc_counts`); a share of counted items (handovers, audit answers) never with limits narrower
than counting alone spreads it, and a month beyond a limit counts as beyond two thirds of the way for "2 of 3". An
earlier lone point beyond the XmR limits is ghosted (left out of the mean and limits) so one bad month long ago does
not make every later month a run. Where the latest month meets no rule, a month beyond a limit in the last
`spc_recent_limit_months` with every month since on its side of the mean is still a signal (`_held`): the process
has not come back; and a count's sustained shift in its rate, quiet months inside it, is one too
(`step_change.count_step`). A signal's months are the run or trend the latest month belongs to, the months since
the held month or the shift, or the months in a row beyond two thirds of the way to a limit; they are compared with
the months before by `analytics.chance` at the rule's own strength (`_rule_z`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtr

from . import spc as _spc
from .chance import MODELS, signal_chance
from .spc import RUN_LENGTH, limit_widths
from .spc_counts import chart_arrays
from .step_change import StepChange, count_step, step_change

if TYPE_CHECKING:
    from .signals import Metric

HIGH = (*_spc._HIGH_TYPES, "held_above_limit")


CHARTS = {"count": "c-chart", "rate": "u-chart"}


class Series:
    """One monthly series of a grouped frame, as arrays: month, value, numerator, denominator, n (and squares)."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self.months, self.values = columns["month"], columns["value"]
        self.numerator, self.denominator, self.n = columns["numerator"], columns["denominator"], columns["n"]
        self.squares = columns.get("squares", np.full(len(self.values), np.nan))

    def part(self, mask: np.ndarray) -> dict[str, np.ndarray]:
        return {"numerator": self.numerator[mask], "denominator": self.denominator[mask], "n": self.n[mask],
                "squares": self.squares[mask]}


@dataclass(frozen=True)
class Judgement:
    """A series' latest signal: its rule, months, the chart figures a finding quotes and the chance behind it."""

    status: str                 # improving | concern
    rule: str
    period_start: date          # the signal's first month (the shift's, for a step change)
    series: Series
    values: np.ndarray          # as charted (ghosted one-offs missing)
    mean: float
    lower: float                # the latest month's process limits
    upper: float
    ghosted: tuple[date, ...]
    chance: float | None        # exact chance of the signal months against the months before
    n: float                    # the sample in the signal's months
    shift: StepChange | None
    beyond_before: bool = False  # one of the two months before the latest was beyond its limit (for "2 of 3")


def judge(entry: Metric, series: Series, settings: dict[str, Any]) -> Judgement | None:
    """The latest signal of a series that passes the chance check, or None."""
    values = series.values
    if entry.unit in CHARTS:
        latest, mean, lower, upper, near, run, beyond = _count_chart(entry, series)
        ghosted = np.zeros(len(values), dtype=bool)
        outside = np.zeros(len(values), dtype=bool)  # a count chart's "2 of 3" counts no month beyond a limit
        rule = ("run_above" if latest in HIGH else "run_below") if latest and run else latest
    else:
        counted = counted_items(entry, series.denominator)
        latest, mean, lower, upper, near, outside = _latest_kind(values, counted)
        ghosted = _alone(outside, values, mean)
        if ghosted.any():
            values = np.where(ghosted, np.nan, values)
            latest, mean, lower, upper, near, outside = _latest_kind(values, counted)
        rule = _story(latest, values, mean) if latest else ""
        beyond = outside
    length, shift = 0, None
    if not rule:
        rule, length = _held(beyond, values, mean, int(settings["thresholds"].get("spc_recent_limit_months", 3)))
    if not rule and entry.unit in CHARTS:
        shift = count_step(series.numerator, _exposure(entry, series), series.months)
        rule = "" if shift is None else "shift_above" if shift.direction > 0 else "shift_below"
    if not rule:
        return None
    high = rule in HIGH
    length = max(length, _start_length(rule, values, mean))
    if rule in ("above_upper_limit", "below_lower_limit") or rule.startswith("two_in_three"):
        # The months in a row beyond two thirds of the way to the limit, on the signal's side, are its months.
        length = max(length, _trailing_true(near[0 if high else 1]))
    first = shift.month if shift is not None else series.months[-min(length, len(values))]
    since, chance = _since(entry, series, values, first, high)
    if chance is not None and not chance < ndtr(-_rule_z(entry, rule, settings)):
        return None
    if rule.startswith("run"):
        shift = step_change(values, series.months)
    elif shift is None and entry.unit in CHARTS:
        # A count's latest point beyond a limit (or near one, or held) is often the end of a shift: tell the shift,
        # as its chart does (`step_change.read_shift`), over its own months.
        shift = count_step(series.numerator, _exposure(entry, series), series.months)
        if shift is not None and (shift.direction > 0) == high:
            since, chance = _since(entry, series, values, shift.month, high)
    if shift is not None and (shift.direction > 0) != high:
        shift = None
    status = "improving" if high == (entry.improvement_direction == "increase") else "concern"
    return Judgement(status, rule, shift.month if shift else first, series, values, mean, lower, upper,
                      tuple(series.months[ghosted]), chance, float(np.nansum(series.n[since])), shift,
                      bool(outside[-3:-1].any()))


def _since(entry: Metric, series: Series, values: np.ndarray, first: date, high: bool
           ) -> tuple[np.ndarray, float | None]:
    """The months from `first` on, and the chance of them against the months before (`analytics.chance`)."""
    since = series.months >= first
    return since, signal_chance(entry.measure, series.part(since), series.part(~since & ~np.isnan(values)), high)


def counted_items(entry: Metric, denominators: np.ndarray) -> np.ndarray | None:
    """Each month's count of items, for a measure that is a share of counted items (handovers, audit answers):
    its limits are never narrower than counting alone spreads it (`spc.limit_widths`). None for other measures."""
    return denominators if MODELS.get(entry.measure) == "binomial" else None


def _held(beyond: np.ndarray, values: np.ndarray, mean: float, recent: int) -> tuple[str, int]:
    """A month beyond a limit in the last `recent` months (not the latest) with every month since on its side of
    the mean: the process has not come back, though the latest month alone is within its limits (5 complaints, then
    2, after 18 months of none). The rule and how many months it spans, or ("", 0)."""
    side = np.sign(values - mean)
    for back in range(2, min(recent, len(values)) + 1):
        if beyond[-back] and (side[-back:] == side[-back]).all() and side[-back] != 0:
            return ("held_above_limit" if side[-back] > 0 else "held_below_limit"), back
    return "", 0


def _rule_z(entry: Metric, rule: str, settings: dict[str, Any]) -> float:
    """How many standard errors of counting chance the rule's months must clear: at least `spc_chance_z`, and as
    many as the rule itself asks of the process: 3 for a point beyond a limit, 2 for 2 of 3 near one, and 3 for
    7 in a run or a trend. A run's or a trend's months are where the data put them (the run starts at the first
    month on its side), so the chance of those months against the ones before is worked out after choosing them,
    and would pass noise at the z of their own chance (0.5 ** 7, about 2.4): five clean team shifts' handovers
    "shifted" for 7 months in 50 held-out scenarios. Shares of hours are checked against an upper bound on their
    chance (`chance`), already conservative, so against `spc_chance_z` whatever the rule."""
    z = float(settings["thresholds"].get("spc_chance_z", 2.0))
    if MODELS.get(entry.measure) == "shifts":
        return z
    return max(z, 2.0 if rule.startswith("two_in_three") else 3.0)


def _count_chart(entry: Metric, series: Series) -> tuple[str, float, float, float, tuple[np.ndarray, np.ndarray],
                                                           bool, np.ndarray]:
    """The latest point's special cause type, the centre, its limits, which points are beyond two thirds of the
    way to the upper and to the lower limit, whether the latest is in a run that counts, and which points are
    beyond a limit."""
    exposure = _exposure(entry, series)
    points = chart_arrays(np.where(np.isnan(exposure), np.nan, series.numerator), exposure)
    value = points["value"]
    near = (value > points["upper_two_thirds"], value < points["lower_two_thirds"])
    # A point beyond a limit takes its type before a run; whether it also ends a run that counts is asked apart.
    beyond = (value > points["upper_limit"]) | (value < points["lower_limit"])
    return (str(points["special_cause_type"][-1]), float(points["mean"][-1]), float(points["lower_limit"][-1]),
            float(points["upper_limit"][-1]), near, bool(points["in_run"][-1]), beyond)


def _exposure(entry: Metric, series: Series) -> np.ndarray:
    """A count's exposure each month: planned hours for a rate, else one month; NaN where there was none."""
    exposure = series.denominator if entry.unit == "rate" else np.ones(len(series.values))
    return np.where(exposure > 0, exposure, np.nan)


def _trailing_true(mask: np.ndarray) -> int:
    """How many of the last points in a row are True."""
    false = np.flatnonzero(~mask)
    return len(mask) - 1 - int(false[-1]) if len(false) else len(mask)


def _latest_kind(values: np.ndarray, counted: np.ndarray | None = None
                 ) -> tuple[str, float, float, float, tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The latest point's special cause type, the mean, the latest point's limits, which points are beyond two thirds
    of the way to the upper and to the lower limit, and which beyond the limits, as `xmr` with default options has
    them (the same limits; the rules looked at for the latest point only).

    For a share of `counted` items each month (handovers of shifts, answers of an audit), each month's limits are
    never narrower than counting alone would spread it (`spc.limit_widths`, as the charts draw them): near 100% most
    months are exactly 100%, their moving ranges are nought, and the limits close in on the mean until one missed
    handover in thirty is "beyond the limit"."""
    mean, mean_mr, _ = _spc._period_limits(values, None, True)
    width = limit_widths(mean, mean_mr, len(values), counted)
    lower_all, upper_all = mean - width, mean + width
    lower, upper = float(lower_all[-1]), float(upper_all[-1])
    outside = (values > upper_all) | (values < lower_all)
    side = np.sign(values - mean)
    two_thirds = width * (_spc.TWO_THIRDS_WIDTH / _spc.LIMIT_WIDTH)
    near = (values > mean + two_thirds, values < mean - two_thirds)
    limits = (mean, lower, upper, near, outside)
    if outside[-1]:
        return ("above_upper_limit" if side[-1] == 1 else "below_lower_limit"), *limits
    steps = np.sign(np.diff(values[-RUN_LENGTH:]))
    if len(steps) == RUN_LENGTH - 1 and ((steps == 1).all() or (steps == -1).all()):
        return ("trend_increasing" if steps[-1] == 1 else "trend_decreasing"), *limits
    close = near[0][-3:] | near[1][-3:]  # a month beyond a limit is beyond two thirds of the way too
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
    high = rule in HIGH
    if run_count(values, mean) >= RUN_LENGTH and (values[-1] > mean) == high:
        return "run_above" if high else "run_below"
    rising = len(values) > 1 and values[-1] > values[-2]
    if trend_count(values) >= RUN_LENGTH and rising == high:
        return "trend_increasing" if high else "trend_decreasing"
    return rule


def run_count(values: np.ndarray, mean: float) -> int:
    """How many points up to the latest lie in a row on the latest point's side of the mean."""
    side = np.sign(values - mean).tolist()
    count = 0
    for value in reversed(side):
        if value != side[-1] or value == 0:
            break
        count += 1
    return count


def trend_count(values: np.ndarray) -> int:
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
        return run_count(values, mean)
    if rule.startswith("trend"):
        return trend_count(values)
    return 3 if rule.startswith("two_in_three") else 1


def level(series: Series, mask: np.ndarray) -> float:
    """A series' level over some months: pooled over the denominators where there are any, else a mean a month."""
    numerator, denominator = series.numerator[mask], series.denominator[mask]
    if not len(numerator):
        return math.nan
    if (~np.isnan(denominator)).any():
        return float(np.nansum(numerator) / np.nansum(denominator))
    return float(np.nanmean(numerator))
