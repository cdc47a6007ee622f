"""The tail probabilities of analytics.distributions are scipy.stats' over a grid of ordinary and edge values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analytics import distributions as d


@pytest.mark.parametrize("n", [0, 1, 2, 5, 17, 40])
@pytest.mark.parametrize("p", [0.0, 0.01, 0.3, 0.5, 0.97, 1.0])
def test_binomial_tails(n, p):
    k = np.arange(-2, n + 3)
    assert np.allclose(d.binom_sf(k, n, p), stats.binom.sf(k, n, p), rtol=1e-9, atol=1e-12)
    assert np.allclose(d.binom_cdf(k, n, p), stats.binom.cdf(k, n, p), rtol=1e-9, atol=1e-12)
    assert isinstance(d.binom_sf(1, n, p), float)


@pytest.mark.parametrize("mean", [0.0, 0.001, 0.3, 1.0, 2.5, 10.0, 40.0])
def test_poisson_tails(mean):
    k = np.arange(-2, 60)
    assert np.allclose(d.poisson_sf(k, mean), stats.poisson.sf(k, mean), rtol=1e-9, atol=1e-12)
    assert np.allclose(d.poisson_cdf(k, mean), stats.poisson.cdf(k, mean), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("df", [1, 2.5, 7, 30, 1000])
def test_t_tail(df):
    x = np.linspace(-10, 10, 81)
    assert np.allclose(d.t_sf(x, df), stats.t.sf(x, df), rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize(("total", "marked", "drawn"), [(1, 0, 1), (1, 1, 1), (10, 3, 4), (40, 20, 10), (200, 150, 30),
                                                        (300, 290, 250), (12, 0, 5), (12, 12, 5)])
def test_hypergeometric_tails(total, marked, drawn):
    for k in range(-1, drawn + 2):
        draw = stats.hypergeom(total, marked, drawn)
        assert d.hypergeom_sf(k, total, marked, drawn) == pytest.approx(float(draw.sf(k)), rel=1e-9, abs=1e-12)
        assert d.hypergeom_cdf(k, total, marked, drawn) == pytest.approx(float(draw.cdf(k)), rel=1e-9, abs=1e-12)
