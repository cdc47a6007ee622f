"""A sustained shift in a monthly series, read as Making Data Count reads it: one change, not two special causes.

When a measure steps from one level to another (agency share from 3% to 38%), the chart's mean sits between the
two, so the months before the step form a run on the other side of it and read as "special cause: improvement",
and a target between the levels reads "hit and miss" though every month since the step fails it. Making Data
Count's advice is to find the cause, then start new limits at the step; never silently. So this module:

* `step_change` finds the shift: the latest run of 7 or more months on one side of the mean (a month on the mean
  or missing ends it), with at least 3 months before it, whose mean differs from theirs beyond chance (Welch's t
  test, two-sided, below `MAX_CHANCE`). It is a suggestion: the month to start new limits, the levels either side.
* `count_step` finds it in a count (complaints a month) by `spc_counts.count_shift`, an exact test made for counts:
  with months of none inside a rise, a count seldom runs 7 months on one side of its mean.
* `read_shift` applies it to a chart without rebasing it: the limits stay, the months before the shift lose the
  special cause that only the shift's pull on the mean gave them, a count's months since the shift are marked as
  part of it ("shift_above" or "shift_below", where no other rule names them), and the assurance is judged on the
  limits of the months since the shift.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from . import spc
from .distributions import t_sf
from .spc import SPCResult
from .spc_counts import chart_arrays, count_shift

__all__ = ["MAX_CHANCE", "MIN_BEFORE", "StepChange", "count_step", "read_shift", "step_change"]

MAX_CHANCE = 0.01   # how unlikely by chance the difference of the two levels must be
MIN_BEFORE = 3      # months of the old level needed to say what it was
# The special causes the shift itself gives the months before it, by the way it moved.
_MIRRORED = {1: ("below_lower_limit", "two_in_three_below", "run_below"),
             -1: ("above_upper_limit", "two_in_three_above", "run_above")}


@dataclass(frozen=True)
class StepChange:
    """A suggested new start: the first month of the new level and the levels before and since."""

    month: date
    mean_before: float
    mean_after: float
    months_before: int
    months_after: int
    chance: float   # Welch's t test, two-sided; for a count, the exact test after the scan's looks
    in_a_row: bool = True  # the months since are in a row on the new side (a count's need not be)

    @property
    def direction(self) -> int:
        """+1 for a step up, -1 for a step down."""
        return 1 if self.mean_after > self.mean_before else -1

    def suggestion(self) -> str:
        return f"Start new limits at {self.month:%b %Y} once the cause is understood"


def step_change(values: Sequence[float], dates: Sequence[date] | pd.Series,
                min_run: int = spc.RUN_LENGTH) -> StepChange | None:
    """The sustained shift at the end of the series, or None (see the module docstring)."""
    y = np.asarray(values, dtype=float)
    when = pd.to_datetime(pd.Series(list(dates))).to_numpy()
    order = np.argsort(when, kind="stable")
    y, when = y[order], when[order]
    seen = ~np.isnan(y)
    if seen.sum() < min_run + MIN_BEFORE:
        return None
    side = np.sign(y - y[seen].mean())
    run = 0
    for value in side[::-1]:
        if value != side[-1] or value == 0 or np.isnan(value):
            break
        run += 1
    if run < min_run:
        return None
    before, after = y[: len(y) - run], y[len(y) - run:]
    before = before[~np.isnan(before)]
    if len(before) < MIN_BEFORE:
        return None
    chance = _welch(after, before)
    if not chance < MAX_CHANCE:
        return None
    return StepChange(pd.Timestamp(when[len(y) - run]).date(), float(before.mean()), float(after.mean()),
                      len(before), run, chance)


def count_step(count: Sequence[float], exposure: Sequence[float],
               dates: Sequence[date] | pd.Series) -> StepChange | None:
    """The sustained shift in a count's rate up to the latest month (`spc_counts.count_shift`), or None. Counts,
    exposures and dates in date order."""
    found = count_shift(count, exposure)
    if found is None:
        return None
    month = pd.Timestamp(list(dates)[found.start]).date()
    return StepChange(month, found.rate_before, found.rate_after, found.months_before, found.months_after,
                      found.chance, in_a_row=False)


def _welch(a: np.ndarray, b: np.ndarray) -> float:
    """Welch's two-sided t test of two means; two flat levels need no test (0 if they differ, else 1)."""
    a_var, b_var = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    gap = abs(a.mean() - b.mean())
    if a_var + b_var == 0:
        return 0.0 if gap > 0 else 1.0
    df = (a_var + b_var) ** 2 / (a_var ** 2 / (len(a) - 1) + b_var ** 2 / (len(b) - 1))
    return float(2 * t_sf(gap / math.sqrt(a_var + b_var), df))


def read_shift(result: SPCResult, target: float | None, improvement_direction: str) -> SPCResult:
    """The chart with its latest period's shift (if any) read as one change; see the module docstring."""
    points = result.points
    latest = points[points["period"] == points["period"].iloc[-1]]
    found = step_change(latest["value"].to_numpy(dtype=float), latest["date"])
    counted = found is None and "count" in points and "exposure" in points
    if counted:
        found = count_step(latest["count"].to_numpy(dtype=float), latest["exposure"].to_numpy(dtype=float),
                           latest["date"])
    if found is None:
        return result
    points = points.copy()
    start = pd.Timestamp(found.month)
    in_latest = points["period"] == points["period"].iloc[-1]
    mirrored = in_latest & (points["date"] < start) & points["special_cause_type"].isin(_MIRRORED[found.direction])
    points.loc[mirrored, "special_cause_type"] = ""
    points.loc[mirrored, "point_type"] = "common_cause"
    since = in_latest & (points["date"] >= start)
    if counted:
        shifted = since & points["value"].notna() & (points["special_cause_type"] == "")
        points.loc[shifted, "special_cause_type"] = "shift_above" if found.direction > 0 else "shift_below"
        points.loc[shifted, "point_type"] = spc._point_type(points.loc[shifted, "special_cause_type"].to_numpy(),
                                                            improvement_direction)
    assurance = result.assurance
    if assurance is not None or (target is not None and improvement_direction != "neutral"):
        lower, upper = _count_limits(points[since]) if counted else \
            _limits(points.loc[since, "value"].to_numpy(dtype=float))
        assurance = spc._assurance(lower, upper, target, improvement_direction)
    last = points.iloc[-1]
    latest_variation = None if pd.isna(last["value"]) else last["point_type"]
    return replace(result, points=points, assurance=assurance, step_change=found, latest_variation=latest_variation)


def _count_limits(since: pd.DataFrame) -> tuple[float, float]:
    """A count chart's limits for the latest month, set on the months since the shift alone."""
    points = chart_arrays(since["count"].to_numpy(dtype=float), since["exposure"].to_numpy(dtype=float))
    return float(points["lower_limit"][-1]), float(points["upper_limit"][-1])


def _limits(values: np.ndarray) -> tuple[float, float]:
    """XmR process limits of the months since the shift, as `spc` sets them."""
    mean, mean_mr, _ = spc._period_limits(values, None, True)
    if math.isnan(mean_mr):
        return mean, mean  # a flat new level: every month is the same side of any target but the level itself
    return mean - spc.LIMIT_WIDTH * mean_mr, mean + spc.LIMIT_WIDTH * mean_mr
