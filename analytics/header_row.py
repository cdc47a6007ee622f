"""Which row of a sheet is its header, found by the SHAPE of the sheet, not by known names: the header is a row of
short distinct labels spanning the table, above a block of rows whose columns each hold one kind of value
(dates, numbers, text). Titles, notes, blank rows and part-width rows above it are skipped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from .date_cells import parse_date
from .sources import SOURCES, normalise_header
from .values import (
    Unreadable,
    clean_text,
    is_blank,
    parse_number,
)

BODY_ROWS = 15  # rows below a candidate header examined for consistent columns
LABEL_MAX_CHARS = 80  # a header cell longer than this reads as a title or a note, not a label
HEADER_MIN_SCORE = 0.4  # below this no row is taken as the header
_KNOWN_HEADERS = frozenset(normalise_header(s) for src in SOURCES.values() for f in src.fields for s in f.synonyms)
_KIND_WORDS = {"date": "dates", "number": "numbers", "text": "short text", "prose": "free text"}
_NOTE_START = ("note", "notes", "please", "source", "generated", "printed", "produced", "run on", "report run",
               "data as at", "filter", "key", "instructions", "nb")


def cell_kind(value: object) -> str:
    """'blank', 'date', 'number' or 'text' for one cell, by what it holds rather than how it is stored."""
    if is_blank(value):
        return "blank"
    if isinstance(value, bool):
        return "text"
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return "date"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    return _text_kind(str(value))


@lru_cache(maxsize=16384)
def _text_kind(value: str) -> str:
    text = clean_text(value)
    if _is_number_text(text):
        return "number"
    if any(ch.isdigit() for ch in text) and len(text) <= 40:
        try:
            # A plausible year only: parse_date reads a code such as "MAR/0011" as March in the year 11.
            if 1950 <= parse_date(text).year <= 2100:
                return "date"
        except (Unreadable, ValueError, OverflowError):
            pass
    return "text"


def _is_number_text(text: str) -> bool:
    stripped = text.strip().lstrip("£$€-+").rstrip("%").replace(",", "").strip()
    try:
        float(stripped)
    except ValueError:
        try:
            parse_number(text)
        except Unreadable:
            return False
    return True


@dataclass
class _Column:
    kind: str  # the commonest kind below the candidate header
    share: float  # the share of the column's filled cells that are of that kind
    values: frozenset[str]
    long: bool  # text mostly long enough to be free text


def _columns_below(body: list[list[object]], width: int) -> dict[int, _Column]:
    found = {}
    for position in range(width):
        cells = [row[position] for row in body if position < len(row)]
        kinds = [cell_kind(c) for c in cells]
        filled = [(c, k) for c, k in zip(cells, kinds) if k != "blank"]
        if not filled:
            continue
        counts = Counter(k for _, k in filled)
        kind, count = counts.most_common(1)[0]
        texts = [clean_text(c) for c, k in filled if k == "text"]
        long = bool(texts) and sum(len(t) >= 40 or len(t.split()) >= 6 for t in texts) * 2 >= len(texts)
        found[position] = _Column(kind, count / len(filled), frozenset(normalise_header(c) for c, _ in filled),
                                  long)
    return found


def _row_cells(row: list[object]) -> dict[int, object]:
    return {i: c for i, c in enumerate(row) if cell_kind(c) != "blank"}


def _header_evidence(rows: list[list[object]], index: int) -> tuple[float, dict]:
    """How much row `index` looks like the header of the rows below it (about 0-1, plus a little for names we
    know), and the evidence."""
    cells = _row_cells(rows[index])
    if len(cells) < 2:
        return 0.0, {}
    body = [row for row in rows[index + 1:] if _row_cells(row)][:BODY_ROWS]
    width = max([len(rows[index])] + [len(row) for row in body])
    below = _columns_below(body, width)
    names = {i: normalise_header(c) for i, c in cells.items()}
    distinct = len(set(names.values())) / len(names)
    known = sum(1 for n in names.values() if n in _KNOWN_HEADERS)
    if not below:
        # Headers with no rows under them (an empty template): only known names can tell.
        labels = sum(1 for c in cells.values() if _is_label(c, None)) / len(cells)
        score = labels * distinct * 0.6 if known >= 2 else 0.0
        return score, {"cells": cells, "labels": labels, "known": known, "below": below, "body": 0}
    labels = sum(1 for i, c in cells.items() if _is_label(c, below.get(i))) / len(cells)
    covered = [i for i in below if i in cells]
    coverage = len(covered) / len(below)
    consistency = sum(col.share for col in below.values()) / len(below)
    contrast = sum(_contrast(cells[i], below[i]) for i in covered) / len(covered) if covered else 0.0
    # The block must start right under the header: a row of labels above another row of labels (a
    # full-width "Home | Oakwood | Month | February" line above the real header) is not the header.
    first = {i: kind for i, c in _row_cells(body[0]).items() if i in below for kind in [cell_kind(c)]}
    starts = sum(kind == below[i].kind for i, kind in first.items()) / len(first) if first else 1.0
    score = (coverage * labels * distinct * consistency * (0.4 + 0.6 * contrast) * (0.7 + 0.3 * starts)
             + 0.05 * min(known, 3))
    evidence = {"cells": cells, "labels": labels, "known": known, "below": below, "body": len(body),
                "coverage": coverage, "consistency": consistency, "contrast": contrast}
    return score, evidence


def _is_label(cell: object, column: _Column | None) -> bool:
    kind = cell_kind(cell)
    if kind == "text":
        return len(clean_text(cell)) <= LABEL_MAX_CHARS
    # A date or number heading a column of another kind (dates across a wide rota) is a label too.
    return column is not None and column.kind != kind


def _contrast(cell: object, column: _Column) -> float:
    """1 when the header cell is unlike the values below it: text over dates or numbers, or a name
    that appears nowhere in a text column; 0 when it could be one of the column's values."""
    kind = cell_kind(cell)
    if kind != column.kind:
        return 1.0
    if kind == "text" and normalise_header(cell) not in column.values:
        return 1.0 if len(column.values) > 1 or column.long else 0.5
    return 0.0


