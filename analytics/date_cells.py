"""A date from a cell: a datetime, an Excel serial number, or UK, US, ISO or month-label text, with the order
of a column's numeric dates worked out from its values (day first unless they say otherwise)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd

from .values import Unreadable, cell_key, clean_text

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]m)?)?")
_DAY_MONTH_NAME = re.compile(r"(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+([a-z]{3,9})\.?[\s\-/,]+(\d{4}|\d{2})")
_MONTH_NAME_DAY = re.compile(r"(?:[a-z]+,?\s+)?([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_MONTH_LABEL = re.compile(r"([a-z]{3,9})\.?[\s\-/']+(\d{4}|\d{2})")
_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EXCEL_EPOCH = date(1899, 12, 30)


def numeric_date_order(distinct: list[object]) -> tuple[str, str | None]:
    """Whether a column's dd/mm-style dates are day-first ('dmy') or month-first ('mdy').

    Returns (order, note). A column only ever read one way: the values with a part above 12 decide;
    when none does, UK day-first is used and the note says so; when both orders appear the order is
    'mixed' and every date that could be read either way is refused.
    """
    day_first = month_first = ambiguous = 0
    for value in distinct:
        if not isinstance(value, str):
            continue
        match = _NUMERIC.fullmatch(cell_key(value))
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            day_first += 1
        elif second > 12 >= first:
            month_first += 1
        elif first != second:
            ambiguous += 1
    if day_first and month_first:
        return "mixed", None
    if month_first:
        return "mdy", "read as month-first (US) dates because some have a month part above 12"
    if ambiguous and not day_first:
        return "dmy", "every date could be read either way; read as UK day-first (dd/mm/yyyy)"
    return "dmy", None


def parse_date(value: object, order: str = "dmy") -> date:
    """A date from a datetime, an Excel serial number, or UK, ISO or month-label text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial(float(value))
    text = cell_key(value)
    try:
        return _text_date(text, order)
    except Unreadable:
        raise
    except ValueError:
        raise Unreadable(f"'{clean_text(value)}' is not a real date") from None


def _text_date(text: str, order: str) -> date:
    if match := _ISO.fullmatch(text):
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _NUMERIC.fullmatch(text):
        first, second, year = int(match.group(1)), int(match.group(2)), _year(match.group(3))
        if first == second or max(first, second) > 12:
            day, month = (first, second) if first > 12 or first == second else (second, first)
        elif order == "mixed":
            raise Unreadable(f"'{text}' could be {first} {_month_name(second)} or {second} {_month_name(first)}, "
                             "and this column has dates written both ways; write it as e.g. 2026-03-04")
        else:
            day, month = (first, second) if order == "dmy" else (second, first)
        return date(year, month, day)
    if match := _DAY_MONTH_NAME.fullmatch(text):
        return date(_year(match.group(3)), _month(match.group(2)), int(match.group(1)))
    if match := _MONTH_NAME_DAY.fullmatch(text):
        return date(int(match.group(3)), _month(match.group(1)), int(match.group(2)))
    if match := _MONTH_LABEL.fullmatch(text):
        # "Mar-26" is how Excel shows a month: the first of March 2026, never the 26th of March.
        return date(_year(match.group(2)), _month(match.group(1)), 1)
    if match := _YEAR_MONTH.fullmatch(text):
        return date(int(match.group(1)), int(match.group(2)), 1)
    if match := _COMPACT.fullmatch(text):
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    try:
        return _excel_serial(float(text))
    except ValueError:
        raise Unreadable(f"'{text}' is not a date we recognise: expected e.g. 31/03/2026, 2026-03-31 or Mar-26") \
            from None


def _month_name(month: int) -> str:
    return date(2000, month, 1).strftime("%B")


def _month(name: str) -> int:
    try:
        return _MONTHS[name[:3]]
    except KeyError:
        raise Unreadable(f"'{name}' is not a month") from None


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _excel_serial(number: float) -> date:
    # 20000-73000 covers 1954-2099: other numbers in a date column are not dates.
    if not 20000 <= number <= 73000:
        raise Unreadable(f"{number:g} is a number, not a date")
    return _EXCEL_EPOCH + timedelta(days=int(number))
