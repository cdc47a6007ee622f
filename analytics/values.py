"""How a cell's text becomes a fact: answers, ratings, numbers, flags and shift names (dates: analytics.date_cells).

Every parser works on one distinct value; `parse_column` applies it to the distinct values of a
column only, so a million-row file costs as many parses as it has different values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from . import text_columns


class Unreadable(ValueError):
    """A value that cannot be understood; the message says why in plain English."""


BLANKS = frozenset({"", "-", "--", "n/k", "nk", "none given", "nan", "null", "none"})
_LONGEST_BLANK = max(map(len, BLANKS))


def is_blank(value: object) -> bool:
    """True for empty cells and the placeholders spreadsheets use for them."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return len(text) <= _LONGEST_BLANK and clean_text(text).lower() in BLANKS
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NaT or value is pd.NA


def clean_text(value: object) -> str:
    """Text with non-breaking spaces and runs of whitespace reduced to single spaces."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a reference typed as a number in Excel: 123, not 123.0
    text = str(value)
    if "  " not in text and "\u00a0" not in text and "\n" not in text and "\t" not in text and "\r" not in text \
            and text == text.strip():
        return text
    return " ".join(text.replace("\u00a0", " ").split())


def clean_prose(value: object) -> str:
    """Free text trimmed, with non-breaking spaces made plain and its line breaks kept."""
    lines = str(value).replace("\u00a0", " ").replace("\r\n", "\n").split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def cell_key(value: object) -> str:
    """A cell's text as the parsers compare it: tidied, lower case, without trailing full stops or marks."""
    return clean_text(value).lower().strip(" .!")


# --- answers -------------------------------------------------------------------------------
# The compliance rule, applied everywhere: compliance = sum of scores / number of applicable
# answers. Met = 1, partially met = the `partial_credit` setting (0.5 by default), not met = 0,
# a percentage or fraction counts as itself, and N/A is excluded from both sides.

_MET = {"yes", "y", "met", "fully met", "compliant", "pass", "passed", "true", "✓", "✔", "☑", "tick",
        "ticked", "done", "achieved", "in place", "present", "correct", "satisfactory", "good", "1"}
_NOT_MET = {"no", "n", "not met", "non compliant", "non-compliant", "not compliant", "fail", "failed", "false",
            "✗", "✘", "×", "☒", "cross", "not done", "not achieved", "not in place", "missing", "incorrect",
            "unsatisfactory", "0"}
_PARTIAL = {"partially met", "partial", "partly", "partly met", "partially", "part met", "partially compliant",
            "some", "in progress"}
_NOT_APPLICABLE = {"n/a", "na", "n a", "not applicable", "n.a", "n.a.", "not relevant", "nr", "n/r"}


