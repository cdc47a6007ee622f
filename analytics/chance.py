"""Exact chance checks behind an SPC signal: could counting alone have moved the signal's months this far?

An XmR chart learns its limits from month-to-month variation. On sparse data (a handful of answers a month at
100% most months, 0 to 2 complaints) that variation is near zero and the limits collapse ("98% to 98%"), so any
one miss looks special. The months of a signal are therefore also compared with the months before them by the
counting model of the measure, with exact tests that stay honest near 0% and 100%:

* answers or shifts met of those counted (audit compliance, handover completion): Fisher's exact test on the
  2 x 2 table (met and not met, signal months and the months before);
* events in an exposure (complaints a month, complaints per 1,000 planned hours): the exact conditional test of
  two Poisson rates (`spc_counts.poisson_compare`);
* a mean of response scores from 0 to 1 (feedback): Welch's t test from the responses' sums and squares;
* a share of hours over n shifts (fill rate, agency share): Fisher's exact test as if each shift were wholly
  filled (or wholly agency) or not. A shift's own share lies between 0 and 1, so its variance is at most that
  of an all-or-nothing shift: the test can only overstate chance, never invent a signal.

Each returns the one-sided chance of a difference at least this large in the signal's direction.
"""

from __future__ import annotations

import math

import numpy as np

from .distributions import hypergeom_cdf, hypergeom_sf, t_sf
from .spc_counts import poisson_compare

__all__ = ["MODELS", "signal_chance"]

MODELS = {"audit_compliance": "binomial", "handover_completion": "binomial", "complaints": "poisson",
          "complaint_rate": "poisson", "feedback_score": "scores", "fill_rate": "shifts", "agency_share": "shifts"}


def signal_chance(measure_id: str, signal: dict[str, np.ndarray], before: dict[str, np.ndarray],
                  high: bool) -> float | None:
    """The chance the signal months are this far above (`high`) or below the months before, or None without a
    counting model. `signal` and `before` hold the months' numerator, denominator (NaN for a count a month),
    n (shifts, for shares of hours) and, for scores, squares (the sum of each response's squared score)."""
    model = MODELS.get(measure_id)
    if model is None:
        return None
    if not len(before["numerator"]):
        return 1.0  # nothing to compare with: no evidence of a change
    if model == "binomial":
        return _fisher(*_sums(signal, "numerator", "denominator"), *_sums(before, "numerator", "denominator"), high)
    if model == "shifts":
        return _fisher(*_shifts(signal), *_shifts(before), high)
    if model == "poisson":
        def exposure(part: dict[str, np.ndarray]) -> float:
            den = part["denominator"]
            return float(len(den)) if np.isnan(den).all() else float(np.nansum(den))
        found = poisson_compare(np.nansum(signal["numerator"]), exposure(signal), np.nansum(before["numerator"]),
                                exposure(before))
        return found.p_higher if high else found.p_lower
    return _welch(signal, before, high)


def _sums(part: dict[str, np.ndarray], *columns: str) -> tuple[float, ...]:
    return tuple(float(np.nansum(part[column])) for column in columns)


def _shifts(part: dict[str, np.ndarray]) -> tuple[float, float]:
    """Shifts 'met' and shifts counted: each month's share of hours times its shifts."""
    share = part["numerator"] / np.where(part["denominator"] > 0, part["denominator"], np.nan)
    counted = np.where(np.isnan(share), 0.0, part["n"])
    return float(np.nansum(share * counted)), float(counted.sum())


def _fisher(met: float, counted: float, met_before: float, counted_before: float, high: bool) -> float:
    """One-sided Fisher's exact test; partly met answers (half a point) round against the signal."""
    counted, counted_before = round(counted), round(counted_before)
    if counted == 0 or counted_before == 0:
        return 1.0
    met = min(max(math.floor(met) if high else math.ceil(met), 0), counted)
    met_total = min(round(met + met_before), counted + counted_before)
    # The number met among the signal's answers, given the totals, is hypergeometric.
    total = counted + counted_before
    return hypergeom_sf(met - 1, total, met_total, counted) if high else hypergeom_cdf(met, total, met_total, counted)


def _welch(signal: dict[str, np.ndarray], before: dict[str, np.ndarray], high: bool) -> float:
    """One-sided Welch's t test of two means of response scores, from their sums and sums of squares."""
    moments = []
    for part in (signal, before):
        total, n, squares = _sums(part, "numerator", "denominator", "squares")
        if n < 2:
            return 1.0
        mean = total / n
        variance = max(squares / n - mean ** 2, 0.0) * n / (n - 1)
        moments.append((mean, variance / n, n))
    (mean_a, var_a, n_a), (mean_b, var_b, n_b) = moments
    gap = (mean_a - mean_b) if high else (mean_b - mean_a)
    if var_a + var_b == 0:
        return 0.0 if gap > 0 else 1.0
    df = (var_a + var_b) ** 2 / (var_a ** 2 / (n_a - 1) + var_b ** 2 / (n_b - 1))
    return float(t_sf(gap / math.sqrt(var_a + var_b), df))
