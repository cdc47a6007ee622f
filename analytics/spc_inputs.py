"""The values and dates an SPC chart is given, read as the chart needs them, or a ValueError saying what to fix."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from numbers import Real

import numpy as np
import pandas as pd


def as_timestamps(items: Iterable[object], name: str) -> pd.DatetimeIndex:
    """Dates, datetimes, numpy datetimes or ISO strings as timestamps, or a ValueError naming the bad item."""
    stamps = []
    for position, item in enumerate(items):
        if item is None or (np.ndim(item) == 0 and bool(pd.isna(item))):
            raise ValueError(f"{name} must not be missing; item {position} is {item!r}")
        problem = f"{name} must be dates or ISO date strings (YYYY-MM-DD); item {position} is {item!r}"
        if not isinstance(item, (date, np.datetime64, str)):
            raise ValueError(problem)
        try:
            # Only ISO strings: pandas would read "March" as 1 March of the current year.
            stamps.append(pd.Timestamp(datetime.fromisoformat(item) if isinstance(item, str) else item))
        except ValueError:
            raise ValueError(problem) from None
    return pd.DatetimeIndex(stamps)


def validated_series(
    values: Sequence[float], dates: Sequence[date] | pd.Series
) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Values as floats (NaN for missing) and dates as timestamps, or a ValueError saying what to fix."""
    items, days = list(values), list(dates)
    if len(items) != len(days):
        raise ValueError(
            f"values and dates must be the same length (got {len(items)} values and {len(days)} dates)"
        )
    if not items:
        raise ValueError("values and dates are empty; an XmR chart needs at least one point")
    y = np.array([_as_value(item, i) for i, item in enumerate(items)], dtype=float)
    when = as_timestamps(days, "dates")
    repeated = when[when.duplicated()]
    if len(repeated):
        count = int((when == repeated[0]).sum())
        times = "twice" if count == 2 else f"{count} times"
        raise ValueError(f"dates must not repeat: {show_day(repeated[0])} appears {times}")
    return y, when


def _as_value(item: object, position: int) -> float:
    """One value as a float; None, NaN and pd.NA are missing values, as NA is in the reference."""
    if item is None or item is pd.NA:
        return math.nan
    if not isinstance(item, Real):
        raise ValueError(f"values must be numbers; item {position} is {item!r}")
    if math.isinf(item):
        raise ValueError(f"values must be finite numbers or missing (NaN); item {position} is {item!r}")
    return float(item)


def show_day(day: pd.Timestamp) -> str:
    """A timestamp as YYYY-MM-DD, with the time only when it is not midnight."""
    return day.date().isoformat() if day == day.normalize() else day.isoformat()
