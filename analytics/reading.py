"""The reading of a sheet, shown before anything is stored: what each column was read as, the evidence, how sure,
and the questions a person must answer where we cannot be sure.

Nothing uncertain is decided in silence. A rating scale whose direction cannot be told, a name that looks like a
misspelling of one already stored, a blank service in a store with several services: each is a `Question`, with
the likely answer proposed and the exact command-line flag that settles it. The Upload page asks them with the
likely answer preselected; the command line loads nothing from a sheet with an open question. Values the file
does not hold (an audit type a Forms export keeps in its title) are proposed from the workbook, sheet or file name
and noted where they are used.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .date_cells import numeric_date_order
from .mapping import MappingError, SheetPlan
from .new_names import new_names
from .rating_scales import (
    HIGHER,
    LOWER,
    MAX_P,
    MIN_COMMENT_ROWS,
    MIN_RHO,
    SCALES,
    SURE,
    UNSURE,
    RatingReading,
    read_rating_column,
)
from .readers import RawSheet
from .sources import source_named
from .values import blank_mask, clean_text, distinct_counts, distinct_values, is_blank

# Fields a sheet may lack that a name can supply: Microsoft Forms names its export after the form.
PROPOSED_FROM_NAMES = ("audit_type",)
_NAME_NOISE = re.compile(r"(?i)\(\d+[-\u2013]\d+\)|\(responses\)|responses?|form responses \d+|export|copy of|"
                         r"\d{4}[-_]\d{2}[-_]\d{2}|\d{1,2}[-_.]\d{1,2}[-_.]\d{2,4}|\bv\d+\b|final")


@dataclass
class Answers:
    """What the person said: values for fields, rating scales, and names (from flags or the Upload page)."""

    values: dict[str, str] = field(default_factory=dict)          # field -> value, where the file holds none
    scales: dict[str, tuple[str, str]] = field(default_factory=dict)  # question or column -> (scale, direction)
    same: dict[str, str] = field(default_factory=dict)            # a name in the file -> the stored name it means
    new: set[str] = field(default_factory=set)                    # names confirmed as new
    dates: dict[str, str] = field(default_factory=dict)           # date column -> "dmy" or "mdy"

    @classmethod
    def from_flags(cls, sets: list[str], scales: list[str], same: list[str], new: list[str],
                   dates: list[str] = ()) -> Answers:
        """Parse --set FIELD=VALUE, --scale COLUMN=SCALE[:DIRECTION], --same NAME=STORED, --new NAME and
        --dates COLUMN=dmy|mdy."""
        answers = cls(new=set(new))
        for text in dates:
            column, order = _pair(text, "--dates", "COLUMN=dmy or COLUMN=mdy, e.g. --dates \"Date=dmy\"", last=True)
            if order not in ("dmy", "mdy"):
                raise MappingError(f"--dates {text!r}: say dmy (day first, UK) or mdy (month first, US)")
            answers.dates[column] = order
        for text in sets:
            name, value = _pair(text, "--set", "FIELD=VALUE, e.g. --set audit_type=\"Medication audit\"")
            answers.values[name] = value
        for text in scales:
            # The last "=": a column may be headed "Rating (1 = excellent)".
            column, value = _pair(text, "--scale", "COLUMN=SCALE, e.g. --scale \"Rating=fft_code\"", last=True)
            scale, _, direction = value.partition(":")
            if scale not in SCALES or direction not in ("", HIGHER, LOWER):
                raise MappingError(f"--scale {text!r}: the scale is one of {', '.join(SCALES)}, optionally followed "
                                   f"by :{HIGHER} or :{LOWER}")
            answers.scales[column] = (scale, direction or (LOWER if scale == "fft_code" else HIGHER))
        for text in same:
            name, stored = _pair(text, "--same", "NAME IN FILE=STORED NAME, e.g. --same \"Oakwood Hse=Oakwood House\"")
            answers.same[name] = stored
        return answers


def _pair(text: str, flag: str, form: str, last: bool = False) -> tuple[str, str]:
    left, sep, right = text.rpartition("=") if last else text.partition("=")
    if not sep or not left.strip() or not right.strip():
        raise MappingError(f"{flag} {text!r}: write it as {form}")
    return left.strip(), right.strip()


@dataclass
class Question:
    """Something only the person can settle, with the likely answer and the flag that gives it."""

    key: str
    text: str
    choices: list[str]
    proposed: str | None
    flag: str


@dataclass
class ColumnReading:
    """How one column is read, why, and how sure."""

    column: str
    read_as: str      # a field, "a question (one column per question)", or "not read"
    detail: str       # the scale and its direction, the date order, ...
    evidence: str
    certainty: str    # sure | likely | unsure


@dataclass
class SheetReading:
    """The whole reading of a sheet."""

    source: str
    layout: str
    header_row: int
    header_evidence: str
    columns: list[ColumnReading]
    questions: list[Question]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for `ingest --json`."""
        return asdict(self)


