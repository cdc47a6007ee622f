"""The sentiment of a free-text comment (VADER), and Spearman's rank correlation, with which analytics.rating_scales
tells from the comments beside a rating column which end of its scale is best."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

_ANALYSER = None
_ANALYSER_LOCK = threading.Lock()


def _analyser():
    global _ANALYSER
    if _ANALYSER is None:
        with _ANALYSER_LOCK:
            if _ANALYSER is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
                _ANALYSER = SentimentIntensityAnalyzer()
    return _ANALYSER


@lru_cache(maxsize=65536)
def comment_sentiment(text: str) -> float:
    """VADER's compound sentiment of a comment, -1 (very negative) .. 1 (very positive); 0 for neutral text."""
    return float(_analyser().polarity_scores(text)["compound"])


def spearman(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Spearman's rho with its two-sided p-value (the t approximation, as scipy.stats.spearmanr gives), without
    importing scipy.stats, which costs most of a second."""
    from scipy.special import stdtr
    rx = pd.Series(np.asarray(x, dtype=float)).rank().to_numpy()
    ry = pd.Series(np.asarray(y, dtype=float)).rank().to_numpy()
    n = len(rx)
    rho = float(np.corrcoef(rx, ry)[0, 1])
    if n <= 2 or math.isnan(rho):
        return rho, math.nan
    if abs(rho) >= 1:
        return rho, 0.0
    t = rho * math.sqrt((n - 2) / (1 - rho * rho))
    return rho, float(2 * stdtr(n - 2, -abs(t)))
