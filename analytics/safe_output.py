"""Provider-supplied text made safe to hand out: inert in a spreadsheet, literal on a page.

Service, team, shift, item and category names, file names and free text come from the providers' own
spreadsheets, so any of them may hold a spreadsheet formula ('=HYPERLINK(...)') or Markdown ('[Click](http://..)').

- `spreadsheet_text` applies OWASP's rule against CSV (formula) injection: text starting with `=`, `+`, `-`, `@`,
  a tab or a carriage return is written as text, with a single quote in front; everything else is unchanged
  (numbers stay numbers). `safe_frame` does it to every text cell and header of a table, `safe_csv` writes such a
  table as a .csv with every text quoted, and `safe_workbook` does it to every cell of an openpyxl workbook, which
  would otherwise store a str starting with "=" as a formula.
- `plain_markdown` escapes text for Streamlit's Markdown (st.markdown, st.caption, st.write, headers, alerts,
  widget labels, st.table cells), so a name shows as written: no link, image, HTML, emphasis or formula.

Plain Python: no Streamlit here.
"""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

if TYPE_CHECKING:  # openpyxl is imported by what writes a workbook, not by every page that makes text safe
    from openpyxl import Workbook

# OWASP's CSV injection guidance: the characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

T = TypeVar("T")

# Markdown, HTML and Streamlit's own syntax that may stand anywhere in a line: emphasis (* ~, and _ unless it
# stands between two letters or digits, where CommonMark never reads it as emphasis: "family_survey.csv" stays as
# it is), code (`), links, images and Streamlit directives ([ ]), HTML and autolinks (< > &), formulas ($) and
# table cells (|).
_ANYWHERE = re.compile(r"[\\`*~\[\]<>&$|]|(?<![^\W_])_|_(?![^\W_])")
# Bare web addresses GitHub-flavoured Markdown turns into live links: "http://..." and "www....".
_AUTOLINK_COLON = re.compile(r":(?=//)")
_AUTOLINK_WWW = re.compile(r"(?i)(\bwww)\.")
# What starts a block only at the start of the text: a heading, a list item, a numbered item, a setext line.
_BLOCK_START = re.compile(r"^(\s*)([#+\-=])")
_NUMBERED = re.compile(r"^(\s*\d+)([.)])")
_WHITESPACE = re.compile(r"\s+")


def spreadsheet_text(value: T) -> T | str:
    """The value as a spreadsheet should hold it: a str a spreadsheet would read as a formula gets a single quote
    in front (OWASP's CSV-injection rule); anything else, numbers included, is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table with `spreadsheet_text` applied to every text cell and to the column headers."""
    safe = frame.copy()
    safe.columns = [spreadsheet_text(column) for column in safe.columns]
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if column.dtype == object or isinstance(column.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            safe.isetitem(position, pd.Series([spreadsheet_text(value) for value in column], index=column.index,
                                              dtype=object))
    return safe


def safe_csv(frame: pd.DataFrame) -> bytes:
    """The table as a .csv to hand out: `safe_frame`, every text field in double quotes (so a carriage return in
    one, which pandas would otherwise leave bare, cannot start a new row beginning with a formula), UTF-8 with a
    byte-order mark so Excel reads the accents."""
    return safe_frame(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


def safe_workbook(workbook: Workbook) -> Workbook:
    """The workbook with no formula left in it: every text cell (and any cell openpyxl took for a formula, because
    its text started with "=") rewritten as inert text by `spreadsheet_text`. Changes the workbook in place."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = spreadsheet_text(cell.value)
    return workbook


def safe_row(values: list[Any]) -> list[Any]:
    """A row to append to a worksheet, each text made inert by `spreadsheet_text`."""
    return [spreadsheet_text(value) for value in values]


def plain_markdown(text: object) -> str:
    """The text escaped for Streamlit's Markdown, so it renders literally: "[Click](http://evil)",
    "![x](http://evil/img.png)", "<img src=x>", "**bold**" and "$x$" show as written, as does a bare web address
    (an email address may still show as a mail link, as GitHub-flavoured Markdown makes it one).

    Runs of whitespace (line breaks and tabs included) become one space, so the text cannot start a new block.
    None is an empty string; anything else is shown as its str()."""
    if text is None:
        return ""
    escaped = _WHITESPACE.sub(" ", str(text))
    escaped = _ANYWHERE.sub(lambda found: "\\" + found.group(), escaped)
    escaped = _AUTOLINK_COLON.sub(r"\\:", escaped)
    escaped = _AUTOLINK_WWW.sub(r"\1\\.", escaped)
    escaped = _BLOCK_START.sub(r"\1\\\2", escaped)
    return _NUMBERED.sub(r"\1\\\2", escaped)