def read_sheet(sheet: RawSheet, plan: SheetPlan, answers: Answers, con: duckdb.DuckDBPyConnection | None,
               service: str | None = None) -> SheetReading:
    """Read a planned sheet: rating scales, values proposed from names, new names; fill the plan's choices from the
    answers and list what is still open as questions."""
    source = source_named(plan.source)
    questions: list[Question] = []
    notes: list[str] = []
    plan.values = dict(answers.values)
    if service:
        plan.values.setdefault("service", service)
    _propose_values(sheet, plan, notes)
    plan.ratings = _rating_readings(sheet, plan, answers, questions, notes)
    plan.renames = _names(sheet, plan, answers, con, questions, notes)
    plan.date_orders = _date_orders(sheet, plan, answers, questions)
    _blank_services(sheet, plan, con, questions)
    columns = _column_readings(sheet, plan, source)
    return SheetReading(plan.source, plan.layout, sheet.header_row, sheet.header_evidence, columns, questions, notes)


def _propose_values(sheet: RawSheet, plan: SheetPlan, notes: list[str]) -> None:
    for name in PROPOSED_FROM_NAMES:
        if name in plan.mapping or name in plan.values or name not in source_named(plan.source).required:
            continue
        proposal = name_as_value(sheet.sheet) or name_as_value(Path(sheet.file_name).stem)
        if proposal:
            plan.values[name] = proposal
            title = source_named(plan.source).field(name).title.lower()
            notes.append(f"no column holds the {title}: {proposal!r} is taken from the "
                         f"{'sheet' if name_as_value(sheet.sheet) else 'file'} name "
                         f"(--set {name}=\"...\" to change it)")


def name_as_value(name: str) -> str | None:
    """A workbook, sheet or file name as a value: "Medication Audit(1-12)" -> "Medication Audit"."""
    text = " ".join(_NAME_NOISE.sub(" ", name.replace("_", " ")).split()).strip(" -")
    if not text or text.lower().startswith(("sheet", "form1", "data", "export")) or not re.search("[A-Za-z]{3}", text):
        return None
    return text


def _rating_groups(sheet: RawSheet, plan: SheetPlan) -> dict[str, tuple[pd.Series, pd.Series | None, str]]:
    """Each rating question's values, its comments, and the header to read its scale from."""
    comments = sheet.frame[plan.mapping["comment"]] if "comment" in plan.mapping else None
    groups = {}
    if plan.question_columns and source_named(plan.source).wide_value_field == "rating":
        for column in plan.question_columns:
            groups[column] = (sheet.frame[column], comments, column)
    if "rating" in plan.mapping:
        header = plan.mapping["rating"]
        values = sheet.frame[header]
        if "question" in plan.mapping:
            grouped = sheet.frame.groupby(plan.mapping["question"], sort=False, dropna=False)
            for question, positions in grouped.indices.items():
                key = clean_text(question) if not is_blank(question) else header
                groups[key] = (values.iloc[positions], None if comments is None else comments.iloc[positions],
                               f"{header} {key}")
        else:
            groups[header] = (values, comments, header)
    return groups


def _rating_readings(sheet: RawSheet, plan: SheetPlan, answers: Answers, questions: list[Question],
                     notes: list[str]) -> dict[str, RatingReading]:
    readings: dict[str, RatingReading] = {}
    groups = _rating_groups(sheet, plan)
    whole = None
    if "rating" in plan.mapping and "question" in plan.mapping:
        column = plan.mapping["rating"]
        whole = read_rating_column(sheet.frame[column], column, _comments(sheet, plan, None))
    for key, (values, comments, header) in groups.items():
        given = answers.scales.get(key) or answers.scales.get(plan.mapping.get("rating", ""))
        if given:
            readings[key] = RatingReading(given[0], given[1], SURE, ("the scale you gave",))
            continue
        reading = read_rating_column(values.tolist(), header, None if comments is None else comments.tolist())
        if whole is not None and (reading.certainty == UNSURE or reading.scale is None) and whole.scale is not None:
            # A question with few answers takes the column's reading, which has many.
            reading = whole
        readings[key] = reading
        if reading.certainty != UNSURE or reading.scale is None:
            continue
        proposed = f"{reading.scale}:{reading.direction}"
        if not _comments_disagree(reading):
            # Nothing says otherwise: the usual reading is used and noted, as day-first dates are.
            notes.append(f"{key!r}: read as {_scale_words(reading)}, the usual way, as nothing in the header or the "
                         f"comments says otherwise (--scale \"{key}=...\" to change it)")
        else:
            questions.append(Question(
                f"scale|{key}", reading.question or f"Which end of the scale is best in {key!r}?",
                [f"{reading.scale}:{HIGHER}", f"{reading.scale}:{LOWER}"], proposed,
                f'--scale "{key}={proposed}"'))
    return readings