def find_header_row(rows: list[list[object]]) -> tuple[int | None, str]:
    """The index of the header row among `rows` (the first rows of a sheet), and the evidence in plain English.

    The header is the row of short distinct labels that spans the table and sits above rows whose columns
    each hold one kind of value; rows above it (titles, notes, blanks, part-width rows) are skipped.
    Returns (None, reason) when no row looks like a header."""
    rows = [list(row) for row in rows]
    if not rows:
        return None, "the sheet has no rows"
    scored = [_header_evidence(rows, i) for i in range(len(rows))]
    best = max(range(len(rows)), key=lambda i: (round(scored[i][0], 6), -i))
    score, evidence = scored[best]
    if score < HEADER_MIN_SCORE:
        return None, (f"no row looks like a header in the first {len(rows)} rows: none has two or more short "
                      "distinct labels spanning the columns above rows that each hold one kind of value")
    return best, _reason(rows, best, evidence)


def _reason(rows: list[list[object]], index: int, evidence: dict) -> str:
    cells = evidence["cells"]
    shown = ", ".join(repr(clean_text(c)) for c in list(cells.values())[:4]) + (", ..." if len(cells) > 4 else "")
    parts = [f"row {index + 1} ({shown}) is the header: {len(cells)} distinct labels"]
    below = evidence["below"]
    if below:
        missing = len(below) - sum(1 for i in below if i in cells)
        if missing:
            parts[0] += f" ({missing} column{'s' if missing > 1 else ''} without a name)"
        kinds = []
        for position, column in list(below.items())[:6]:
            name = clean_text(cells[position]) if position in cells else f"column {position + 1}"
            kind = "prose" if column.kind == "text" and column.long else column.kind
            kinds.append(f"{name}: {_KIND_WORDS[kind]}")
        parts.append(f"the {evidence['body']} rows below hold one kind of value per column "
                     f"({round(100 * evidence['consistency'])}% consistent; {'; '.join(kinds)})")
    else:
        parts.append(f"no rows below it, but {evidence['known']} of its names are ones we know")
    skipped = Counter(_describe(row, len(below) or len(cells)) for row in rows[:index])
    if skipped:
        parts.append(f"above it, skipped: {', '.join(f'{n} {what}' for what, n in skipped.items())}")
    return "; ".join(parts)


def _describe(row: list[object], width: int) -> str:
    cells = list(_row_cells(row).values())
    if not cells:
        return "blank"
    if len(cells) == 1:
        text = normalise_header(cells[0])
        return "note" if text.startswith(_NOTE_START) or str(cells[0]).lstrip().startswith("*") else "title"
    return f"part-width row ({len(cells)} of {width} columns)"
