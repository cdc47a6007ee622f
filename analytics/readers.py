"""Reading an uploaded file into sheets of raw cells, whatever the layout around the table."""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .encodings import EncodingRefused, decode_text_file, readable_file_name
from .header_matching import EXTRA_SYNONYMS
from .header_row import find_header_row
from .sources import SOURCES, normalise_header
from .workbook_reader import ReadLimits, WorkbookRefused, WorkbookSheet, check_file_size, column_number, read_workbook

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
HEADER_SEARCH_ROWS = 30
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TOTAL_WORDS = ("total", "totals", "grand total", "sum", "average", "mean", "overall", "overall total",
                "overall compliance", "overall score", "count")
_KNOWN_HEADERS = frozenset(normalise_header(s) for src in SOURCES.values() for f in src.fields for s in f.synonyms)
# Words that say what a column holds ("date", "received", "unit"...), for headers we never listed word for word.
_KNOWN_WORDS = frozenset(word for name in _KNOWN_HEADERS | {normalise_header(s) for fields in EXTRA_SYNONYMS.values()
                                                            for synonyms in fields.values() for s in synonyms}
                         for word in name.split() if len(word) > 2) - {"the", "and", "you", "your", "our", "was"}


class FileRefused(ValueError):
    """A file that cannot be read at all; nothing from it is stored."""


@dataclass
class RawSheet:
    """The table found on one sheet: headers, cells as read, and each row's number in the file."""

    file_name: str
    sheet: str
    headers: list[str]
    frame: pd.DataFrame
    row_numbers: np.ndarray
    header_row: int
    skipped: list[str] = field(default_factory=list)
    header_evidence: str = ""  # why that row was taken as the header, in words
    # (row, header, cell, formula) of each formula cell with no saved value: it reads as blank
    formulas_without_values: list[tuple[int, str, str, str]] = field(default_factory=list)


def read_sheets(data: bytes, file_name: str, sheet: str | None = None, path: Path | None = None,
                limits: ReadLimits = ReadLimits()) -> list[RawSheet]:
    """Every sheet of a workbook (or the one CSV table) that holds a recognisable table.

    `path`, when the bytes came from a file on disk, lets the readers read it there instead of a copy.
    Limits on size are checked before reading; see analytics.workbook_reader."""
    file_name = readable_file_name(file_name)
    if not data:
        raise FileRefused(f"{file_name}: the file is empty")
    suffix = Path(file_name).suffix.lower()
    if suffix in CSV_SUFFIXES:
        try:
            check_file_size(data, file_name, limits)
        except WorkbookRefused as error:
            raise FileRefused(str(error)) from None
        return [_read_csv(data, file_name, path, limits)]
    if suffix in EXCEL_SUFFIXES:
        return _read_workbook(data, file_name, sheet, path, limits)
    raise FileRefused(f"{file_name}: files ending {suffix or '(no extension)'} are not supported; "
                      "upload .xlsx, .xlsm, .xls or .csv")


def _read_workbook(data: bytes, file_name: str, only_sheet: str | None, path: Path | None,
                   limits: ReadLimits) -> list[RawSheet]:
    if data[:8] == _OLE_MAGIC and Path(file_name).suffix.lower() != ".xls":
        raise FileRefused(f"{file_name}: the workbook is password-protected or encrypted; "
                          "save an unprotected copy and upload that")
    try:
        found = read_workbook(data, file_name, limits, path)
    except WorkbookRefused as error:
        raise FileRefused(str(error)) from None
    names = [s.name for s in found]
    if only_sheet is not None:
        if only_sheet not in names:
            raise FileRefused(f"{file_name}: there is no sheet called {only_sheet!r}; "
                              f"its sheets are {', '.join(map(repr, names))}")
        found = [s for s in found if s.name == only_sheet]
    sheets, skipped = [], []
    for workbook_sheet in found:
        name = workbook_sheet.name
        if not workbook_sheet.visible and only_sheet is None:
            skipped.append(f"sheet {name!r} is hidden; not loaded (name it with --sheet to load it)")
            continue
        if workbook_sheet.table.num_rows == 0:
            skipped.append(f"sheet {name!r} is empty")
            continue
        table = _table_from_arrow(workbook_sheet, file_name)
        if table is None:
            skipped.append(f"sheet {name!r} has no header row we recognise in its first {HEADER_SEARCH_ROWS} rows")
        else:
            sheets.append(table)
    if not sheets:
        reasons = "; ".join(skipped) or "it has no sheets"
        raise FileRefused(f"{file_name}: no table found ({reasons}). Expected a header row with columns "
                          "such as Date, Team/Unit, Shift, Item/Question, Answer, Rating or Comment")
    sheets[0].skipped.extend(skipped)
    return sheets


