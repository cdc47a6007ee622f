"""Text held in Arrow is tidied, judged blank and counted exactly as the per-value rules in analytics.values do."""

import pandas as pd
import pytest

from analytics.text_columns import encode
from analytics.values import blank_mask, clean_prose, clean_text, distinct_values, parse_column

CELLS = ["Rowan Unit", "  Rowan\u00a0 Unit ", "Willow\nUnit", "a\u2003b", "a\u2003 b", "\u3000lead", "trail\u2028",
         "two  spaces", "tab\there", "N/A", "n/k", " - ", "NULL", "none given", "None", "", "   ", "\u00a0",
         "line one\nline two", "line one \nline two", "line one\n\nline two", "\nfirst", "last\n", "a\r\nb",
         "a\x0bb", "a\x1fb", "a\x85b", "Kelvin n/\u212a", "n/\u212a", "café", "ÉCOLE", None, "x" * 40]


def _both(cells: list) -> tuple[pd.Series, pd.Series]:
    arrow = pd.Series(cells, dtype="str")
    assert encode(arrow) is not None
    return arrow, pd.Series(cells, dtype=object)


@pytest.mark.parametrize("tidy", [clean_text, clean_prose])
def test_text_tidied_in_arrow_as_the_rule_tidies_each_value(tidy):
    arrow, plain = _both(CELLS * 3)
    assert encode(plain) is None  # the object column takes the per-value path
    fast, slow = parse_column(arrow, tidy), parse_column(plain, tidy)
    assert list(fast.values) == list(slow.values)
    assert [r for r in fast.reasons] == [r for r in slow.reasons]


@pytest.mark.parametrize("cell", CELLS)
def test_each_cell_alone(cell):
    arrow, plain = _both([cell, "Oak"])
    assert blank_mask(arrow).tolist() == blank_mask(plain).tolist()
    assert list(parse_column(arrow, clean_text).values) == list(parse_column(plain, clean_text).values)
    assert list(parse_column(arrow, clean_prose).values) == list(parse_column(plain, clean_prose).values)
    assert distinct_values(arrow) == distinct_values(plain)


def test_codes_point_at_first_appearance_and_missing_cells_are_minus_one():
    codes, dictionary = encode(pd.Series(["b", None, "a", "b"], dtype="str"))
    assert codes.tolist() == [0, -1, 1, 0] and dictionary.to_pylist() == ["b", "a"]
    assert codes.dtype.kind == "i"


def test_a_column_changed_since_it_was_encoded_is_encoded_again():
    column = pd.Series(["a", "b", "a"], dtype="str")
    first = encode(column)
    assert encode(column)[0] is first[0]  # asked again: the same encoding, not a second one
    column.iloc[0] = "c"
    codes, dictionary = encode(column)
    assert dictionary.to_pylist() == ["c", "b", "a"] and codes.tolist() == [0, 1, 2]


def test_an_encoding_cannot_be_changed_by_a_caller():
    codes, _ = encode(pd.Series(["a", "b"], dtype="str"))
    with pytest.raises(ValueError):
        codes[0] = 5
