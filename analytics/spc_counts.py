"""Charts and a test made for counts of rare events (complaints a month), where an XmR chart misleads.

On monthly counts of 0 to 3 an XmR chart's limits come from a handful of moving ranges, and most months (the
zeros) sit below the mean, so a "run of 7 below the mean" is the usual state rather than a signal. Counts of
independent events follow the Poisson distribution, whose spread is known from the mean alone:

* c-chart (equal exposure each month): centre c̄, the mean count; limits c̄ ± 3√c̄, the lower clipped at 0;
* u-chart (exposure varies, e.g. complaints per 1,000 planned hours): centre ū = Σ counts / Σ exposure; each
  month's limits ū ± 3√(ū / exposure), so a quiet month with few hours gets wide limits;
* the same rules as `analytics.spc` (a point beyond a limit, 7 rising or falling, 2 of 3 beyond two thirds of the
  limits on one side), except that a run on one side of the centre counts only when it is as unlikely by chance
  as 7 points on one side of a symmetric process (0.5 ** 7): with a mean of 0.3 a month, 74% of months are zero
  and so "below the mean", and it takes 17 quiet months in a row to be a signal;
* the points carry, besides the columns of an XmR chart's points, count, exposure and in_run (the point is in a
  run that counts, whatever rule names it);
* `poisson_compare`: an exact test of whether recent months' rate differs from a baseline's (the count in the
  recent months given the total, binomial with the recent share of the exposure);
* `count_shift`: a sustained shift in the rate, which no rule above sees when quiet months fall inside it (a unit
  with 2 complaints in 13 months, then 17 in 11 with months of none between, never has 7 above the mean in a
  row): the split of the months, at least `SHIFT_MIN_MONTHS` either side, whose months since differ most from the
  months before by `poisson_compare`, starting with a month on the new side of the old rate, with two such months
  at least (one spike is a point, not a shift), the latest months still on the new side, and the chance,
  counted once for each of the scan's looks (`scan_looks`), as unlikely as a point beyond a limit on one side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from . import spc
from .distributions import binom_cdf, binom_sf, poisson_cdf, poisson_sf
from .spc import SPCResult
from .spc_inputs import as_timestamps, validated_series

__all__ = ["CountShift", "PoissonComparison", "c_chart", "chart_arrays", "count_shift", "poisson_compare",
           "run_chance", "scan_looks", "u_chart"]

SIGMAS = 3.0
RUN_CHANCE = 0.5 ** spc.RUN_LENGTH  # how often a symmetric process puts its latest 7 points on one side
# Months of each level a shift in a count needs: of the old, to say what it was; of the new, to say it has held.
SHIFT_MIN_MONTHS = 3
# How unlikely by chance a shift in a count must be: as a point beyond a 3-sigma limit on one side.
SHIFT_CHANCE = 0.5 * math.erfc(SIGMAS / math.sqrt(2))


def c_chart(counts: Sequence[float], dates: Sequence[date] | pd.Series, improvement_direction: str = "decrease",
            target: float | None = None, rebase: Sequence[date] = ()) -> SPCResult:
    """A c-chart of counts per month (the same exposure each month). See the module docstring."""
    return u_chart(counts, [1.0] * len(list(counts)), dates, improvement_direction, target, rebase)


def u_chart(counts: Sequence[float], exposures: Sequence[float], dates: Sequence[date] | pd.Series,
            improvement_direction: str = "decrease", target: float | None = None,
            rebase: Sequence[date] = ()) -> SPCResult:
    """A u-chart of counts over exposures (value = count / exposure), limits per month from its exposure.

    Months with no exposure (0 or missing) are missing values: charted as gaps, never flagged. `rebase` starts a
    new period with its own centre and limits at each date given, as `spc.SPCOptions.rebase` does.
    """
    options = spc.SPCOptions(improvement_direction=improvement_direction, target=target, rebase=tuple(rebase))
    count, when = validated_series(counts, dates)
    exposure = np.array([math.nan if e is None else float(e) for e in exposures], dtype=float)
    if len(exposure) != len(count):
        raise ValueError(f"counts and exposures must be the same length (got {len(count)} and {len(exposure)})")
    if (count[~np.isnan(count)] < 0).any():
        raise ValueError("counts must not be negative")
    order = np.argsort(when.to_numpy(), kind="stable")
    count, exposure, when = count[order], exposure[order], when[order]
    exposure = np.where(exposure > 0, exposure, math.nan)
    count = np.where(np.isnan(exposure), math.nan, count)
    starts = as_timestamps(options.rebase, "rebase")
    if len(starts.difference(when)):
        raise ValueError(f"rebase date {starts.difference(when)[0]:%Y-%m-%d} is not one of the dates; give the date "
                         "of the first point of the new period")
    period = np.cumsum(when.isin(starts))
    points = pd.concat([pd.DataFrame(chart_arrays(count[period == k], exposure[period == k], improvement_direction))
                        .assign(period=k) for k in np.unique(period)], ignore_index=True)
    points.insert(0, "date", when.to_numpy())
    last = points.iloc[-1]
    return SPCResult(
        points=points,
        assurance=spc._assurance(last["lower_limit"], last["upper_limit"], options.target, improvement_direction),
        latest_variation=None if math.isnan(last["value"]) else last["point_type"],
        too_short=bool(last["short_period"]),
        warnings=tuple(spc._short_period_warnings(points) + spc._missing_value_warnings(points)),
    )


def chart_arrays(count: np.ndarray, exposure: np.ndarray, direction: str = "decrease") -> dict[str, np.ndarray]:
    """The columns of a u-chart's points but the date, for counts and exposures in date order (exposure NaN where
    there was none): what `u_chart` charts, without its checks, for callers judging many series."""
    count, exposure = np.asarray(count, dtype=float), np.asarray(exposure, dtype=float)
    value = count / exposure
    seen = ~np.isnan(value)
    total_exposure = exposure[seen].sum()
    centre = count[seen].sum() / total_exposure if total_exposure > 0 else math.nan
    # Never a complaint: no spread to set limits from, as a series that never varies has none in `spc`.
    sigma = np.sqrt(centre / exposure) if centre > 0 else np.full(len(value), math.nan)
    upper, lower = centre + SIGMAS * sigma, np.maximum(centre - SIGMAS * sigma, 0.0)
    upper_two_thirds, lower_two_thirds = centre + 2 * sigma, centre - 2 * sigma
    outside = (value > upper) | (value < lower)
    side = np.sign(value - centre)
    close = ~outside & ((value > upper_two_thirds) | (value < lower_two_thirds))
    run = _chance_runs(count, exposure, centre, side)
    kind = spc._special_cause_type(side, outside, spc._seven_trend(value), spc._two_in_three(close, side), run)
    n = len(value)
    return {
        "value": value, "period": np.zeros(n, dtype=int), "count": count, "exposure": exposure,
        "mean": np.full(n, centre), "lower_limit": lower, "upper_limit": upper,
        "lower_two_thirds": lower_two_thirds, "upper_two_thirds": upper_two_thirds,
        "moving_range": np.abs(np.diff(value, prepend=np.nan)), "moving_range_used": np.zeros(n, dtype=bool),
        "special_cause_type": kind, "point_type": spc._point_type(kind, direction),
        "short_period": np.full(n, n < spc.MIN_POINTS), "in_run": run,
    }


def run_chance(count: np.ndarray, exposure: np.ndarray, centre: float, side: int) -> float:
    """How likely chance alone puts every one of these months on `side` (+1 above, -1 below) of the centre."""
    expected = centre * exposure
    if side > 0:  # a count above its expected value: more than floor(expected) events
        each = poisson_sf(np.floor(expected), expected)
    else:  # below: fewer than expected, i.e. at most ceil(expected) - 1
        each = poisson_cdf(np.ceil(expected) - 1, expected)
    return float(np.prod(each))


def _chance_runs(count: np.ndarray, exposure: np.ndarray, centre: float, side: np.ndarray) -> np.ndarray:
    """Every point of a run of 7 or more on one side of the centre that chance would give no more often than
    7 on one side of a symmetric process."""
    flagged = np.zeros(len(side), dtype=bool)
    start = 0
    for stop in range(1, len(side) + 1):
        if stop < len(side) and side[stop] == side[start] and side[start] != 0:
            continue
        if (side[start] in (1, -1) and stop - start >= spc.RUN_LENGTH
                and run_chance(count[start:stop], exposure[start:stop], centre, side[start]) <= RUN_CHANCE):
            flagged[start:stop] = True
        start = stop
    return flagged


@dataclass(frozen=True)
class PoissonComparison:
    """Recent months against a baseline: the counts, exposures, rates and the exact one-sided chances."""

    recent_count: int
    recent_exposure: float
    baseline_count: int
    baseline_exposure: float
    p_higher: float    # chance of a recent count this high or higher if the rate had not changed
    p_lower: float     # chance of a recent count this low or lower if the rate had not changed

    @property
    def recent_rate(self) -> float:
        return self.recent_count / self.recent_exposure

    @property
    def baseline_rate(self) -> float:
        return self.baseline_count / self.baseline_exposure if self.baseline_exposure else math.nan


def poisson_compare(recent_count: float, recent_exposure: float, baseline_count: float,
                    baseline_exposure: float) -> PoissonComparison:
    """The exact conditional test of two Poisson rates: given the total count, the recent count is binomial
    with the recent share of the exposure if the rate is the same in both."""
    if recent_exposure <= 0 or baseline_exposure <= 0:
        raise ValueError("both exposures must be positive (months, or thousands of hours)")
    recent, baseline = round(float(recent_count)), round(float(baseline_count))
    if recent < 0 or baseline < 0:
        raise ValueError("counts must not be negative")
    total = recent + baseline
    share = recent_exposure / (recent_exposure + baseline_exposure)
    return PoissonComparison(recent, float(recent_exposure), baseline, float(baseline_exposure),
                             p_higher=float(binom_sf(recent - 1, total, share)) if total else 1.0,
                             p_lower=float(binom_cdf(recent, total, share)) if total else 1.0)


def scan_looks(shortest: int, longest: int) -> int:
    """How many separate looks a scan over windows of `shortest` to `longest` months counts as: one for each
    doubling of the length (3-5 months, 6-11, 12-23, 24-47). The least of several windows' chances is luckier than
    one window's, but nested windows move together, so not one look a window."""
    return int(math.floor(math.log2(max(longest, shortest) / shortest))) + 1