def parse_answer(value: object) -> tuple[str, float | None]:
    """An audit answer as (class, score): met 1, not met 0, partial, a percentage, or N/A (no score)."""
    if isinstance(value, bool):
        return ("met", 1.0) if value else ("not_met", 0.0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _numeric_answer(float(value), str(value))
    text = cell_key(value)
    if text in _MET:
        return "met", 1.0
    if text in _NOT_MET:
        return "not_met", 0.0
    if text in _PARTIAL:
        return "partial", None
    if text in _NOT_APPLICABLE:
        return "na", None
    if text == "x":
        raise Unreadable("'x' could mean a tick or a cross; use Yes/No, ✓/✗ or Met/Not met")
    percent = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", text)
    if percent:
        return _numeric_answer(float(percent.group(1)) / 100, str(value), is_fraction=True)
    try:
        number = float(text)
    except ValueError:
        raise Unreadable(
            f"'{clean_text(value)}' is not an answer we recognise: expected Yes/No/N/A, Met/Partially met/"
            "Not met, ✓/✗, 1/0 or a percentage") from None
    return _numeric_answer(number, str(value))


def _numeric_answer(number: float, shown: str, is_fraction: bool = False) -> tuple[str, float | None]:
    if math.isnan(number):
        raise Unreadable("answer is blank")
    if not is_fraction and number > 1:
        # Scores above one read as percentages: 85 means 85%.
        number = number / 100
    if number < 0 or number > 1:
        raise Unreadable(f"'{clean_text(shown)}' is outside 0-100%")
    if number == 1:
        return "met", 1.0
    if number == 0:
        return "not_met", 0.0
    return "score", number


# --- ratings -------------------------------------------------------------------------------

FFT_CURRENT = {"very good": 1.0, "good": 0.75, "neither good nor poor": 0.5, "poor": 0.25, "very poor": 0.0,
               "don't know": None, "dont know": None, "do not know": None}
FFT_LEGACY = {"extremely likely": 1.0, "likely": 0.75, "neither likely nor unlikely": 0.5, "unlikely": 0.25,
              "extremely unlikely": 0.0, "don't know": None, "dont know": None, "do not know": None}
# FFT response codes as NHS exports them: 1 very good ... 5 very poor, 6 don't know.
FFT_CODES = {1: 1.0, 2: 0.75, 3: 0.5, 4: 0.25, 5: 0.0, 6: None}

RATING_SCALES = ("fft", "fft_legacy", "fft_code", "1-5", "0-10")


def detect_rating_scale(distinct: list[object], header: str) -> str:
    """The scale a rating column uses, from its header and its distinct values."""
    head = header.lower()
    words = {cell_key(v) for v in distinct if isinstance(v, str)}
    if words & (set(FFT_LEGACY) - set(FFT_CURRENT)):
        return "fft_legacy"
    if words & (set(FFT_CURRENT) - set(FFT_LEGACY)):
        return "fft"
    numbers = [n for n in (_as_number(v) for v in distinct) if n is not None]
    if re.search(r"\b(0\s*-\s*10|out of 10|/\s*10)\b", head):
        return "0-10"
    if re.search(r"\b(1\s*-\s*5|out of 5|/\s*5)\b", head):
        return "1-5"
    if "fft" in head or "friends and family" in head:
        return "fft_code"
    if numbers and (min(numbers) < 1 or max(numbers) > 5):
        return "0-10"
    return "1-5"


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return None if math.isnan(value) else float(value)
    try:
        return float(clean_text(value))
    except ValueError:
        return None


def parse_rating(value: object, scale: str) -> tuple[float | None, float | None]:
    """A rating as (value on its own scale, score from 0 worst to 1 best); don't know has no score."""
    text = cell_key(value)
    for labels in (FFT_CURRENT, FFT_LEGACY):
        if text in labels and not (scale in ("1-5", "0-10") and text in ("good", "poor")):
            score = labels[text]
            return (None if score is None else 1 + 4 * (1 - score)), score
    out_of = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:/|out of)\s*(\d+)", text)
    if out_of:
        number, top = float(out_of.group(1)), float(out_of.group(2))
        if top not in (5, 10) or number > top:
            raise Unreadable(f"'{clean_text(value)}' is not a rating out of 5 or 10")
        return number, (number - 1) / 4 if top == 5 else number / 10
    stars = text.count("★")
    if stars and set(text) <= {"★", "☆", " "}:
        return float(stars), (stars - 1) / 4
    number = _as_number(value)
    if number is None:
        raise Unreadable(f"'{clean_text(value)}' is not a rating we recognise: expected a number, "
                         "Very good ... Very poor / Don't know, or Extremely likely ... Extremely unlikely")
    return number, _numeric_rating_score(number, scale)


def _numeric_rating_score(number: float, scale: str) -> float | None:
    if scale == "fft_code":
        if number not in FFT_CODES:
            raise Unreadable(f"{number:g} is not a Friends and Family Test code (1 very good ... 5 very poor, "
                             "6 don't know)")
        return FFT_CODES[int(number)]
    if scale == "0-10":
        if not 0 <= number <= 10:
            raise Unreadable(f"{number:g} is outside the 0-10 scale")
        return number / 10
    if not 1 <= number <= 5:
        raise Unreadable(f"{number:g} is outside the 1-5 scale")
    return (number - 1) / 4


# --- numbers and flags ---------------------------------------------------------------------

