"""The rows behind a piece of evidence: which rows in words, and the rows themselves, masked.

A finding's evidence names the rows it rests on. `selection_of` reads that as a `RowSelection` (a source, column
equalities, a date range and the narrowings no single column holds), from the evidence's structured fields where a
producer gave them, else from its `rows` text. `describe` says it in words ("scheduled audits on Willow Unit at
Oakwood House, nights, May to October 2026"); `fetch` selects the rows with bound parameters and masks personal
data in them, as every page shows text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from .findings import Evidence
from .key_questions import classify
from .measures import DATE_COLUMNS, measure
from .privacy import mask_series
from .scope import month_end, month_start

# The columns a reader needs, in reading order (row keys, hashes and batch ids are the store's, not theirs).
SHOWN_COLUMNS = {
    "audits": ["audit_date", "service", "team", "shift", "audit_type", "section", "item", "answer", "spot_check",
               "audit_ref", "auditor"],
    "complaints": ["received_date", "reference", "service", "team", "shift", "category", "summary", "severity",
                   "complainant", "outcome", "status"],
    "rota": ["rota_date", "service", "team", "shift", "role", "planned_hours", "actual_hours", "agency_hours",
             "bank_hours", "unfilled_shifts", "handover_completed"],
    "feedback": ["feedback_date", "service", "team", "shift", "respondent_type", "question", "rating", "comment",
                 "channel"],
}
# Free text and people's names: masked unless the person's role may see the original and asked to.
PERSONAL_COLUMNS = {"auditor", "summary", "complainant", "comment"}
FILTER_COLUMNS = ("service", "team", "shift", "audit_type", "section", "item", "category", "question",
                  "respondent_type", "role", "audit_ref")
NOUNS = {"audits": "audit answers", "complaints": "complaints", "rota": "rota lines", "feedback": "feedback answers"}
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_QUOTED = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""
_EQUALS = re.compile(rf"\b({'|'.join(FILTER_COLUMNS)}) = ({_QUOTED})")
_ISO_RANGE = re.compile(r"(?:\w+_date )?(?:from )?(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})")
_UK_RANGE = re.compile(r"(?:\w+_date )?(?:from )?(\d{2}/\d{2}/\d{4}) to (\d{2}/\d{2}/\d{4})")
_LONG_RANGE = re.compile(r"(?:\w+_date )?(?:from )?(\d{1,2} [A-Z][a-z]{2} \d{4}) to (\d{1,2} [A-Z][a-z]{2} \d{4})")
_PLAIN = re.compile(r"^\w+ rows for (.*?), \w+_date from")
_PLAIN_PAIR = re.compile(rf"(?:^| and )({'|'.join(FILTER_COLUMNS)}) (.*?)(?= and (?:{'|'.join(FILTER_COLUMNS)}) |$)")
_SAID_RESPONDENT = re.compile(r"respondent_type ([a-z][\w ]*?),")
_MAPPED = re.compile(r"(?:audit types|categories) mapped to ([\w-]+)")


@dataclass(frozen=True)
class RowSelection:
    """Which rows of one source a figure rests on."""

    source: str                                  # audits | complaints | rota | feedback
    equals: tuple[tuple[str, str], ...] = ()     # column = value, in the order given
    start: date | None = None
    end: date | None = None
    spot_check: bool | None = None               # True: unannounced spot checks only; False: scheduled audits only
    key_question: str | None = None              # audit types or complaint categories mapped to this key question
    note: str = ""                               # a narrowing no column holds (a theme), said in words, not applied

    def value(self, column: str) -> str | None:
        return dict(self.equals).get(column)


def selection_of(evidence: Evidence) -> RowSelection | None:
    """The rows an evidence item rests on, or None where it names no rows of the four sources (leaders' views)."""
    if evidence.where and evidence.source in DATE_COLUMNS:
        return RowSelection(evidence.source, tuple(evidence.where), _day(evidence.start), _day(evidence.end))
    return parse_rows(evidence.source, evidence.rows)


def parse_rows(source: str, rows: str) -> RowSelection | None:
    """A RowSelection from the text the analytics wrote for a reader to reproduce a figure, e.g.
    "audits: service = 'Oakwood House', team = 'Willow Unit', spot_check IS NOT TRUE, audit_date 2026-08-01 to
    2026-10-31" or "rota rows for service Oakwood House and shift Night, rota_date from 01 May 2025 to 31 Oct 2026"."""
    table = re.match(r"\s*(\w+)", rows or "")
    source = table.group(1) if table and table.group(1) in DATE_COLUMNS else source
    if source not in DATE_COLUMNS or not rows:
        return None
    plain = _PLAIN.match(rows)
    if plain:
        equals = tuple((m.group(1), m.group(2)) for m in _PLAIN_PAIR.finditer(plain.group(1)))
    else:
        equals = tuple((m.group(1), _unquote(m.group(2))) for m in _EQUALS.finditer(rows))
        said = _SAID_RESPONDENT.search(rows)  # "respondent_type family or friend", as the triangulation writes it
        equals += (("respondent_type", said.group(1)),) if said else ()
    start, end = _range(rows)
    spot = True if re.search(r"spot_check = true", rows, re.I) else \
        False if re.search(r"spot_check IS NOT TRUE|spot_check = false", rows, re.I) else None
    mapped = _MAPPED.search(rows)
    theme = re.search(rf"in theme ({_QUOTED})", rows)
    note = f"those in the theme {_unquote(theme.group(1))}" if theme else ""
    return RowSelection(source, equals, start, end, spot, mapped.group(1) if mapped else None, note)


def _unquote(text: str) -> str:
    return text[1:-1].replace("\\'", "'").replace('\\"', '"')


def _range(rows: str) -> tuple[date | None, date | None]:
    for pattern, read in ((_ISO_RANGE, date.fromisoformat),
                          (_UK_RANGE, lambda t: datetime.strptime(t, "%d/%m/%Y").date()),
                          (_LONG_RANGE, lambda t: date(int(t[-4:]), _MONTHS[t.split()[1].lower()],
                                                       int(t.split()[0])))):
        found = pattern.search(rows)
        if found:
            return read(found.group(1)), read(found.group(2))
    return None, None


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


# In words ------------------------------------------------------------------------------------------------------

def shift_words(shift: str) -> str:
    """'Night' → 'nights', 'Day' → 'days', anything else → 'late shifts'."""
    lowered = shift.strip().lower()
    return f"{lowered}s" if lowered in ("night", "day") else f"{lowered} shifts"


def period_words(start: date | None, end: date | None) -> str:
    """'May to October 2026', 'May 2025 to October 2026', 'October 2026', or days where a range is not whole
    months ('3 May to 31 October 2026'); nothing without dates."""
    if start is None or end is None:
        return ""
    whole = start.day == 1 and (end + pd.Timedelta(days=1)).day == 1
    if not whole:
        first = f"{start.day} {start:%B}" + (f" {start.year}" if start.year != end.year else "")
        return f"{first} to {end.day} {end:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{end:%B %Y}"
    first = f"{start:%B}" + (f" {start.year}" if start.year != end.year else "")
    return f"{first} to {end:%B %Y}"


def month_rows(measure_id: str, month: date, service: str, team: str | None = None, shift: str | None = None,
               audit_type: str | None = None) -> RowSelection:
    """The rows behind one month's point of a measure's chart at a place (the measure's own source; for a rate, the
    events counted, not the hours they are divided by)."""
    place = (("service", service), ("team", team), ("shift", shift), ("audit_type", audit_type))
    return RowSelection(measure(measure_id).source, tuple((c, v) for c, v in place if v is not None),
                        month_start(month), month_end(month))


def describe(selection: RowSelection) -> str:
    """The rows in words, e.g. "scheduled audit answers on 'Hand-wash basins clear and stocked' (Infection control
    audits) on Willow Unit at Oakwood House, late shifts, May to October 2026"."""
    value = selection.value
    noun = NOUNS[selection.source]
    if selection.spot_check is not None:
        noun = ("spot-check " if selection.spot_check else "scheduled ") + noun
    about = []
    if value("item"):
        about.append(f"on '{value('item')}'")
    elif value("section"):
        about.append(f"in the '{value('section')}' section")
    if value("question"):
        about.append(f"to '{value('question')}'")
    if value("audit_type"):
        about.append(f"({value('audit_type')} audits)" if about else f"from {value('audit_type')} audits")
    if value("category"):
        about.append(f"about '{value('category')}'")
    if value("respondent_type"):
        about.append(f"from {value('respondent_type').lower()}")
    if value("role"):
        about.append(f"for {value('role')} shifts")
    if selection.key_question:
        kind = "audit types" if selection.source == "audits" else "categories"
        about.append(f"in {kind} mapped to {selection.key_question}")
    place = f"at {value('service')}" if value("service") else "in every service"
    if value("team"):
        place = f"on {value('team')} {place}"
    parts = [" ".join([noun, *about, place])]
    if value("shift"):
        parts.append(shift_words(value("shift")))
    parts.append(period_words(selection.start, selection.end))
    text = ", ".join(part for part in parts if part)
    return f"{text} ({selection.note})" if selection.note else text


def evidence_words(evidence: Evidence) -> str:
    """Which rows an evidence item rests on, in words; what the analytics wrote where it names no source rows."""
    selection = selection_of(evidence)
    return describe(selection) if selection is not None else evidence.rows


# The rows themselves --------------------------------------------------------------------------------------------

def fetch(con: duckdb.DuckDBPyConnection, selection: RowSelection, rules: Iterable[Mapping[str, object]] = (),
          original: bool = False, limit: int = 5000) -> pd.DataFrame:
    """The rows, newest first (at most `limit`), every value bound as a parameter; personal data masked unless
    `original`. `rules` are the key-question settings, for a selection of the types or categories mapped to one."""
    table, date_column = selection.source, DATE_COLUMNS[selection.source]
    clauses, values = [], []
    for column, value in selection.equals:
        if column not in FILTER_COLUMNS:
            raise ValueError(f"rows cannot be selected by {column!r}")
        # Column names come from FILTER_COLUMNS only, never from the text; a respondent type is written in any case.
        clauses.append(f"lower({column}) = lower(?)" if column == "respondent_type" else f"{column} = ?")
        values.append(value)
    if selection.start is not None:
        clauses.append(f"{date_column} BETWEEN ? AND ?")
        values += [selection.start, selection.end]
    if selection.spot_check is not None:
        clauses.append("spot_check IS TRUE" if selection.spot_check else "spot_check IS NOT TRUE")
    where = " AND ".join(clauses) or "TRUE"
    columns = ", ".join(SHOWN_COLUMNS[table])
    frame = con.cursor().execute(
        f"SELECT {columns} FROM {table} WHERE {where} ORDER BY {date_column} DESC LIMIT ?", [*values, limit]).df()
    if selection.key_question:
        mapped = "audit_type" if table == "audits" else "category"
        rules = list(rules)
        keep = [(classify(text, rules) or (None,))[0] == selection.key_question for text in frame[mapped]]
        frame = frame[keep].reset_index(drop=True)
    if not original:
        for column in PERSONAL_COLUMNS & set(frame.columns):
            frame[column] = mask_series(frame[column])
    return frame