@dataclass(frozen=True)
class CountShift:
    """A sustained shift in a count's rate: where the new level starts (a position among the months given), the
    rates either side, their months, and its chance after the scan's looks."""

    start: int
    rate_before: float
    rate_after: float
    months_before: int
    months_after: int
    chance: float

    @property
    def direction(self) -> int:
        """+1 for a shift up, -1 for a shift down."""
        return 1 if self.rate_after > self.rate_before else -1


def count_shift(count: Sequence[float], exposure: Sequence[float]) -> CountShift | None:
    """The sustained shift in a count's rate up to the latest month, or None (see the module docstring). Counts and
    exposures in date order; a month without exposure is left out."""
    count, exposure = np.asarray(count, dtype=float), np.asarray(exposure, dtype=float)
    seen = np.flatnonzero(~np.isnan(count) & ~np.isnan(exposure) & (exposure > 0))
    months = len(seen)
    if months < 2 * SHIFT_MIN_MONTHS:
        return None
    c, e = count[seen], exposure[seen]
    split = np.arange(SHIFT_MIN_MONTHS, months - SHIFT_MIN_MONTHS + 1)
    before_c, before_e = np.cumsum(c)[split - 1], np.cumsum(e)[split - 1]
    after_c, after_e = c.sum() - before_c, e.sum() - before_e
    rate_before, rate_after = before_c / before_e, after_c / after_e
    latest = c[-SHIFT_MIN_MONTHS:].sum() / e[-SHIFT_MIN_MONTHS:].sum()
    up = rate_after > rate_before
    # A new level starts with a month at it, and the latest months are still on the new side of the old rate (a
    # rise that has come back is not a shift now); two months on the new side at least, so one spike is a point,
    # not a shift.
    rate = c / e
    new_side = np.where(up[:, None], rate > rate_before[:, None], rate < rate_before[:, None])  # split x month
    since = np.arange(months) >= split[:, None]
    first = new_side[np.arange(len(split)), split]
    latest_holds = np.where(up, latest > rate_before, latest < rate_before)
    holds = first & latest_holds & (rate_after != rate_before) & ((new_side & since).sum(axis=1) >= 2)
    if not holds.any():
        return None
    total, share = before_c + after_c, after_e / (before_e + after_e)
    chance = np.where(up, binom_sf(after_c - 1, total, share), binom_cdf(after_c, total, share))
    chance = np.where(holds & (total > 0), chance, 1.0)
    best = int(np.argmin(chance))
    looked = min(1.0, float(chance[best]) * scan_looks(SHIFT_MIN_MONTHS, months - SHIFT_MIN_MONTHS))
    if looked > SHIFT_CHANCE:
        return None
    k = int(split[best])
    return CountShift(int(seen[k]), float(rate_before[best]), float(rate_after[best]), k, months - k, looked)