def _table_from_arrow(found: WorkbookSheet, file_name: str) -> RawSheet | None:
    """The table on a sheet read as text: the header row found in its first rows, the rows below it as columns."""
    table = found.table
    top = [list(row.values()) for row in table.slice(0, HEADER_SEARCH_ROWS).to_pylist()]
    header_index, why = header_row(top)
    if header_index is None:
        return None
    headers, _ = _headers(top[header_index])
    combined = _with_second_header(top[header_index], top[header_index + 1] if header_index + 1 < len(top) else [])
    if combined is not None:
        headers, header_index = combined, header_index + 1
    body = table.slice(header_index + 1)
    # Kept in Arrow (pandas' "str"), as a CSV's columns are: no Python object per cell.
    frame = pd.DataFrame({h: body.column(i).to_pandas() for i, h in enumerate(headers)})
    if combined is not None:
        why += "; the row below it names each answer ('Response'...): a second header row, read with the first"
    first = found.first_row + header_index + 1
    numbers = np.arange(len(body)) + first
    sheet = RawSheet(file_name, found.name, headers, frame, numbers, first - 1, header_evidence=why)
    offset = _first_column(found, top)
    sheet.formulas_without_values = [(row, headers[(column_number(column) - 1) - offset], f"{column}{row}", formula)
                                     for row, column, formula in found.formulas_without_values
                                     if row >= first and 0 <= (column_number(column) - 1) - offset < len(headers)]
    return _trimmed(sheet)


def _first_column(found: WorkbookSheet, top: list[list[object]]) -> int:
    """The sheet column (A = 0) of the table's first column: the reader starts the table at its leftmost cell."""
    if not top or found.first_cell_column == 0:
        return 0
    leading = next((i for i, value in enumerate(top[0]) if value is not None), 0)
    return found.first_cell_column - 1 - leading


def header_row(rows: list[list[object]]) -> tuple[int | None, str]:
    """The header row and why: the row naming the most columns we know, by their exact names, when one names at
    least two; otherwise the row the sheet's shape points to, if two of its cells use words our columns use."""
    best, best_score = None, 1
    for index, row in enumerate(rows):
        # Distinct names: a row of answers that happen to be a column's name ("Compliant" eight times) is data.
        score = len({normalise_header(c) for c in row if isinstance(c, str) and c.strip()} & _KNOWN_HEADERS)
        if score > best_score:
            best, best_score = index, score
    if best is not None:
        return best, f"row {best + 1} of the table names {best_score} columns we know"
    index, why = find_header_row(rows)
    if index is None:
        return None, why
    known = sum(1 for c in rows[index] if isinstance(c, str) and set(normalise_header(c).split()) & _KNOWN_WORDS)
    return (index, why) if known >= 2 else (None, why)


# What survey tools (SurveyMonkey) write in a second header row under each question.
_ANSWER_LABELS = frozenset({"response", "responses", "open ended response", "open ended responses", "answer",
                            "other please specify", "comments"})


