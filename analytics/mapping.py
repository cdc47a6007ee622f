"""Which source a sheet holds and which of its columns is which canonical field."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from .answer_columns import is_answer_column
from .header_matching import Match, best_mapping, content_score, profile
from .rating_scales import read_rating_column
from .readers import RawSheet
from .sources import SOURCES, Source, normalise_header, source_named
from .values import (
    Unreadable,
    cell_as_text,
    distinct_values,
    parse_answer,
)

IGNORE = "ignore"
NAMEABLE = ("audit_type",)  # required fields a sheet or file name can supply (see analytics.reading)
QUESTION_COLUMN = "question_column"  # a wide layout's question column, not the feedback field "question"
WIDE_SHARE = 0.8


class MappingError(ValueError):
    """A mapping the user gave that cannot be applied; the message says what to change."""


@dataclass
class SheetPlan:
    """How one sheet will be loaded: its source, layout and column mapping."""

    source: str
    mapping: dict[str, str]  # canonical field -> column in the file
    question_columns: list[str] = field(default_factory=list)  # wide layout: one column per question
    remembered: bool = False
    notes: list[str] = field(default_factory=list)
    # field -> (certainty, why) for each column matched by its header words and values
    field_readings: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Filled by analytics.reading.read_sheet from the values and the person's answers:
    values: dict[str, str] = field(default_factory=dict)  # field -> value for rows (or a sheet) without one
    ratings: dict = field(default_factory=dict)  # question or rating column -> RatingReading
    renames: dict[str, str] = field(default_factory=dict)  # a name in the file -> the stored name it means
    date_orders: dict[str, str] = field(default_factory=dict)  # a date column written both ways -> the order chosen
    # Free-text columns besides the comment ("What was good?" beside "What could we do better?"), each kept as its
    # own answer under its own question.
    comment_columns: list[str] = field(default_factory=list)

    @property
    def layout(self) -> str:
        return "wide" if self.question_columns else "long"

    def missing_required(self) -> list[str]:
        """Required fields with no column, allowing for what a wide layout supplies."""
        source = source_named(self.source)
        supplied = set(self.mapping) | set(self.values)
        if self.question_columns and source.wide_question_field:
            supplied |= {source.wide_question_field, source.wide_value_field}
        return [f for f in source.required if f not in supplied]

    def to_json(self) -> str:
        return json.dumps({"source": self.source, "mapping": self.mapping, "questions": self.question_columns,
                           "comments": self.comment_columns,
                           "values": self.values, "renames": self.renames,
                           "scales": {k: [r.scale, r.direction] for k, r in self.ratings.items()}})


def _match_score(header: str, synonym: str) -> int:
    if header == synonym:
        return 3 * 100 + len(synonym)
    padded = f" {header} "
    if f" {synonym} " in padded and len(synonym) > 2:
        return 2 * 100 + len(synonym)
    return 0


def suggest_mapping(headers: list[str], source: Source) -> dict[str, str]:
    """Best guess of field -> column: exact header matches first, then headers containing a synonym."""
    candidates = []
    for column in headers:
        norm = normalise_header(column)
        found = []
        for f in source.fields:
            score = max((_match_score(norm, normalise_header(s)) for s in f.synonyms), default=0)
            if score:
                found.append((score, -headers.index(column), f.name, column))
        # "Which home is this audit for?" holds the words of two fields: containing a word settles nothing then.
        if len(found) > 1 and max(score for score, *_ in found) < 300:
            continue
        candidates.extend(found)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _, _, field_name, column in sorted(candidates, reverse=True):
        if field_name not in mapping and column not in used:
            mapping[field_name] = column
            used.add(column)
    return mapping


def _source_score(source: Source, mapping: dict[str, str], questions: list[str]) -> float:
    score = sum(2 if f in source.distinctive else 1 for f in mapping)
    if questions:
        score += 2
    plan = SheetPlan(source.name, mapping, questions)
    # An audit type can come from the sheet or file name (a Forms export is named after its form): not a reason
    # to think the sheet holds something else.
    return score - 3 * len([f for f in plan.missing_required() if f not in NAMEABLE])


def question_columns(sheet: RawSheet, source: Source, mapping: dict[str, str]) -> list[str]:
    """Unmapped columns whose header reads like a question and whose values are answers or ratings."""
    if not source.wide_kind:
        return []
    if source.name == "audits" and {"item", "answer"} <= set(mapping):
        return []
    mapped = set(mapping.values())
    found = []
    for column in sheet.headers:
        if column in mapped or not _reads_like_question(column):
            continue
        distinct = distinct_values(sheet.frame[column].head(2000))
        if not distinct or (len(distinct) == 1 and _is_marker(distinct[0])):
            # A column holding only 1 (or 0) marks something, a theme label say: it is not answers.
            continue
        if source.wide_kind == "rating" and not is_answer_column(column, sheet.frame[column].head(2000).tolist(),
                                                                 reads_as_question=True)[0]:
            continue  # a score, an id, a sentiment or a 0/1 theme flag is not an answer
        if _share_readable(distinct, source.wide_kind, column) >= WIDE_SHARE:
            found.append(column)
    if source.name == "feedback" and "rating" not in mapping and len(found) == 1:
        mapping["rating"] = found[0]  # one rating question: the response's rating, not a wide layout
        return []
    return found


# A column matched only by resemblance (not by a name we list) is read when it scores at least this.
RESEMBLANCE_MIN = 0.75
# A column named as a field is refused it on its values only when it has at least this many.
VETO_MIN_VALUES = 5


def _read_columns(headers: list[str], samples: dict[str, list[object]],
                  source: Source) -> tuple[dict[str, str], dict[str, Match]]:
    """field -> column: first the columns named as we list them (unless their values rule the field out: a column
    of text is never the date, however it is headed), then, among the rest, columns whose header words and values
    resemble a field's closely (long export headers, names nobody listed)."""
    mapping: dict[str, str] = {}
    for name, column in suggest_mapping(headers, source).items():
        values = profile(list(samples.get(column, [])))
        # A handful of values can all be mistyped; the name is trusted then, and each bad value reported.
        fit, _ = content_score(source.field(name), values, column)
        if fit is not None or values.count < VETO_MIN_VALUES:
            mapping[name] = column
    rest = [h for h in headers if h not in mapping.values()]
    matches = {f: m for f, m in best_mapping(rest, samples, source).items()
               if f not in mapping and m.certainty != "unsure" and m.score >= RESEMBLANCE_MIN}
    mapping.update({f: m.column for f, m in matches.items()})
    return mapping, matches


