"""Text columns held in Arrow: their distinct values found by Arrow's hash table, and which of them need tidying.

A sheet's cells arrive as Arrow text (workbooks and CSVs alike). The rules for a cell stay in analytics.values and
are applied once per distinct value; this module finds the distinct values without a Python object per row, and
picks out the few values those rules would change, so a column of 100,000 different references is tidied in Arrow
and only its untidy values in Python.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

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


def arrow_text(column: pd.Series) -> pa.ChunkedArray | None:
    """The column's Arrow text when pandas holds it in Arrow (no copy), else None."""
    dtype = column.dtype
    held = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or \
        (isinstance(dtype, pd.ArrowDtype) and (pa.types.is_string(dtype.pyarrow_dtype)
                                               or pa.types.is_large_string(dtype.pyarrow_dtype)))
    if not held:
        return None
    array = pa.array(column.array)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


# The columns encoded last, by the identity of their (immutable) Arrow buffers: reading a sheet asks about the
# same column several times (blank cells, distinct values, parsing). Each entry holds its column, so its buffers
# cannot be freed and their addresses reused while it is kept.
_RECENT: OrderedDict[tuple, tuple[pa.ChunkedArray, np.ndarray, pa.Array]] = OrderedDict()
_KEEP = 64  # more than a sheet usually has: reading a sheet and preparing it ask about each column again
_RECENT_LOCK = threading.Lock()


def encode(column: pd.Series) -> tuple[np.ndarray, pa.Array] | None:
    """Per row the index of its distinct value (-1 for a missing cell) and the distinct values in order of first
    appearance, for a column held in Arrow; None for any other column."""
    text = arrow_text(column)
    if text is None:
        return None
    key = (str(text.type), tuple((chunk.offset, len(chunk), *(b.address if b is not None else 0
                                                              for b in chunk.buffers())) for chunk in text.chunks))
    with _RECENT_LOCK:
        if key in _RECENT:
            _RECENT.move_to_end(key)
            return _RECENT[key][1:]
    encoded = pc.dictionary_encode(text)
    if len({len(chunk.dictionary) for chunk in encoded.chunks}) > 1:
        encoded = encoded.unify_dictionaries()
    dictionary = encoded.chunks[-1].dictionary if encoded.num_chunks else pa.array([], text.type)
    codes = np.concatenate([chunk.indices.fill_null(-1).to_numpy() for chunk in encoded.chunks]) \
        if encoded.num_chunks else np.zeros(0, dtype=np.int32)
    codes.flags.writeable = False  # shared by every caller asking about this column
    with _RECENT_LOCK:
        _RECENT[key] = (text, codes, dictionary)
        while len(_RECENT) > _KEEP:
            _RECENT.popitem(last=False)
    return codes, dictionary


def forget() -> None:
    """Let go of the columns encoded so far (after a sheet is loaded)."""
    with _RECENT_LOCK:
        _RECENT.clear()


def untidy(values: pa.Array, pattern: str = UNTIDY_TEXT) -> np.ndarray:
    """Per value, whether the tidying rule `pattern` describes would change it."""
    return pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False).astype(bool)


def among(values: pa.Array, words: frozenset[str]) -> np.ndarray:
    """Per value, whether its lower case is one of `words` (for values that are already tidy)."""
    return pc.is_in(pc.utf8_lower(values), value_set=pa.array(sorted(words), values.type)) \
        .to_numpy(zero_copy_only=False).astype(bool)