def _with_second_header(first: list[object], second: list[object]) -> list[str] | None:
    """Headers from two header rows, when the second only names the kind of answer under each question (as
    SurveyMonkey exports do): "Response" adds nothing; an option's name is joined to its question."""
    labels = [c for c in second if isinstance(c, str) and c.strip()]
    if len(labels) < 2 or any(not isinstance(c, str) for c in second if c is not None and str(c).strip()):
        return None
    if sum(normalise_header(c) in _ANSWER_LABELS for c in labels) < max(2, len(labels) // 2):
        return None
    names, question = [], ""
    for position, cell in enumerate(first + [None] * (len(second) - len(first))):
        if cell not in (None, "") and str(cell).strip():
            question = str(cell)
        label = second[position] if position < len(second) else None
        if isinstance(label, str) and label.strip() and normalise_header(label) not in _ANSWER_LABELS:
            names.append(f"{question}: {label}")
        else:
            names.append(question if cell not in (None, "") else "")
    return _headers(names)[0]


def _headers(row: list[object]) -> tuple[list[str], list[int]]:
    """Unique header names for the non-blank header cells, and the positions they come from."""
    headers, keep, seen = [], [], {}
    for position, cell in enumerate(row):
        name = " ".join(str(cell).replace("\u00a0", " ").split()) if cell not in (None, "") else ""
        if not name:
            name = f"Column {position + 1}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        headers.append(name if count == 1 else f"{name} ({count})")
        keep.append(position)
    return headers, keep


def _trimmed(sheet: RawSheet) -> RawSheet:
    """Drop spacer columns (no header, no values) and totals rows at the foot of the table."""
    frame = sheet.frame
    for name in list(frame.columns):
        if name.startswith("Column ") and _all_blank(frame[name]):
            frame = frame.drop(columns=name)
    sheet.headers = list(frame.columns)
    tail = frame.tail(10)
    totals = [i for i, row in zip(tail.index, tail.itertuples(index=False)) if _is_totals_row(row)]
    if totals:
        positions = [frame.index.get_loc(i) for i in totals]
        sheet.skipped.extend(f"row {sheet.row_numbers[p]} looks like a totals row; not loaded" for p in positions)
        keep = np.ones(len(frame), dtype=bool)
        keep[positions] = False
        frame = frame[keep].reset_index(drop=True)
        sheet.row_numbers = sheet.row_numbers[keep]
    sheet.frame = frame.reset_index(drop=True)
    return sheet


def _all_blank(column: pd.Series) -> bool:
    return bool(column.isna().all() or column.astype(str).str.strip().eq("").all())


def _is_totals_row(row: tuple) -> bool:
    first = next((c for c in row if c is not None and not pd.isna(c) and str(c).strip()), None)
    if not isinstance(first, str):
        return False
    text = normalise_header(first)
    return text in _TOTAL_WORDS or text.startswith(("total ", "totals ", "grand total"))


def _read_csv(data: bytes, file_name: str, path: Path | None, limits: ReadLimits) -> RawSheet:
    try:
        text_bytes, encoding = decode_text_file(data, file_name)
    except EncodingRefused as error:
        raise FileRefused(str(error)) from None
    sample = text_bytes[:256 * 1024].decode("utf-8", errors="replace")
    sample_lines = sample.splitlines()[:HEADER_SEARCH_ROWS + 1]
    delimiter = _delimiter(sample_lines)
    rows = list(csv.reader(sample_lines[:HEADER_SEARCH_ROWS], delimiter=delimiter))
    header_index, why = header_row(rows)
    if header_index is None:
        raise FileRefused(f"{file_name}: no header row we recognise in the first {HEADER_SEARCH_ROWS} rows. "
                          "Expected columns such as Date, Team/Unit, Shift, Item/Question, Answer, Rating or Comment")
    headers, _ = _headers(rows[header_index])
    combined = _with_second_header(rows[header_index], rows[header_index + 1] if header_index + 1 < len(rows) else [])
    if combined is not None:
        headers, header_index = combined, header_index + 1
    if len(headers) > limits.max_columns:
        raise FileRefused(f"{file_name}: the header row has {len(headers):,} columns, more than the limit of "
                          f"{limits.max_columns:,} (max_columns); take out the unused columns and upload again")
    on_disk = path if path is not None and text_bytes is data else None
    frame = _duckdb_csv(text_bytes, file_name, header_index, delimiter, len(headers), on_disk)
    frame.columns = headers[:len(frame.columns)] + [f"Column {i + 1}" for i in range(len(headers), frame.shape[1])]
    numbers = _csv_row_numbers(text_bytes, header_index, len(frame))
    sheet = RawSheet(file_name, "", list(frame.columns), frame, numbers, header_index + 1 - (combined is not None),
                     header_evidence=why + ("; the row below it names each answer ('Response'...): a second header"
                                            " row, read with the first" if combined is not None else ""))
    if encoding != "UTF-8":
        sheet.skipped.append(f"read as {encoding} text")
    return _trimmed(sheet)


def _csv_row_numbers(data: bytes, header_index: int, count: int) -> np.ndarray:
    """Each record's row as a person sees it in Excel (one row per record, a blank line a blank row), right
    however many line breaks the comments above it hold."""
    numbers = np.arange(count) + header_index + 2
    lines_after_header = data.count(b"\n") - header_index - (0 if data.endswith(b"\n") else -1) - 1
    if lines_after_header == count:
        # A record over two lines, or a blank line (which the reader skips), each leaves fewer records than lines:
        # as many records as lines means every record is on its own row.
        return numbers
    buffer = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(buffer == 10)
    quotes = np.flatnonzero(buffer == 34)
    # A line break ends a record only outside quotes: after an even number of quote marks ("" included).
    ends = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(buffer)]])
    if starts[-1] >= len(buffer):
        starts, stops = starts[:-1], stops[:-1]
    length = stops - starts
    last = np.where(length > 0, buffer[np.maximum(stops - 1, 0)], 0)
    blank = (length == 0) | ((length == 1) & (last == 13))
    rows = np.flatnonzero(~blank) + 1  # Excel counts every record, blank ones too
    rows = rows[rows > header_index + 1]
    return rows[:count] if len(rows) >= count else numbers