def parse_number(value: object) -> float:
    """A non-negative quantity such as hours or a head count; '7.5h', '1,234' and '12 hrs' allowed."""
    if isinstance(value, bool):
        raise Unreadable(f"'{value}' is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = re.sub(r"\s*(hrs?|hours?|h)$", "", cell_key(value)).replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise Unreadable(f"'{clean_text(value)}' is not a number; the cell was left empty, not read as 0") from None
    if math.isnan(number) or number < 0:
        raise Unreadable(f"'{clean_text(value)}' is not a number of zero or more")
    return number


_TRUE = {"yes", "y", "true", "1", "✓", "✔", "done", "completed", "complete", "given"}
_FALSE = {"no", "n", "false", "0", "✗", "✘", "×", "not done", "not completed", "missed", "not given"}


def parse_flag(value: object) -> bool:
    """Yes or no from Yes/No, Y/N, 1/0, ticks and crosses."""
    if isinstance(value, bool):
        return value
    text = cell_key(value)
    if text in _TRUE or text in ("1.0",):
        return True
    if text in _FALSE or text in ("0.0",):
        return False
    raise Unreadable(f"'{clean_text(value)}' is not yes or no")


_SPOT = ("spot", "unannounced", "unscheduled", "ad hoc", "adhoc", "random", "walkround", "walk round")
_SCHEDULED = ("scheduled", "planned", "routine", "monthly", "quarterly", "weekly", "announced")


def parse_audit_kind(value: object, header: str = "") -> bool:
    """True for an unscheduled spot check, False for a scheduled audit."""
    text = cell_key(value)
    if any(word in text for word in _SPOT):
        return True
    if any(word in text for word in _SCHEDULED):
        return False
    flag = parse_flag(value)
    head = header.lower()
    if any(word in head for word in _SPOT):
        return flag
    if any(word in head for word in _SCHEDULED):
        return not flag
    raise Unreadable(f"'{clean_text(value)}' does not say whether the audit was scheduled or a spot check")


# --- shifts --------------------------------------------------------------------------------

def shift_lookup(shift_table: Mapping[str, list[str]]) -> dict[str, str]:
    """The editable shift table turned round: each label a provider uses -> its standard shift."""
    lookup: dict[str, str] = {}
    for standard, labels in shift_table.items():
        lookup[cell_key(standard)] = standard
        for label in labels:
            lookup[cell_key(label)] = standard
    return lookup


def normalise_shift(value: object, lookup: Mapping[str, str]) -> str:
    """The standard shift name for a label; an unknown label is kept as written."""
    text = clean_text(value)
    return lookup.get(cell_key(text), lookup.get(cell_key(re.sub(r"(?i)\s*shifts?$", "", text)), text))


# --- columns -------------------------------------------------------------------------------

@dataclass
class ParsedColumn:
    """A column parsed once per distinct value: per-row codes into the parsed values and failure reasons."""

    codes: np.ndarray        # per row, the index of its distinct value; the last index for missing cells
    parsed: np.ndarray       # per distinct value, the parsed result (then one missing value)
    failures: np.ndarray     # per distinct value, why it could not be read, or None
    distinct: list[object]   # per distinct value, the cell as read

    @property
    def values(self) -> np.ndarray:
        """The parsed value of each row."""
        return self.parsed[self.codes]

    @property
    def reasons(self) -> np.ndarray:
        """Why each row's value could not be read, or None."""
        return self.failures[self.codes]

    @property
    def reasons_if_any(self) -> np.ndarray | None:
        """`reasons`, or None when every value could be read (no array of a million Nones to look through)."""
        return self.reasons if np.not_equal(self.failures, None).any() else None

    @property
    def coded(self) -> Coded:
        """The parsed values, still coded (cheap to hash and to hand to Arrow)."""
        return Coded(self.codes, self.parsed)

    def derive(self, pick: Callable[[object], object], dtype: str = "object") -> Coded | np.ndarray:
        """Per row, `pick` applied to its parsed value (computed once per distinct value)."""
        lookup = np.empty(len(self.parsed), dtype=dtype)
        lookup[:] = [pick(value) for value in self.parsed]
        return Coded(self.codes, lookup) if dtype == "object" else lookup[self.codes]

    def as_read(self) -> Coded:
        """Per row, the cell as text, tidied; None for blank cells."""
        lookup = np.empty(len(self.parsed), dtype=object)
        lookup[:] = [None if is_blank(v) else clean_text(v) for v in self.distinct] + [None]
        return Coded(self.codes, lookup)


@dataclass
class Coded:
    """A text column as codes into its distinct values; code -1 is the last value, a blank."""

    codes: np.ndarray
    lookup: np.ndarray

    @property
    def values(self) -> np.ndarray:
        """One value per row."""
        return self.lookup[self.codes]


_MISSING = {"datetime64[D]": np.datetime64("NaT"), "float64": np.nan}


def is_empty(value: object) -> bool:
    """True only for cells with nothing in them: for counts and hours, "N/K" or "-" is not a blank but a value
    that is not a number, and is reported as such."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return isinstance(value, str) and not value.strip()


def parse_column(column: pd.Series, parse: Callable[[object], object], dtype: str = "object",
                 blank: Callable[[object], bool] = is_blank) -> ParsedColumn:
    """Apply `parse` to each distinct value of `column` once; blank cells become missing values.

    Tidying text (clean_text, clean_prose) of a column held in Arrow is done in Arrow, calling the rule only for
    the values it would change."""
    encoded = text_columns.encode(column)
    if encoded is not None and parse in (clean_text, clean_prose) and blank is is_blank:
        return _tidied(*encoded, parse)
    codes, distinct = (encoded[0], encoded[1].to_pylist()) if encoded is not None else \
        pd.factorize(column, use_na_sentinel=True)
    missing = _MISSING.get(dtype)
    parsed: list[object] = []
    failed: list[str | None] = []
    for value in distinct:
        result, reason = missing, None
        if not blank(value):
            try:
                result = parse(value)
            except Unreadable as error:
                reason = str(error)
        parsed.append(missing if result is None else result)
        failed.append(reason)
    parsed.append(missing)  # code -1 (pandas' missing values) indexes this last entry
    failed.append(None)
    lookup = np.empty(len(parsed), dtype=dtype)
    lookup[:] = parsed
    return ParsedColumn(codes=codes, parsed=lookup, failures=np.array(failed, dtype=object), distinct=list(distinct))


def _tidied(codes: np.ndarray, dictionary: object, tidy: Callable[[object], str]) -> ParsedColumn:
    """Text tidied by `tidy` (clean_text or clean_prose), blanks missing: the same as parsing each distinct value
    with it, with Python called only on the values it would change."""
    distinct = dictionary.to_pylist()
    lookup = np.empty(len(distinct) + 1, dtype=object)
    lookup[:-1] = distinct
    blank = np.append(_blank_distinct(dictionary), True)
    for position in np.flatnonzero(text_columns.untidy(dictionary, text_columns.UNTIDY_PROSE if tidy is clean_prose
                                                       else text_columns.UNTIDY_TEXT)):
        if not blank[position]:
            lookup[position] = tidy(distinct[position])
    lookup[blank] = None
    return ParsedColumn(codes=codes, parsed=lookup, failures=np.full(len(lookup), None, dtype=object),
                        distinct=distinct)


def _blank_distinct(dictionary: object) -> np.ndarray:
    """Per distinct text value, whether is_blank holds: in Arrow for tidy values, in Python for the others."""
    blank = text_columns.among(dictionary, BLANKS)
    positions = np.flatnonzero(text_columns.untidy(dictionary))
    blank[positions] = [is_blank(value) for value in dictionary.take(positions).to_pylist()]
    return blank


_READER_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?")


def cell_as_text(value: object) -> str:
    """A cell as a person reads it: UK dates (the time only when there is one), whole numbers without '.0',
    blanks empty. Workbook cells arrive as text, a date cell as '2026-03-01 09:00:00'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str) and (found := _READER_TIMESTAMP.fullmatch(value)):
        year, month, day, hour, minute, second = found.groups()
        day_text = f"{day}/{month}/{year}"
        return day_text if (hour, minute, second) == ("00", "00", "00") else f"{day_text} {hour}:{minute}"
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}" if (value.hour, value.minute) != (0, 0) else f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def blank_mask(column: pd.Series) -> np.ndarray:
    """Per row, whether the cell is blank; each distinct value is judged once."""
    encoded = text_columns.encode(column)
    if encoded is not None:
        codes, dictionary = encoded
        return np.append(_blank_distinct(dictionary), True)[codes]
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    blank = np.array([is_blank(v) for v in distinct] + [True], dtype=bool)
    return blank[codes]


def distinct_counts(column: pd.Series) -> dict[str, int]:
    """The tidied distinct non-blank values of a column with how many rows hold each."""
    counts: dict[str, int] = {}
    for value, count in column.value_counts(dropna=True).items():
        if not is_blank(value):
            name = clean_text(value)
            counts[name] = counts.get(name, 0) + int(count)
    return counts


def distinct_values(column: pd.Series) -> list[object]:
    """The distinct non-blank values of a column."""
    encoded = text_columns.encode(column)
    if encoded is not None:
        distinct = encoded[1].to_pylist()
        blank = _blank_distinct(encoded[1])
        return [value for value, is_blank_value in zip(distinct, blank) if not is_blank_value]
    return [v for v in pd.unique(column) if not is_blank(v)]
