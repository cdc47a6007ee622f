"""Tail probabilities of the binomial, Poisson, hypergeometric and t distributions from scipy.special, as
scipy.stats gives them (tests/test_distributions.py compares them over a grid): scipy.stats takes half a second to
import, which a page's first view paid before its first chance test."""

from __future__ import annotations

import numpy as np
from scipy.special import bdtr, bdtrc, gammaln, pdtr, pdtrc, stdtr


def binom_sf(k, n, p):
    """P(X > k), X binomial on n trials of chance p (elementwise)."""
    k, n, inside = _binomial_support(k, n)
    return _scalar(np.where(k < 0, 1.0, np.where(inside, bdtrc(k.clip(0), n, p), 0.0)))


def binom_cdf(k, n, p):
    """P(X <= k), X binomial on n trials of chance p (elementwise)."""
    k, n, inside = _binomial_support(k, n)
    return _scalar(np.where(k < 0, 0.0, np.where(inside, bdtr(k.clip(0), n, p), 1.0)))


def _binomial_support(k, n):
    """k as floats, n as whole numbers (1 outside the support, where the answer is 0 or 1 without scipy), and
    where k lies inside it."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    inside = (k >= 0) & (k < n)
    return k, np.where(inside, n, 1).astype(np.int64), inside


def poisson_sf(k, mean):
    """P(X > k), X Poisson with the mean (elementwise)."""
    k = np.asarray(k, dtype=float)
    return _scalar(np.where(k < 0, 1.0, pdtrc(np.maximum(k, 0), mean)))


def poisson_cdf(k, mean):
    """P(X <= k), X Poisson with the mean (elementwise)."""
    k = np.asarray(k, dtype=float)
    return _scalar(np.where(k < 0, 0.0, pdtr(np.maximum(k, 0), mean)))


def t_sf(x, df):
    """P(T > x), T Student's t with df degrees of freedom."""
    return _scalar(stdtr(df, -np.asarray(x, dtype=float)))


def hypergeom_sf(k: int, total: int, marked: int, drawn: int) -> float:
    """P(X > k), X the marked ones among `drawn` taken without replacement from `total` of which `marked` are
    marked (scipy.stats.hypergeom(total, marked, drawn).sf(k))."""
    return float(_hypergeom_pmf(total, marked, drawn, lambda x: x > k))


def hypergeom_cdf(k: int, total: int, marked: int, drawn: int) -> float:
    """P(X <= k), as `hypergeom_sf`."""
    return float(_hypergeom_pmf(total, marked, drawn, lambda x: x <= k))


def _hypergeom_pmf(total: int, marked: int, drawn: int, keep) -> float:
    low, high = max(0, drawn - (total - marked)), min(marked, drawn)
    x = np.arange(low, high + 1, dtype=float)
    x = x[keep(x)]
    if x.size == 0:
        return 0.0
    log = (_log_choose(marked, x) + _log_choose(total - marked, drawn - x) - _log_choose(total, drawn))
    return min(1.0, float(np.exp(log).sum()))


def _log_choose(n, k):
    return gammaln(np.asarray(n, dtype=float) + 1) - gammaln(np.asarray(k, dtype=float) + 1) \
        - gammaln(np.asarray(n, dtype=float) - np.asarray(k, dtype=float) + 1)


def _scalar(values):
    return values.item() if np.ndim(values) == 0 else values