def _comments_disagree(reading: RatingReading) -> bool:
    """Whether the comments clearly point to the other end of the scale from the one read."""
    found = reading.correlation
    return found is not None and abs(found[0]) >= MIN_RHO and found[1] < MAX_P and found[2] >= MIN_COMMENT_ROWS


def _comments(sheet: RawSheet, plan: SheetPlan, positions) -> list | None:
    if "comment" not in plan.mapping:
        return None
    column = sheet.frame[plan.mapping["comment"]]
    return (column if positions is None else column.iloc[positions]).tolist()


def known_names(con: duckdb.DuckDBPyConnection | None, field_name: str) -> list[str]:
    """The service or team names already stored, in any source."""
    if con is None:
        return []
    from .sources import SOURCES

    union = " UNION ".join(f"SELECT DISTINCT {field_name} AS name FROM {s}" for s in SOURCES
                           if field_name in {f.name for f in SOURCES[s].fields})
    return [n for (n,) in con.cursor().execute(f"SELECT name FROM ({union}) WHERE name IS NOT NULL").fetchall()]


def _names(sheet: RawSheet, plan: SheetPlan, answers: Answers, con: duckdb.DuckDBPyConnection | None,
           questions: list[Question], notes: list[str]) -> dict[str, str]:
    """Names of services and teams not yet stored: near matches of stored ones are asked, the rest listed."""
    renames: dict[str, str] = {}
    for field_name in ("service", "team"):
        if field_name not in plan.mapping:
            continue
        known = known_names(con, field_name)
        found = new_names(distinct_counts(sheet.frame[plan.mapping[field_name]]), known)
        fresh = []
        for name in found:
            if name.name in answers.same:
                renames[name.name] = answers.same[name.name]
            elif name.did_you_mean and name.name not in answers.new:
                questions.append(Question(
                    f"name|{field_name}|{name.name}",
                    f"{field_name.capitalize()} {name.name!r} ({name.count} rows) is not stored yet: is it "
                    f"{name.did_you_mean!r}, or a new {field_name}?",
                    [name.did_you_mean, "new"], name.did_you_mean,
                    f'--same "{name.name}={name.did_you_mean}" (or --new "{name.name}")'))
            else:
                fresh.append(f"{name.name} ({name.count} rows)")
        if fresh and known:
            notes.append(f"new {field_name} names, not stored before: {', '.join(fresh[:10])}"
                         + (f" and {len(fresh) - 10} more" if len(fresh) > 10 else ""))
    return renames


def _date_orders(sheet: RawSheet, plan: SheetPlan, answers: Answers, questions: list[Question]) -> dict[str, str]:
    """A date column written both ways (30/09/2021 and 10/17/2021): which way the dates that could be either go
    is asked, never guessed."""
    orders = {}
    source = source_named(plan.source)
    for name, column in plan.mapping.items():
        if source.field(name).kind != "date":
            continue
        if column in answers.dates:
            orders[column] = answers.dates[column]
            continue
        values = distinct_values(sheet.frame[column])
        order, _ = numeric_date_order(values)
        if order == "mixed":
            either = sum(1 for v in values if _could_be_either(v))
            questions.append(Question(
                f"dates|{column}", f"{column!r} has dates written day first (UK) and month first (US); {either} dates "
                "such as 03/04/2021 could be either: which way should those be read?", ["dmy", "mdy"], "dmy",
                f'--dates "{column}=dmy" (or =mdy)'))
    return orders


def _could_be_either(value: object) -> bool:
    found = re.fullmatch(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}.*", str(value))
    return bool(found) and int(found.group(1)) <= 12 and int(found.group(2)) <= 12 and found.group(1) != found.group(2)


