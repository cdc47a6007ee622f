"""What the rows of a sheet become in the canonical tables, and which are refused and why."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .mapping import SheetPlan
from .readers import RawSheet
from .sources import Source, source_named
from .store import data_columns
from .values import (ParsedColumn, clean_prose, clean_text, detect_rating_scale, distinct_values, normalise_shift,
                     numeric_date_order, parse_answer, parse_audit_kind, parse_column, parse_date, parse_flag,
                     parse_number, parse_rating, shift_lookup)

_ROW = "_row"
_ORIGIN = "_origin"  # the position of the source row in the sheet, before a wide layout is unpivoted
_ORIGIN_ID = "_origin_id"  # in a wide layout, a stable id of the form or survey row each fact came from


@dataclass
class Prepared:
    """A sheet's rows ready to store, the rows refused with reasons, and notes for the summary."""

    source: Source
    rows: pd.DataFrame
    rejections: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def prepare(sheet: RawSheet, plan: SheetPlan, settings: dict[str, Any], service: str | None = None) -> Prepared:
    """Turn a raw sheet into canonical rows and rejections, by the plan."""
    source = source_named(plan.source)
    work = _long_frame(sheet, plan, source)
    work = work[~_all_blank_rows(work, source)].reset_index(drop=True)
    notes: list[str] = []
    columns: dict[str, np.ndarray] = {}
    problems: list[tuple[np.ndarray, str, str]] = []  # (row mask, field, reason per row)
    for f in source.fields:
        if f.name not in work:
            continue
        header = plan.mapping.get(f.name, f.name)
        parsed, produced = _parse_field(work, f.name, f.kind, header, settings, notes, plan.layout == "wide")
        columns.update(produced)
        failed = pd.notna(parsed.reasons)
        if failed.any():
            problems.append((failed, f.name, parsed.reasons))
    _require(work, source, columns, problems)
    _fill_defaults(columns, work, source, settings, service)
    rows = pd.DataFrame({name: columns.get(name, np.full(len(work), None, dtype=object))
                         for name, _ in data_columns(source)})
    rows["source_row"] = work[_ROW].to_numpy()
    rejected = np.zeros(len(rows), dtype=bool)
    for mask, _, _ in problems:
        rejected |= np.asarray(mask)
    rows, duplicates = _keys(rows, source, rejected)
    problems.extend(duplicates)
    rejections = _rejections(sheet, work, plan, source, problems)
    keep = np.ones(len(rows), dtype=bool)
    for mask, _, _ in problems:
        keep &= ~np.asarray(mask)
    return Prepared(source, rows[keep].reset_index(drop=True), rejections, notes)


def _long_frame(sheet: RawSheet, plan: SheetPlan, source: Source) -> pd.DataFrame:
    """The sheet as one row per fact, columns named by field; a wide layout is unpivoted."""
    base = pd.DataFrame({f: sheet.frame[c] for f, c in plan.mapping.items()})
    base[_ROW] = sheet.row_numbers
    base[_ORIGIN] = np.arange(len(base))
    if not plan.question_columns:
        return base
    base[_ORIGIN_ID] = _origin_ids(base.drop(columns=[_ROW, _ORIGIN]))
    value_field, question_field = source.wide_value_field, source.wide_question_field
    parts = []
    if value_field in plan.mapping:
        main = base.copy()
        if question_field not in plan.mapping:
            main[question_field] = plan.mapping[value_field]
        parts.append(main)
    for position, column in enumerate(plan.question_columns):
        part = base.drop(columns=[value_field], errors="ignore").copy()
        part[value_field] = sheet.frame[column].to_numpy()
        part[question_field] = column
        if "comment" in part and (parts or position > 0):
            # A survey's free-text answer belongs to its overall question, not repeated on every one.
            part["comment"] = None
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    blank = long[value_field].isna() | long[value_field].astype(str).str.strip().eq("")
    return long[~blank].sort_values([_ORIGIN, question_field], kind="stable").reset_index(drop=True)


def _all_blank_rows(work: pd.DataFrame, source: Source) -> np.ndarray:
    fields = [f.name for f in source.fields if f.name in work]
    if not fields:
        return np.zeros(len(work), dtype=bool)
    blank = work[fields].isna()
    for name in fields:
        if work[name].dtype == object or pd.api.types.is_string_dtype(work[name]):
            blank[name] |= work[name].astype(str).str.strip().eq("")
    return blank.all(axis=1).to_numpy()


