"""How each field's cells are read: dates (in the order the sheet writes them, within the accepted range), numbers,
flags, audit kinds, shifts, answers, ratings (per question, by the reading of its scale) and text.

`analytics.canonical` parses every field of a sheet with `parse_field`; each returns per row the reason a cell
could not be read, so a row is refused or a cell listed by the rules there.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .date_cells import numeric_date_order, parse_date
from .rating_scales import RatingReading, read_rating_column
from .values import (
    Unreadable,
    clean_prose,
    clean_text,
    distinct_values,
    is_blank,
    is_empty,
    normalise_shift,
    parse_answer,
    parse_audit_kind,
    parse_column,
    parse_flag,
    parse_number,
    shift_lookup,
)


def parse_field(work: pd.DataFrame, name: str, kind: str, header: str, settings: dict[str, Any],
                 notes: list[str], readings: dict[str, RatingReading],
                 date_orders: dict[str, str]) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    """Per row the reason the field could not be read (or None; None for all when every row was read), and the
    canonical columns it fills."""
    column = work[name]
    if kind == "date":
        order, note = numeric_date_order(distinct_values(column))
        if note:
            notes.append(f"{header}: {note}")
        if order == "dmy" and settings.get("date_order") == "mdy" and note:
            order = "mdy"
        if order == "mixed" and header in date_orders:
            order = date_orders[header]  # the person said which way the dates that could be either go
            notes.append(f"{header}: dates written both ways; those that could be either read "
                         f"{'day' if order == 'dmy' else 'month'} first, as you said")
        parsed = parse_column(column, partial(_plausible_date, order=order, bounds=date_bounds(settings)),
                              "datetime64[D]")
        return parsed.reasons_if_any, {name: parsed.values}
    if kind == "number":
        parsed = parse_column(column, parse_number, "float64", blank=is_empty)
        return parsed.reasons_if_any, {name: parsed.values}
    if kind == "flag":
        parsed = parse_column(column, parse_flag)
        return parsed.reasons_if_any, {name: parsed.coded}
    if kind == "audit_kind":
        parsed = parse_column(column, partial(parse_audit_kind, header=header))
        return parsed.reasons_if_any, {"spot_check": parsed.coded}
    if kind == "shift":
        lookup = shift_lookup(settings["shifts"])
        parsed = parse_column(column, partial(normalise_shift, lookup=lookup))
        unknown = sorted({str(v) for v in parsed.parsed if v is not None and v not in settings["shifts"]})
        if unknown:
            notes.append(f"{header}: shift labels not in the shift table, stored as written: {', '.join(unknown)} "
                         "(add them under Settings to group them with a standard shift)")
        return parsed.reasons_if_any, {name: parsed.coded}
    if kind == "answer":
        parsed = parse_column(column, parse_answer)
        classes = parsed.derive(lambda v: None if v is None else v[0])
        scores = parsed.derive(lambda v: np.nan if v is None or v[1] is None else v[1], "float64")
        return parsed.reasons_if_any, {name: parsed.as_read(), "answer_class": classes, "answer_score": scores}
    if kind == "rating":
        return _parse_ratings(work, name, header, readings)
    parsed = parse_column(column, clean_prose if kind == "prose" else clean_text)
    return parsed.reasons_if_any, {name: parsed.coded}


def date_bounds(settings: dict[str, Any]) -> tuple[date, date]:
    """The earliest and latest dates a row may have (the `date_range` setting): a mistyped year is refused, not
    stored where it would move "as of" into the next century."""
    given = settings.get("date_range") or {}
    earliest = date.fromisoformat(str(given.get("earliest", "2000-01-01")))
    return earliest, date.today() + timedelta(days=int(given.get("latest_days_ahead", 92)))


def _plausible_date(value: object, order: str, bounds: tuple[date, date]) -> date:
    found = parse_date(value, order=order)
    earliest, latest = bounds
    if found < earliest:
        raise Unreadable(f"{found:%d/%m/%Y} is before {earliest:%d/%m/%Y}, the earliest date accepted (the "
                         "date_range setting); check the year")
    if found > latest:
        raise Unreadable(f"{found:%d/%m/%Y} is after {latest:%d/%m/%Y}, the latest date accepted (today plus the "
                         "date_range setting's days ahead); check the year")
    return found


def _parse_ratings(work: pd.DataFrame, name: str, header: str,
                   readings: dict[str, RatingReading]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Ratings are read per question, since one survey can mix a 1-5 scale with an FFT question, each by the
    reading made of it before loading (analytics.reading: its scale and which end is best)."""
    values = np.full(len(work), np.nan)
    scores = np.full(len(work), np.nan)
    scales = np.full(len(work), None, dtype=object)
    reasons = np.full(len(work), None, dtype=object)
    shown = np.full(len(work), None, dtype=object)
    groups = work.groupby("question", sort=False, dropna=False).indices if "question" in work else \
        {header: np.arange(len(work))}
    comments = work["comment"] if "comment" in work else None
    for question, positions in groups.items():
        key = header if is_blank(question) else clean_text(question)
        column = work[name].iloc[positions]
        reading = readings.get(key) or readings.get(str(question)) or read_rating_column(
            column.tolist(), f"{header} {key}", None if comments is None else comments.iloc[positions].tolist())
        parsed = parse_column(column, partial(_rating, reading=reading))
        values[positions] = parsed.derive(lambda v: np.nan if v is None or v[0] is None else v[0], "float64")
        scores[positions] = parsed.derive(lambda v: np.nan if v is None or v[1] is None else v[1], "float64")
        label = _scale_label(reading)
        scales[positions] = parsed.derive(lambda v: None if v is None else label).values
        reasons[positions] = parsed.reasons
        shown[positions] = parsed.as_read().values
    return (reasons if pd.notna(reasons).any() else None), \
        {name: shown, "rating_value": values, "rating_scale": scales, "rating_score": scores}


def _rating(value: object, reading: RatingReading) -> tuple[float | None, float | None]:
    """A rating as (the number as given, or its place on a five-point scale for words; the score 0 worst to 1 best)."""
    score = reading.score(value)
    number = _as_number(value)
    if number is None and score is not None:
        number = 1 + 4 * (1 - score)
    return number, score


def _scale_label(reading: RatingReading) -> str | None:
    """The scale as stored: its name, and the direction where it is not the scale's usual one."""
    if reading.scale is None:
        return None
    usual = "lower_is_better" if reading.scale == "fft_code" else "higher_is_better"
    return reading.scale if reading.direction == usual or reading.scale in ("fft", "fft_legacy", "gp_survey") \
        else f"{reading.scale} ({reading.direction.replace('_', ' ')})"


def _as_number(value: object) -> float | None:
    try:
        return float(clean_text(value))
    except ValueError:
        return None
