"""How each value of a rating column reads: the word scales, a value as a word, number, "4 out of 5" or stars
(`token`), its score on a word scale or its number on a numeric one, and a column's distinct values with their
counts (`read_values`). `analytics.rating_scales` decides the column's scale from them."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from analytics.values import FFT_CURRENT, FFT_LEGACY, Unreadable, clean_text, is_blank

# --- the word scales --------------------------------------------------------------------------

DONT_KNOW = frozenset({"don't know", "dont know", "do not know", "i don't know", "i dont know", "not sure",
                        "unsure", "dk", "n/a", "na", "not applicable"})
GP_SURVEY = {"very good": 1.0, "fairly good": 0.75, "neither good nor poor": 0.5, "fairly poor": 0.25,
             "very poor": 0.0}
CURRENT_WORDS = {k: v for k, v in FFT_CURRENT.items() if k not in DONT_KNOW}
LEGACY_WORDS = {k: v for k, v in FFT_LEGACY.items() if k not in DONT_KNOW}
WORD_SCALES = {"fft": CURRENT_WORDS, "fft_legacy": LEGACY_WORDS, "gp_survey": GP_SURVEY}
ALL_WORDS = {**CURRENT_WORDS, **LEGACY_WORDS, **GP_SURVEY}
SHARED_GOOD_WORDS = set(CURRENT_WORDS) & set(GP_SURVEY)  # very good, neither good nor poor, very poor

DESCRIBED = {
    "fft_code": "Friends and Family Test codes (1 very good, 2 good, 3 neither good nor poor, 4 poor, 5 very poor, "
                "6 don't know)",
    "fft": "the Friends and Family Test scale (Very good, Good, Neither good nor poor, Poor, Very poor; Don't know "
           "has no score)",
    "fft_legacy": "the former Friends and Family Test scale (Extremely likely, Likely, Neither likely nor unlikely, "
                  "Unlikely, Extremely unlikely; Don't know has no score)",
    "gp_survey": "the GP Patient Survey scale (Very good, Fairly good, Neither good nor poor, Fairly poor, Very poor;"
                 " Don't know has no score)",
    "1-5": "the 1-5 scale",
    "0-10": "the 0-10 scale",
}



# --- reading one value ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    kind: str  # "word", "dont_know", "number", "out_of", "stars", "other"
    number: float | None = None
    word: str | None = None
    top: int | None = None


_OUT_OF = re.compile(r"(\d+(?:\.\d+)?)\s*(?:/|out of|of)\s*(\d+)")
_STARS_TEXT = re.compile(r"(\d)\s*(?:stars?|\*|★)")


def value_key(value: object) -> str:
    return clean_text(value).lower().replace("\u2019", "'").replace("\u2018", "'").strip(" .!")


def shown(value: object) -> str:
    return clean_text(value)


@lru_cache(maxsize=4096)
def _token_of_text(text: str) -> Token:
    if text in DONT_KNOW:
        return Token("dont_know")
    if text in ALL_WORDS:
        return Token("word", word=text)
    out_of = _OUT_OF.fullmatch(text)
    if out_of:
        return Token("out_of", number=float(out_of.group(1)), top=int(out_of.group(2)))
    if text and set(text) <= {"★", "☆", " "}:
        return Token("stars", number=float(text.count("★")))
    if text and set(text) <= {"*"} and len(text) <= 5:
        return Token("stars", number=float(len(text)))
    stars = _STARS_TEXT.fullmatch(text)
    if stars:
        return Token("stars", number=float(stars.group(1)))
    try:
        number = float(text)
    except ValueError:
        return Token("other")
    return Token("other") if math.isnan(number) or math.isinf(number) else Token("number", number=number)


def token_of(value: object) -> Token:
    if isinstance(value, bool):
        return Token("other")
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return Token("other") if math.isnan(number) or math.isinf(number) else Token("number", number=number)
    return _token_of_text(value_key(value))


def word_score(value: object, token: Token, scale: str) -> float:
    words = WORD_SCALES[scale]
    if token.kind == "word" and token.word in words:
        return words[token.word]
    raise Unreadable(f"'{shown(value)}' is not on {DESCRIBED[scale]}")


def number_on(value: object, token: Token, scale: str) -> float:
    if token.kind == "number":
        return token.number
    if token.kind == "out_of":
        top = 10 if scale == "0-10" else 5
        if token.top != top:
            raise Unreadable(f"'{shown(value)}' is out of {token.top}, but this column is rated on the {scale} scale")
        return token.number
    if token.kind == "stars":
        if scale != "1-5":
            raise Unreadable(f"'{shown(value)}' is a star rating, but this column is rated on the {scale} scale")
        return token.number
    raise Unreadable(f"'{shown(value)}' is not a rating on the {scale} scale: expected a number")


# --- the column's values ----------------------------------------------------------------------------

@dataclass
class Column:
    counts: dict[object, int]            # distinct non-blank values and how often each occurs
    tokens: dict[object, Token]
    row_values: np.ndarray | None = None  # per row, its distinct value's position in `counts` (-1 blank)
    distinct: list[object] = field(default_factory=list)

    def total(self, kind: str | None = None) -> int:
        return sum(c for v, c in self.counts.items() if kind is None or self.tokens[v].kind == kind)


def read_values(values: object) -> Column:
    """Distinct values with counts from a mapping, a list of (value, count) pairs, or the column itself."""
    pairs: Iterable[tuple[object, int]] | None = None
    rows = None
    if isinstance(values, Mapping):
        pairs = values.items()
    elif not isinstance(values, (pd.Series, np.ndarray)):
        values = list(values)  # type: ignore[arg-type]
        if values and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], (int, np.integer))
                          and not isinstance(v[1], bool) for v in values):
            pairs = values
    if pairs is not None:
        counts: dict[object, int] = {}
        for value, count in pairs:
            if not is_blank(value) and count > 0:
                counts[value] = counts.get(value, 0) + int(count)
        distinct = list(counts)
    else:
        series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        tally = np.bincount(codes[codes >= 0], minlength=len(uniques))
        keep = np.array([not is_blank(v) for v in uniques], dtype=bool)
        position = np.full(len(uniques) + 1, -1)
        distinct = [v for v, k in zip(uniques, keep) if k]
        position[:-1][keep] = np.arange(len(distinct))
        counts = {v: int(tally[i]) for i, v in enumerate(uniques) if keep[i]}
        rows = position[codes]  # code -1 (missing) reads the last entry, -1
    return Column(counts=counts, tokens={v: token_of(v) for v in counts}, row_values=rows, distinct=distinct)


def counted(count: int) -> str:
    return f"{count:,}"


def list_values(items: Sequence[tuple[object, int]], limit: int = 6) -> str:
    listed = [f"{shown(v)} ({counted(c)})" for v, c in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(listed) + more


def number_label(number: float) -> str:
    return f"{number:g}"