def _parse_field(work: pd.DataFrame, name: str, kind: str, header: str, settings: dict[str, Any],
                 notes: list[str], wide: bool) -> tuple[ParsedColumn, dict[str, np.ndarray]]:
    column = work[name]
    if kind == "date":
        order, note = numeric_date_order(distinct_values(column))
        if note:
            notes.append(f"{header}: {note}")
        if order == "dmy" and settings.get("date_order") == "mdy" and note:
            order = "mdy"
        parsed = parse_column(column, partial(parse_date, order=order), "datetime64[D]")
        return parsed, {name: parsed.values}
    if kind == "number":
        parsed = parse_column(column, parse_number, "float64")
        return parsed, {name: parsed.values}
    if kind == "flag":
        parsed = parse_column(column, parse_flag)
        return parsed, {name: parsed.values}
    if kind == "audit_kind":
        parsed = parse_column(column, partial(parse_audit_kind, header=header))
        return parsed, {"spot_check": parsed.values}
    if kind == "shift":
        lookup = shift_lookup(settings["shifts"])
        parsed = parse_column(column, partial(normalise_shift, lookup=lookup))
        unknown = sorted({str(v) for v in pd.unique(parsed.values) if v is not None and v not in settings["shifts"]})
        if unknown:
            notes.append(f"{header}: shift labels not in the shift table, stored as written: {', '.join(unknown)} "
                         "(add them under Settings to group them with a standard shift)")
        return parsed, {name: parsed.values}
    if kind == "answer":
        parsed = parse_column(column, parse_answer)
        classes = np.array([None if v is None else v[0] for v in parsed.values], dtype=object)
        scores = np.array([np.nan if v is None or v[1] is None else v[1] for v in parsed.values], dtype="float64")
        return parsed, {name: _as_text(column), "answer_class": classes, "answer_score": scores}
    if kind == "rating":
        return _parse_ratings(work, name, "" if wide else header)
    parsed = parse_column(column, clean_prose if kind == "prose" else clean_text)
    return parsed, {name: parsed.values}


def _parse_ratings(work: pd.DataFrame, name: str, header: str) -> tuple[ParsedColumn, dict[str, np.ndarray]]:
    """Ratings are read per question, since one survey can mix a 1-5 scale with an FFT question.

    In a long layout the column header describes every question's scale too; in a wide one each
    question is its own column, so its own text says which scale it uses."""
    values = np.full(len(work), np.nan)
    scores = np.full(len(work), np.nan)
    scales = np.full(len(work), None, dtype=object)
    reasons = np.full(len(work), None, dtype=object)
    groups = work.groupby("question", sort=False, dropna=False).indices if "question" in work else \
        {name: np.arange(len(work))}
    for question, positions in groups.items():
        column = work[name].iloc[positions]
        scale = detect_rating_scale(distinct_values(column), f"{header} {question}")
        parsed = parse_column(column, partial(parse_rating, scale=scale))
        values[positions] = [np.nan if v is None or v[0] is None else v[0] for v in parsed.values]
        scores[positions] = [np.nan if v is None or v[1] is None else v[1] for v in parsed.values]
        scales[positions] = scale
        reasons[positions] = parsed.reasons
    scales[pd.isna(work[name].to_numpy())] = None
    combined = ParsedColumn(values=values, reasons=reasons)
    return combined, {name: _as_text(work[name]), "rating_value": values, "rating_scale": scales,
                      "rating_score": scores}


def _as_text(column: pd.Series) -> np.ndarray:
    return parse_column(column, clean_text).values


def _require(work: pd.DataFrame, source: Source, columns: dict[str, np.ndarray],
             problems: list[tuple[np.ndarray, str, str]]) -> None:
    for f in source.fields:
        if not f.required or f.name not in columns:
            continue
        missing = pd.isna(columns[f.name]) & ~_already_failed(problems, f.name, len(work))
        if missing.any():
            problems.append((missing, f.name, f"{f.title} is blank; every {source.name} row needs one"))


def _already_failed(problems: list, name: str, length: int) -> np.ndarray:
    mask = np.zeros(length, dtype=bool)
    for rows, field_name, _ in problems:
        if field_name == name:
            mask |= np.asarray(rows)
    return mask


