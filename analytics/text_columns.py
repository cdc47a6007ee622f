"""Text columns held in Arrow: their distinct values found by Arrow's hash table, and which of them need tidying.

A sheet's cells arrive as Arrow text (workbooks and CSVs alike). The rules for a cell stay in analytics.values and
are applied once per distinct value; this module finds the distinct values without a Python object per row, and
picks out the few values those rules would change, so a column of 100,000 different references is tidied in Arrow
and only its untidy values in Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Every character Python's str.split() and str.strip() treat as whitespace.
_SPACE = r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
# A value values.clean_text would change: whitespace at either end, two spaces, a tab, a line break or a
# non-breaking space anywhere.
UNTIDY_TEXT = rf"^[{_SPACE}]|[{_SPACE}]$|  |[\t\n\r\x{{a0}}]"
# A value values.clean_prose would change: as above, except that single line breaks between words are kept.
UNTIDY_PROSE = rf"^[{_SPACE}]|[{_SPACE}]$|  |[\t\r\x{{a0}}\x{{0b}}\x{{0c}}\x{{1c}}-\x{{1f}}\x{{85}}\x{{1680}}" \
               rf"\x{{2000}}-\x{{200a}}\x{{2028}}\x{{2029}}\x{{202f}}\x{{205f}}\x{{3000}}]| \n|\n "


def arrow_text(column: pd.Series) -> pa.Array | None:
    """The column as one Arrow text array when pandas holds it in Arrow (no copy), else None."""
    dtype = column.dtype
    held = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or \
        (isinstance(dtype, pd.ArrowDtype) and (pa.types.is_string(dtype.pyarrow_dtype)
                                               or pa.types.is_large_string(dtype.pyarrow_dtype)))
    if not held:
        return None
    array = pa.array(column.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def encode(column: pd.Series) -> tuple[np.ndarray, pa.Array] | None:
    """Per row the index of its distinct value (-1 for a missing cell) and the distinct values, for a column held
    in Arrow; None for any other column."""
    text = arrow_text(column)
    if text is None:
        return None
    encoded = pc.dictionary_encode(text)
    codes = encoded.indices.fill_null(-1).to_numpy().astype(np.intp, copy=False)
    return codes, encoded.dictionary


def untidy(values: pa.Array, pattern: str = UNTIDY_TEXT) -> np.ndarray:
    """Per value, whether the tidying rule `pattern` describes would change it."""
    return pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False).astype(bool)


def among(values: pa.Array, words: frozenset[str]) -> np.ndarray:
    """Per value, whether its lower case is one of `words` (for values that are already tidy)."""
    return pc.is_in(pc.utf8_lower(values), value_set=pa.array(sorted(words), values.type)) \
        .to_numpy(zero_copy_only=False).astype(bool)