def _scan_csv_file(path: str, file_name: str, header_index: int, delimiter: str) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute("SET arrow_large_buffer_size = true")  # text as pandas holds it: no conversion on the way
    try:
        try:
            return _scan_csv(con, path, header_index, delimiter, parallel=True)
        except duckdb.Error as error:
            if "parallel" not in str(error):
                raise FileRefused(f"{file_name}: could not be read as CSV: {str(error).splitlines()[0]}") from None
            # Line breaks inside quoted comments need the single-threaded reader.
            return _scan_csv(con, path, header_index, delimiter, parallel=False)
    finally:
        con.close()


def _scan_csv(con: duckdb.DuckDBPyConnection, path: str, header_index: int, delimiter: str,
              parallel: bool) -> pd.DataFrame:
    # Through Arrow, so the text columns reach pandas without a Python object per cell.
    table = con.sql(
        "SELECT * FROM read_csv(?, header = false, skip = ?, all_varchar = true, delim = ?, quote = '\"', "
        "escape = '\"', null_padding = true, strict_mode = false, parallel = ?)",
        params=[path, header_index + 1, delimiter, parallel]).to_arrow_table()
    return table.to_pandas()


def _delimiter(lines: list[str]) -> str:
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _duckdb_csv(data: bytes, file_name: str, header_index: int, delimiter: str, width: int,
                path: Path | None) -> pd.DataFrame:
    # DuckDB's reader is several times faster than Python's csv module on large exports; it reads the
    # uploaded file itself when that is plain UTF-8, else a converted copy.
    if path is not None:
        frame = _scan_csv_file(str(path), file_name, header_index, delimiter)
    else:
        handle, copy = tempfile.mkstemp(suffix=".csv")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            frame = _scan_csv_file(copy, file_name, header_index, delimiter)
        finally:
            os.unlink(copy)
    for i in range(frame.shape[1], width):
        frame[f"extra{i}"] = None
    return frame