def _fill_defaults(columns: dict[str, np.ndarray], work: pd.DataFrame, source: Source, settings: dict[str, Any],
                   service: str | None) -> None:
    length = len(work)
    if "service" not in columns or service:
        columns["service"] = np.full(length, service or settings["default_service"], dtype=object)
    else:
        columns["service"][pd.isna(columns["service"])] = settings["default_service"]
    ids = {"audits": ("audit_ref", "A", ["audit_date", "service", "team", "shift", "audit_type", "auditor"]),
           "feedback": ("response_id", "F", ["feedback_date", "service", "team", "shift", "respondent_type",
                                             "rating", "comment", "channel"])}
    if source.name in ids and ids[source.name][0] not in columns:
        name, prefix, group = ids[source.name]
        if _ORIGIN_ID in work:
            hashes = work[_ORIGIN_ID].to_numpy()
        else:
            frame = pd.DataFrame({g: columns[g] for g in group if g in columns})
            hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
            if source.name == "feedback":
                hashes = _with_turn(hashes)
        columns[name] = np.array([f"{prefix}-{h:016x}"[:14] for h in hashes], dtype=object)
    if source.name == "feedback" and "question" not in columns:
        columns["question"] = np.full(length, None, dtype=object)


def _origin_ids(base: pd.DataFrame) -> np.ndarray:
    """One id per form row: its own values, with identical rows told apart by their turn."""
    return _with_turn(pd.util.hash_pandas_object(base.astype(str), index=False).to_numpy())


def _with_turn(hashes: np.ndarray) -> np.ndarray:
    """Hashes made unique by counting repeats: identical rows are real (two carers, same shift and role)."""
    turn = pd.Series(hashes).groupby(hashes).cumcount().to_numpy()
    return pd.util.hash_pandas_object(pd.DataFrame({"h": hashes, "t": turn}), index=False).to_numpy()


def _keys(rows: pd.DataFrame, source: Source, rejected: np.ndarray) -> tuple[pd.DataFrame, list[tuple[np.ndarray, str, Any]]]:
    """Add row_key (the natural key) and row_hash (the content); refuse repeated complaint references."""
    key_hash = pd.util.hash_pandas_object(rows[list(source.natural_key)], index=False).to_numpy()
    problems = []
    if source.name == "complaints":
        seen = pd.Series(key_hash).where(~rejected)
        repeated = seen.duplicated(keep="first").to_numpy() & ~rejected
        if repeated.any():
            first_row = pd.Series(rows["source_row"].to_numpy(), index=key_hash).groupby(level=0).first()
            reasons = np.full(len(rows), None, dtype=object)
            reasons[repeated] = [f"reference {ref!r} already appears on row {first_row[k]}; "
                                 "each complaint should appear once"
                                 for ref, k in zip(rows["reference"].to_numpy()[repeated], key_hash[repeated])]
            problems.append((repeated, "reference", reasons))
        row_key = key_hash
    else:
        row_key = _with_turn(key_hash)
    rows.insert(0, "row_key", row_key)
    content = [c for c, _ in data_columns(source)]
    rows.insert(1, "row_hash", pd.util.hash_pandas_object(rows[content], index=False).to_numpy())
    return rows, problems


def _rejections(sheet: RawSheet, work: pd.DataFrame, plan: SheetPlan, source: Source,
                problems: list[tuple[np.ndarray, str, Any]]) -> pd.DataFrame:
    records = []
    for mask, field_name, reasons in problems:
        positions = np.flatnonzero(np.asarray(mask))
        if plan.question_columns and field_name == source.wide_value_field:
            columns = work[source.wide_question_field].to_numpy()[positions]
        else:
            columns = [plan.mapping.get(field_name, field_name)] * len(positions)
        values = work[field_name].to_numpy()[positions] if field_name in work else [None] * len(positions)
        for position, column, value in zip(positions, columns, values):
            records.append({"_position": position, "column_name": column, "value": _cell_text(value),
                            "reason": reasons if isinstance(reasons, str) else reasons[position]})
    frame = pd.DataFrame(records, columns=["_position", "column_name", "value", "reason"])
    positions = frame["_position"].to_numpy(dtype=int)
    origins = work[_ORIGIN].to_numpy()[positions]
    originals = sheet.frame.iloc[np.unique(origins)].astype(object)
    row_values = {o: json.dumps({h: _cell_text(v) for h, v in zip(sheet.headers, row)}, ensure_ascii=False)
                  for o, row in zip(np.unique(origins), originals.itertuples(index=False))}
    frame.insert(0, "row_number", work[_ROW].to_numpy()[positions].astype(int))
    frame.insert(0, "sheet", sheet.sheet)
    frame.insert(0, "file_name", sheet.file_name)
    frame["row_values"] = [row_values[o] for o in origins]
    frame = frame.drop(columns="_position")
    return frame.sort_values(["row_number", "column_name"], kind="stable").reset_index(drop=True)


def _cell_text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)