def _blank_services(sheet: RawSheet, plan: SheetPlan, con: duckdb.DuckDBPyConnection | None,
                    questions: list[Question]) -> None:
    """Rows with no service, in a store that already holds several: which one is a question, never a default."""
    if "service" in plan.values:
        return
    known = sorted(set(known_names(con, "service")))
    column = plan.mapping.get("service")
    used = [c for c in plan.mapping.values() if c != column] + plan.question_columns
    filled = np.ones(len(sheet.frame), dtype=bool)
    if used:
        filled = ~np.logical_and.reduce([blank_mask(sheet.frame[c]) for c in used])
    blank = int(filled.sum()) if column is None else int((blank_mask(sheet.frame[column]) & filled).sum())
    if not blank:
        return
    if len(known) <= 1:
        if known:
            plan.values["service"] = known[0]
        return
    where = "no service column" if column is None else \
        f"{blank} {'row' if blank == 1 else 'rows'} with a blank {column!r}"
    which = "is it" if blank == 1 and column is not None else "are they"
    questions.append(Question("set|service", f"The sheet has {where}: which service {which} for?", known, None,
                              '--set service="..." (one of: ' + ", ".join(known[:8]) + ")"))


def _column_readings(sheet: RawSheet, plan: SheetPlan, source) -> list[ColumnReading]:
    by_column = {column: name for name, column in plan.mapping.items()}
    readings = []
    for column in sheet.headers:
        values = distinct_values(sheet.frame[column].head(2000))
        # Whole values, never cut: a phone number cut in two would escape the masking of the page that shows it.
        sample = ", ".join(repr(str(v)) for v in values[:3])
        if column in by_column:
            name = by_column[column]
            certainty, why = plan.field_readings.get(name, ("sure", "named as we list it"))
            kind = source.field(name).kind
            detail = _detail(kind, column, values, plan)
            evidence = f"{why}; e.g. {sample}" if sample else why
            if kind == "rating" and plan.ratings:
                first = next(iter(plan.ratings.values()))
                more = f" ({len(plan.ratings)} questions, each read alike)" if len(plan.ratings) > 1 else ""
                evidence += "; " + " ".join(first.evidence[:3]) + more
                certainty = min((r.certainty for r in plan.ratings.values()), key=["unsure", "likely", "sure"].index)
            readings.append(ColumnReading(column, source.field(name).title, detail, evidence, certainty))
        elif column in plan.comment_columns:
            readings.append(ColumnReading(column, "Comment, under its own question", "free text",
                                          f"long, varied text, e.g. {sample}", "likely"))
        elif column in plan.question_columns:
            reading = plan.ratings.get(column)
            detail = _scale_words(reading) if reading else "answers"
            evidence = "; ".join(reading.evidence) if reading else f"answers such as {sample}"
            readings.append(ColumnReading(column, "a question (one column per question)", detail, evidence,
                                          reading.certainty if reading else "sure"))
        else:
            readings.append(ColumnReading(column, "not read", "", f"e.g. {sample}" if sample else "empty", "sure"))
    return readings


def _detail(kind: str, column: str, values: list[object], plan: SheetPlan) -> str:
    if kind == "date" and column in plan.date_orders:
        return (f"dates written both ways; those that could be either read "
                f"{'day first (UK)' if plan.date_orders[column] == 'dmy' else 'month first (US)'}, as you said")
    if kind == "date":
        order, note = numeric_date_order(values)
        return {"dmy": "dates, day first", "mdy": "dates, month first (US)",
                "mixed": "dates written both ways: ambiguous ones refused"}[order] + (f" ({note})" if note else "")
    if kind == "rating":
        readings = {k: r for k, r in plan.ratings.items()}
        shown = {_scale_words(r) for r in readings.values()}
        return "; ".join(sorted(shown)) if shown else "ratings"
    return ""


def _scale_words(reading: RatingReading) -> str:
    if reading.scale is None:
        return f"not ratings ({reading.refusal})" if reading.refusal else "not ratings"
    if reading.scale in ("fft", "fft_legacy", "gp_survey"):
        return {"fft": "FFT words (Very good ... Very poor)", "fft_legacy": "FFT words (Extremely likely ... "
                "Extremely unlikely)", "gp_survey": "GP Patient Survey words (Very good ... Fairly poor ...)"}[
            reading.scale]
    best = {"fft_code": ("1", "5"), "1-5": ("5", "1"), "0-10": ("10", "0")}[reading.scale]
    if reading.direction == LOWER and reading.scale != "fft_code" or reading.direction == HIGHER and \
            reading.scale == "fft_code":
        best = best[::-1]
    name = "FFT codes" if reading.scale == "fft_code" else reading.scale
    return f"{name}, {best[0]} is best"