# A column reads as free text (a comment) when its values fit the comment field at least this well.
COMMENT_FIT = 0.6


def other_comments(sheet: RawSheet, source_name: str, mapping: dict[str, str], questions: list[str],
                   samples: dict[str, list[object]]) -> list[str]:
    """Feedback columns of free text that no field reads: every comment a person wrote is kept."""
    if source_name != "feedback" or "comment" not in mapping:
        return []
    used = set(mapping.values()) | set(questions)
    comment = source_named("feedback").field("comment")
    found = []
    for column in sheet.headers:
        if column in used:
            continue
        fit, _ = content_score(comment, profile(list(samples.get(column, []))), column)
        if fit is not None and fit >= COMMENT_FIT:
            found.append(column)
    return found


def _without_questions_read_as_text(sheet: RawSheet, source: Source, mapping: dict[str, str]) -> dict[str, str]:
    """Leave unmapped a question column that a text field claimed because its header contains the field's word
    ("Section A: are hand gel dispensers full?" is not the section): its values are answers, so it is a question
    of a wide form, and its answers must not be lost."""
    if not source.wide_kind:
        return mapping
    kept = {}
    for name, column in mapping.items():
        claimed = source.field(name).kind == "text" and normalise_header(column) not in {
            normalise_header(s) for s in source.field(name).synonyms}
        if claimed and _reads_like_question(column):
            distinct = distinct_values(sheet.frame[column].head(2000))
            if distinct and _share_readable(distinct, source.wide_kind, column) >= WIDE_SHARE:
                continue
        kept[name] = column
    return kept


def _is_marker(value: object) -> bool:
    return str(value).strip() in ("0", "1", "0.0", "1.0")


def _reads_like_question(header: str) -> bool:
    return header.rstrip().endswith("?") or len(normalise_header(header).split()) >= 3


def _share_readable(distinct: list[object], kind: str, header: str) -> float:
    if kind == "rating":
        reading = read_rating_column(distinct, header)
        if reading.scale is None:
            return 0.0
        parse = reading.score
    else:
        parse = parse_answer
    readable = 0
    for value in distinct:
        try:
            parse(value)
            readable += 1
        except Unreadable:
            pass
    return readable / len(distinct)


def plan_sheet(sheet: RawSheet, source: str | None = None, overrides: dict[str, str] | None = None,
               con: duckdb.DuckDBPyConnection | None = None) -> SheetPlan:
    """Detect (or take) the source, suggest the mapping, apply the user's overrides."""
    overrides = overrides or {}
    remembered = recall_mapping(con, sheet.headers) if con is not None and not overrides else None
    if remembered is not None and (source is None or remembered.source == source):
        return remembered
    candidates = [source_named(source)] if source else list(SOURCES.values())
    plans = []
    samples = {h: sheet.frame[h].head(200).tolist() for h in sheet.headers}
    for candidate in candidates:
        mapping, matches = _read_columns(sheet.headers, samples, candidate)
        mapping = _without_questions_read_as_text(sheet, candidate, mapping)
        questions = question_columns(sheet, candidate, mapping)
        plans.append((_source_score(candidate, mapping, questions), candidate.name, mapping, questions, matches))
    plans.sort(key=lambda p: p[0], reverse=True)
    best_score, name, mapping, questions, matches = plans[0]
    if source is None and (best_score <= 2 or (len(plans) > 1 and plans[1][0] == best_score)):
        raise MappingError(_which_source_message(sheet, plans))
    plan = SheetPlan(name, dict(mapping), list(questions),
                     field_readings={f: (m.certainty, m.reason) for f, m in matches.items() if f in mapping},
                     comment_columns=other_comments(sheet, name, mapping, questions, samples))
    if overrides:
        plan = apply_overrides(plan, overrides, sheet.headers)
    return plan


