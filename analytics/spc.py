"""XmR statistical process control charts by NHS England's "Making Data Count" rules.

The calculations mirror NHSRplotthedots (nhs-r-community/NHSRplotthedots), the NHS-R
Community's reference implementation, so a chart built here flags the same points:

* centre line: the mean of the period (or of its first ``fix_after_n_points`` points);
* process limits: mean ± 2.66 × mean moving range, after screening out moving ranges at
  or above 3.267 × their mean (optional);
* special cause, judged within each period: a point outside the limits; 7 points in a row
  strictly rising or falling (an equal neighbour breaks the trend); 2 of 3 points in a row
  beyond two thirds of the limits, all 3 on the same side of the mean (only the points
  beyond two thirds are flagged); 7 points in a row on one side of the mean (a point on
  the mean breaks the run). Every point of a pattern is flagged, not only its last.

One departure, asked for and off by default (``counted``): a share of counted items (handovers of shifts, answers of
an audit) near 100% has most months at exactly 100%, moving ranges of nought and limits that close in on the mean
until one missed handover in thirty is "beyond the limit". With each month's count given, its limits are never
narrower than a p-chart's (three standard errors of the share on that count), so the chart and the findings
(analytics.signal_judging) draw the same limits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .spc_inputs import as_timestamps, show_day, validated_series

if TYPE_CHECKING:
    from .step_change import StepChange

__all__ = ["SPCOptions", "SPCResult", "xmr"]

DIRECTIONS = ("increase", "decrease", "neutral")
LIMIT_WIDTH = 2.66  # three sigma, in mean moving ranges (3 / d2 with d2 = 1.128)
TWO_THIRDS_WIDTH = 2 * (LIMIT_WIDTH / 3)  # same expression as the reference, so the same float
SCREEN_FACTOR = 3.267  # upper limit of the moving-range chart (D4 for n = 2)
RUN_LENGTH = 7
MIN_POINTS = 12

# A shift in a count's rate (`spc_counts.count_shift`, marked by `step_change.read_shift`) is one of them too.
_HIGH_TYPES = ("above_upper_limit", "trend_increasing", "two_in_three_above", "run_above", "shift_above")
_LOW_TYPES = ("below_lower_limit", "trend_decreasing", "two_in_three_below", "run_below", "shift_below")


@dataclass(frozen=True)
class SPCOptions:
    """How to build an XmR chart; invalid options raise ValueError when created.

    improvement_direction: "increase" (higher is better), "decrease" (lower is better) or
        "neutral" (neither: special cause is reported as high or low, never as improvement
        or concern, and there is no assurance).
    target: the value the process should meet; gives the assurance. None for no target.
    fix_after_n_points: compute each period's mean and limits from its first N points only
        (N at least 12, as the reference requires); later points are judged against them.
    rebase: dates at which a new period, with its own mean and limits, starts. Each must be
        the date of one of the points (the first point of the new period).
    screen_outliers: leave moving ranges at or above 3.267 × their mean out of the mean
        moving range, so a single jump does not widen the limits.
    counted: for a share of counted items, each point's count (in the order of the values):
        each point's limits are then never narrower than counting alone spreads the share
        (`limit_widths`). None (the default) for the reference's limits.
    """

    improvement_direction: str = "increase"
    target: float | None = None
    fix_after_n_points: int | None = None
    rebase: tuple[date, ...] = ()
    screen_outliers: bool = True
    counted: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.improvement_direction not in DIRECTIONS:
            raise ValueError(
                f"improvement_direction must be one of {', '.join(DIRECTIONS)}; "
                f"got {self.improvement_direction!r}"
            )
        target = self.target
        if target is not None and (
            isinstance(target, bool) or not isinstance(target, Real) or not math.isfinite(target)
        ):
            raise ValueError(f"target must be a finite number or None; got {target!r}")
        fix = self.fix_after_n_points
        if fix is not None and (isinstance(fix, bool) or not isinstance(fix, Integral) or fix < MIN_POINTS):
            raise ValueError(
                f"fix_after_n_points must be a whole number of at least {MIN_POINTS}, or None; got {fix!r}"
            )
        if isinstance(self.rebase, (str, date)) or not isinstance(self.rebase, Iterable):
            raise ValueError(
                f"rebase must be a sequence of dates such as (date(2025, 4, 1),); got {self.rebase!r}"
            )
        # A list is accepted for convenience and stored as a tuple so the options stay hashable.
        object.__setattr__(self, "rebase", tuple(self.rebase))
        as_timestamps(self.rebase, "rebase")
        if not isinstance(self.screen_outliers, (bool, np.bool_)):
            raise ValueError(f"screen_outliers must be True or False; got {self.screen_outliers!r}")
        if self.counted is not None:
            object.__setattr__(self, "counted", tuple(float(count) for count in self.counted))


@dataclass(frozen=True)
class SPCResult:
    """An XmR chart.

    points: one row per point, in date order, with columns
        date (datetime64), value (float; NaN where missing),
        period (int: how many rebase dates fall on or before the point),
        mean, lower_limit, upper_limit (the period's centre line and process limits),
        lower_two_thirds, upper_two_thirds (two thirds of the way from the mean to each limit),
        moving_range (|value - previous value| within the period; NaN for its first point),
        moving_range_used (bool: the moving range went into the mean moving range, i.e. it was
            not screened out, missing, or after fix_after_n_points),
        special_cause_type ("" for common cause, else the rule the point meets, the first of:
            "above_upper_limit" / "below_lower_limit", "trend_increasing" / "trend_decreasing",
            "two_in_three_above" / "two_in_three_below", "run_above" / "run_below"; on a count chart read
            by `step_change.read_shift`, "shift_above" / "shift_below" for the months of a shift no rule names),
        point_type ("common_cause", "special_cause_improvement", "special_cause_concern", or for
            a neutral direction "special_cause_neutral_high" / "special_cause_neutral_low"),
        short_period (bool: the point's period has fewer than 12 points, so trial limits).
    assurance: "consistent_pass", "consistent_fail" or "inconsistent" from the latest period's
        limits against the target; None without a target or with a neutral direction.
    latest_variation: point_type of the latest point (the variation icon); None when the
        latest value is missing.
    too_short: the latest period has fewer than 12 points.
    warnings: plain-language notes about short periods and missing values.
    step_change: a sustained shift found by `analytics.step_change.read_shift` (a suggestion to start new
        limits), None from `xmr` itself, which keeps to the reference.
    """

    points: pd.DataFrame
    assurance: str | None
    latest_variation: str | None
    too_short: bool
    warnings: tuple[str, ...]
    step_change: StepChange | None = None


def xmr(
    values: Sequence[float], dates: Sequence[date] | pd.Series, options: SPCOptions = SPCOptions()
) -> SPCResult:
    """Build an XmR chart of values over dates, flagging special cause and assurance as Making Data Count does.

    Points are sorted by date. See SPCOptions for the options and SPCResult for what comes back;
    a ValueError says what to fix in values, dates or rebase dates.
    """
    y, when = validated_series(values, dates)
    counted = None if options.counted is None else np.asarray(options.counted, dtype=float)
    if counted is not None and len(counted) != len(y):
        raise ValueError(f"counted has {len(counted)} counts for {len(y)} values; give one count per value")
    order = np.argsort(when.to_numpy(), kind="stable")
    y, when = y[order], when[order]
    counted = None if counted is None else counted[order]

    rebase = as_timestamps(options.rebase, "rebase")
    unknown = rebase.difference(when)
    if len(unknown):
        raise ValueError(
            f"rebase date {show_day(unknown[0])} is not one of the dates; "
            "give the date of the first point of the new period"
        )
    period = np.cumsum(when.isin(rebase))

    frames = [_period_points(y[period == k], options, None if counted is None else counted[period == k])
              for k in np.unique(period)]
    points = pd.concat(frames, ignore_index=True)
    points.insert(0, "date", when.to_numpy())
    points.insert(2, "period", period)

    last = points.iloc[-1]
    latest_variation = None if math.isnan(last["value"]) else last["point_type"]
    return SPCResult(
        points=points,
        assurance=_assurance(
            last["lower_limit"], last["upper_limit"], options.target, options.improvement_direction
        ),
        latest_variation=latest_variation,
        too_short=bool(last["short_period"]),
        warnings=tuple(_short_period_warnings(points) + _missing_value_warnings(points)),
    )


def _period_points(values: np.ndarray, options: SPCOptions, counted: np.ndarray | None) -> pd.DataFrame:
    """Limits, rules and point types for one period (all rules look within the period only)."""
    mean, mean_mr, used = _period_limits(values, options.fix_after_n_points, options.screen_outliers)
    width = limit_widths(mean, mean_mr, len(values), counted)
    lower, upper = mean - width, mean + width
    two_thirds = width * (TWO_THIRDS_WIDTH / LIMIT_WIDTH)
    lower_two_thirds, upper_two_thirds = mean - two_thirds, mean + two_thirds

    outside = _outside_limits(values, lower, upper)
    side = np.sign(values - mean)
    # Like the reference, a point beyond the limits does not count as beyond two thirds.
    close = ~outside & ((values < lower_two_thirds) | (values > upper_two_thirds))
    kind = _special_cause_type(
        side, outside, _seven_trend(values), _two_in_three(close, side), _seven_one_side(side)
    )
    n = len(values)
    return pd.DataFrame(
        {
            "value": values,
            "mean": np.full(n, mean),
            "lower_limit": lower,
            "upper_limit": upper,
            "lower_two_thirds": lower_two_thirds,
            "upper_two_thirds": upper_two_thirds,
            "moving_range": np.abs(np.diff(values, prepend=np.nan)),
            "moving_range_used": used,
            "special_cause_type": kind,
            "point_type": _point_type(kind, options.improvement_direction),
            "short_period": np.full(n, n < MIN_POINTS),
        }
    )


def _period_limits(
    values: np.ndarray, fix_after_n_points: int | None, screen_outliers: bool
) -> tuple[float, float, np.ndarray]:
    """Mean, mean moving range, and which moving ranges went into it, for one period."""
    basis = values.copy()
    if fix_after_n_points is not None:
        basis[fix_after_n_points:] = np.nan
    moving_range = np.abs(np.diff(basis, prepend=np.nan))
    used = ~np.isnan(moving_range)
    mean_mr = _mean(moving_range[used])
    if mean_mr == 0:
        # A series that never varies has no process limits (as NHSRplotthedots): nothing can be beyond them.
        return _mean(basis[~np.isnan(basis)]), math.nan, used
    if screen_outliers:
        used &= moving_range < SCREEN_FACTOR * mean_mr
        mean_mr = _mean(moving_range[used])
    return _mean(basis[~np.isnan(basis)]), mean_mr, used


def limit_widths(mean: float, mean_mr: float, n: int, counted: np.ndarray | None = None) -> np.ndarray:
    """Each of n points' distance from the mean to its process limits: 2.66 mean moving ranges, and with `counted`
    (a share of counted items, each point's count) never less than `binomial_half_width`. A series that never
    varies has no limits, counted or not (NaN), as the reference."""
    width = np.full(n, LIMIT_WIDTH * mean_mr)
    if counted is None or math.isnan(mean_mr):
        return width
    return np.fmax(width, binomial_half_width(mean, counted))


def binomial_half_width(mean: float, counted: np.ndarray) -> np.ndarray:
    """Three standard errors of a share at `mean` on each point's `counted` items (a p-chart's half-width); NaN
    where nothing was counted."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 3.0 * np.sqrt(mean * (1.0 - mean) / np.where(counted > 0, counted, np.nan))


def _mean(values: np.ndarray) -> float:
    """Mean of values, NaN when empty (as R's mean(numeric(0)))."""
    return float(values.mean()) if values.size else math.nan


def _outside_limits(values: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """Points strictly beyond a process limit."""
    return (values > upper) | (values < lower)


def _seven_trend(values: np.ndarray) -> np.ndarray:
    """+1 / -1 for every point of 7 or more strictly rising / falling values in a row, else 0."""
    step_in = np.sign(np.diff(values, prepend=values[:1]))
    ends = (_trailing_count(step_in == 1, RUN_LENGTH - 1) == RUN_LENGTH - 1) | (
        _trailing_count(step_in == -1, RUN_LENGTH - 1) == RUN_LENGTH - 1
    )
    in_trend = _mark_whole_run(ends, RUN_LENGTH)
    # The reference labels a point by the step out of it while the trend continues past it,
    # else by the step into it; anything but a rise counts as falling.
    step_out = np.sign(np.diff(values, append=values[-1:]))
    continues = in_trend & np.append(in_trend[1:], False)
    rising = np.where(continues, step_out, step_in) == 1
    return np.where(in_trend, np.where(rising, 1, -1), 0)


def _two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Points beyond two thirds of the limits when 2 of 3 in a row are, all 3 on one side of the mean."""
    same_side = (_trailing_count(side == 1, 3) == 3) | (_trailing_count(side == -1, 3) == 3)
    hits = same_side & (_trailing_count(close, 3) >= 2)
    return _mark_whole_run(hits, 3) & close


def _seven_one_side(side: np.ndarray) -> np.ndarray:
    """Every point of 7 or more in a row on the same side of the mean."""
    ends = (_trailing_count(side == 1, RUN_LENGTH) == RUN_LENGTH) | (
        _trailing_count(side == -1, RUN_LENGTH) == RUN_LENGTH
    )
    return _mark_whole_run(ends, RUN_LENGTH)


def _trailing_count(mask: np.ndarray, width: int) -> np.ndarray:
    """How many of each point and the width - 1 points before it are True."""
    totals = np.concatenate(([0], np.cumsum(mask)))
    start = np.maximum(np.arange(len(mask)) + 1 - width, 0)
    return totals[1:] - totals[start]


def _mark_whole_run(ends: np.ndarray, width: int) -> np.ndarray:
    """Mark each point that belongs to a width-long window ending at one of the ends."""
    totals = np.concatenate(([0], np.cumsum(ends)))
    stop = np.minimum(np.arange(len(ends)) + width, len(ends))
    return totals[stop] - totals[:-1] > 0


def _special_cause_type(
    side: np.ndarray, outside: np.ndarray, trend: np.ndarray, two_in_three: np.ndarray, run: np.ndarray
) -> np.ndarray:
    """Name the first rule each point meets, in the reference's order of precedence."""
    above = side > 0
    return np.select(
        [outside, trend > 0, trend < 0, two_in_three, run],
        [
            np.where(side == 1, "above_upper_limit", "below_lower_limit"),
            "trend_increasing",
            "trend_decreasing",
            np.where(above, "two_in_three_above", "two_in_three_below"),
            np.where(above, "run_above", "run_below"),
        ],
        default="",
    )


def _point_type(special_cause_type: np.ndarray, improvement_direction: str) -> np.ndarray:
    """Turn each special cause into improvement / concern (or neutral high / low)."""
    high = np.select(
        [np.isin(special_cause_type, _HIGH_TYPES), np.isin(special_cause_type, _LOW_TYPES)], [1, -1], 0
    )
    if improvement_direction == "neutral":
        labels = ("special_cause_neutral_high", "special_cause_neutral_low")
    else:
        high = high if improvement_direction == "increase" else -high
        labels = ("special_cause_improvement", "special_cause_concern")
    return np.select([high > 0, high < 0], list(labels), default="common_cause")


def _assurance(lower: float, upper: float, target: float | None, improvement_direction: str) -> str | None:
    """Whether the process limits say the target will always, never or sometimes be met."""
    if target is None or improvement_direction == "neutral" or math.isnan(lower) or math.isnan(upper):
        return None
    increasing = improvement_direction == "increase"
    if target > upper:
        return "consistent_fail" if increasing else "consistent_pass"
    if target < lower:
        return "consistent_pass" if increasing else "consistent_fail"
    return "inconsistent"


def _short_period_warnings(points: pd.DataFrame) -> list[str]:
    """One note per period too short for stable limits."""
    notes = []
    for period, rows in points.groupby("period"):
        if len(rows) < MIN_POINTS:
            notes.append(
                f"period {period} (from {show_day(rows['date'].iloc[0])}) has only {len(rows)} points; "
                f"with fewer than {MIN_POINTS} its limits are trial limits that will move as points are added"
            )
    return notes


def _missing_value_warnings(points: pd.DataFrame) -> list[str]:
    """A note naming the dates whose value is missing."""
    missing = points.loc[points["value"].isna(), "date"]
    if missing.empty:
        return []
    return [
        f"{len(missing)} missing value(s) on {', '.join(show_day(day) for day in missing)}: "
        "left out of the mean and moving ranges and never flagged"
    ]