def _which_source_message(sheet: RawSheet, plans: list) -> str:
    where = _where(sheet)
    tied = [p[1] for p in plans if p[0] == plans[0][0]]
    return (f"{where}: cannot tell which source this is (it could be {' or '.join(tied)}). "
            f"Say which with --source audits|complaints|rota|feedback (or pick it on the Upload page). "
            f"Columns found: {', '.join(sheet.headers[:15])}")


def _where(sheet: RawSheet) -> str:
    return sheet.file_name + (f", sheet {sheet.sheet!r}" if sheet.sheet else "")


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """'Column in file=field' pairs from the command line as {column: field}."""
    overrides = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise MappingError(f"--map {pair!r}: write it as \"Column in file=field\", e.g. \"Wing=team\"")
        overrides[column.strip()] = target.strip()
    return overrides


def apply_overrides(plan: SheetPlan, overrides: dict[str, str], headers: list[str]) -> SheetPlan:
    """The plan with the user's column choices in place of the suggestions."""
    source = source_named(plan.source)
    valid = {f.name for f in source.fields} | {IGNORE} | ({QUESTION_COLUMN} if source.wide_kind else set())
    mapping, questions = dict(plan.mapping), list(plan.question_columns)
    for column, target in overrides.items():
        if column not in headers:
            raise MappingError(f"--map {column}={target}: there is no column {column!r}; "
                               f"the columns are {', '.join(headers)}")
        if target not in valid:
            raise MappingError(f"--map {column}={target}: {target!r} is not a {source.name} field; "
                               f"use one of {', '.join(sorted(valid))}")
        mapping = {f: c for f, c in mapping.items() if c != column and f != target}
        questions = [q for q in questions if q != column]
        if target == QUESTION_COLUMN:
            questions.append(column)
        elif target != IGNORE:
            mapping[target] = column
    return SheetPlan(plan.source, mapping, questions,
                     field_readings={f: r for f, r in plan.field_readings.items()
                                     if mapping.get(f) == plan.mapping.get(f)},
                     comment_columns=[c for c in plan.comment_columns
                                      if c not in overrides and c not in mapping.values()])


# --- remembered mappings -------------------------------------------------------------------

def header_signature(headers: list[str]) -> str:
    """A fingerprint of a sheet's headers, so the same export layout is recognised next time."""
    text = "\x1f".join(normalise_header(h) for h in headers)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def remember_mapping(con: duckdb.DuckDBPyConnection, headers: list[str], plan: SheetPlan) -> None:
    """Store a confirmed mapping for sheets with these headers."""
    cur = con.cursor()
    cur.execute("DELETE FROM mappings WHERE signature = ?", [header_signature(headers)])
    cur.execute("INSERT INTO mappings VALUES (?, ?, ?, ?, current_timestamp)",
                [header_signature(headers), plan.source, plan.to_json(), json.dumps(headers)])


def recall_mapping(con: duckdb.DuckDBPyConnection, headers: list[str]) -> SheetPlan | None:
    """The mapping confirmed before for a sheet with exactly these headers, if any."""
    row = con.cursor().execute("SELECT plan FROM mappings WHERE signature = ?",
                               [header_signature(headers)]).fetchone()
    if row is None:
        return None
    stored = json.loads(row[0])
    return SheetPlan(stored["source"], stored["mapping"], stored["questions"], remembered=True,
                     notes=["used the column mapping confirmed before for files with these headers"],
                     comment_columns=stored.get("comments", []))


def mapping_table(plan: SheetPlan, headers: list[str], frame: pd.DataFrame) -> pd.DataFrame:
    """One row per column in the file: what it maps to and a few example values (for the Upload page)."""
    by_column = {c: f for f, c in plan.mapping.items()}
    rows = []
    for column in headers:
        target = by_column.get(column) or (QUESTION_COLUMN if column in plan.question_columns else IGNORE)
        examples = ", ".join(cell_as_text(v) for v in distinct_values(frame[column].head(200))[:3])
        rows.append({"column": column, "field": target, "examples": examples})
    return pd.DataFrame(rows)
