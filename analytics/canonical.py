"""What the rows of a sheet become in the canonical tables, and which are refused and why (each field's cells
are read by `analytics.field_parsing`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .field_parsing import parse_field
from .mapping import SheetPlan
from .readers import RawSheet
from .row_keys import natural_keys, row_hash, with_turn
from .sources import Source, source_named
from .store import data_columns
from .values import Coded, blank_mask, clean_text, is_blank

# Fields without which a row says nothing, besides each source's required ones: an audit row is its answer.
ESSENTIAL = {"audits": {"answer"}}
_ROW = "_row"
_ORIGIN = "_origin"  # the position of the source row in the sheet, before a wide layout is unpivoted
_ORIGIN_ID = "_origin_id"  # in a wide layout, a stable id of the form or survey row each fact came from


@dataclass
class Prepared:
    """A sheet's rows ready to store, the rows refused with reasons, and notes for the summary."""

    source: Source
    rows: pa.Table          # canonical columns and source_row; keys are added when the batch is written
    rejections: pd.DataFrame
    row_services: Coded     # the service of every row of the sheet, loaded or rejected
    row_numbers: np.ndarray  # the number in the file of every row of the sheet
    notes: list[str] = field(default_factory=list)

    @property
    def services(self) -> tuple[str, ...]:
        """Every service the sheet's rows are for, loaded or rejected."""
        used = self.row_services.lookup[np.unique(self.row_services.codes)]
        return tuple(sorted({str(service) for service in used if isinstance(service, str)}))

    def rows_outside(self, services: tuple[str, ...]) -> dict[str, list[int]]:
        """The file's row numbers for each service not in `services`."""
        outside = [s for s in self.services if s not in services]
        if not outside:
            return {}
        values = self.row_services.values
        return {s: sorted(set(self.row_numbers[values == s].tolist())) for s in outside}


def prepare(sheet: RawSheet, plan: SheetPlan, settings: dict[str, Any], service: str | None = None) -> Prepared:
    """Turn a raw sheet into canonical rows and rejections, by the plan."""
    source = source_named(plan.source)
    work = _long_frame(sheet, plan, source)
    blank_rows = _all_blank_rows(work, source)
    if blank_rows.any():
        work = work[~blank_rows].reset_index(drop=True)
    _apply_answers(work, plan)
    notes: list[str] = []
    columns: dict[str, np.ndarray] = {}
    problems: list[tuple[np.ndarray, str, str]] = []  # (row mask, field, reason per row)
    for f in source.fields:
        if f.name not in work:
            continue
        header = plan.mapping.get(f.name, f.name)
        reasons, produced = parse_field(work, f.name, f.kind, header, settings, notes, plan.ratings,
                                         plan.date_orders)
        columns.update(produced)
        if reasons is not None:
            problems.append((pd.notna(reasons), f.name, reasons))
    _require(work, source, columns, problems)
    problems.extend(_formulas_without_values(sheet, plan, source, work))
    _fill_defaults(columns, work, source, settings, service)
    # A cell that cannot be read costs the row only when the row means nothing without it (a date, a team, an
    # audit's answer); otherwise the row is kept without that value, and the cell is listed: a comment is never
    # lost because its rating could not be read.
    essential = set(source.required) | ESSENTIAL.get(source.name, set())
    rejected = np.zeros(len(work), dtype=bool)
    for mask, name, _ in problems:
        if name in essential:
            rejected |= np.asarray(mask)
    if source.name == "complaints":
        problems.extend(_repeated_references(columns, work[_ROW].to_numpy(), rejected))
        for mask, _, _ in problems[-1:]:
            rejected |= np.asarray(mask)
    listed = _rejections(sheet, work, plan, source, problems)
    listed["row_kept"] = np.isin(listed["row_number"].to_numpy(dtype="int64"),
                                 work[_ROW].to_numpy(dtype="int64")[~rejected])
    rejections = pd.concat([listed, _stray_text_rows(sheet, plan).assign(row_kept=False)], ignore_index=True)
    names = [name for name, _ in data_columns(source)]
    known: dict[int, tuple] = {}  # each column's hashes, for the key and the row's hash alike
    arrays = {"row_key": pa.array(natural_keys(source, columns, len(work), known)),
              "row_hash": pa.array(row_hash([columns.get(name) for name in names], len(work), known))}
    del known
    arrays.update({name: _arrow(columns.get(name), len(work)) for name in names})
    arrays["source_row"] = pa.array(work[_ROW].to_numpy(dtype="int64"))
    rows = pa.table(arrays)
    if rejected.any():
        rows = rows.filter(pa.array(~rejected))
    notes.extend(_columns_not_read(sheet, plan))
    return Prepared(source, rows, rejections, columns["service"], work[_ROW].to_numpy(), notes)


def _columns_not_read(sheet: RawSheet, plan: SheetPlan) -> list[str]:
    """Columns holding values that no field reads, named so a person can choose what they hold."""
    used = set(plan.mapping.values()) | set(plan.question_columns) | set(plan.comment_columns)
    unread = [c for c in sheet.headers if c not in used and not blank_mask(sheet.frame[c]).all()]
    if not unread:
        return []
    named = ", ".join(repr(c) + (" (a second column with the same heading)" if c.endswith(")") and
                                 c.rsplit(" (", 1)[0] in sheet.headers else "") for c in unread[:12])
    more = f" and {len(unread) - 12} more" if len(unread) > 12 else ""
    return [f"columns with values that are not read: {named}{more}; if one matters, choose what it holds on the "
            "Upload page or with --map \"Column=field\""]


def _apply_answers(work: pd.DataFrame, plan: SheetPlan) -> None:
    """The person's answers: values for fields the file lacks (or leaves blank), and names that mean stored ones."""
    for name, value in plan.values.items():
        if name not in work:
            work[name] = value
        else:
            work.loc[blank_mask(work[name]), name] = value
    for name in ("service", "team"):
        if plan.renames and name in work:
            work[name] = work[name].map(lambda v: plan.renames.get(clean_text(v), v) if not is_blank(v) else v)


def _plain(column: Coded | np.ndarray) -> np.ndarray:
    return column.values if isinstance(column, Coded) else column


def _arrow(column: Coded | np.ndarray | None, length: int) -> pa.Array:
    """A column as Arrow, blanks as nulls; coded text goes as a dictionary, with no object per cell."""
    if column is None:
        return pa.nulls(length, pa.string())
    if isinstance(column, Coded):
        indices = np.where(column.codes < 0, len(column.lookup) - 1, column.codes).astype("int32")
        return pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(column.lookup, from_pandas=True))
    return pa.array(column, from_pandas=True)


def _long_frame(sheet: RawSheet, plan: SheetPlan, source: Source) -> pd.DataFrame:
    """The sheet as one row per fact, columns named by field; a wide layout is unpivoted."""
    base = pd.DataFrame({f: sheet.frame[c] for f, c in plan.mapping.items()})
    base[_ROW] = sheet.row_numbers
    base[_ORIGIN] = np.arange(len(base))
    extra = [c for c in plan.comment_columns if c in sheet.frame]
    if not plan.question_columns and not extra:
        return base
    base[_ORIGIN_ID] = _origin_ids(base.drop(columns=[_ROW, _ORIGIN]))
    value_field, question_field = source.wide_value_field, source.wide_question_field
    parts = []
    if extra and "comment" in plan.mapping:
        # With several comment boxes, each is its own answer under its own heading, the first one too.
        extra = [plan.mapping["comment"]] + extra
        base = base.drop(columns=["comment"])
    if not plan.question_columns:
        main = base.copy()
        if question_field not in plan.mapping and value_field in plan.mapping:
            main[question_field] = plan.mapping[value_field]
        parts.append(main.assign(_comment_part=False))
    elif value_field in plan.mapping:
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
    # Every other free-text answer of the response is kept too, as its own row under its own question
    # ("What was good?", "What could we do better?"): a form with two comment boxes loses neither.
    for column in extra:
        part = base.drop(columns=[value_field, "comment"], errors="ignore").copy()
        part["comment"] = sheet.frame[column].to_numpy()
        part[question_field] = column
        part["_comment_part"] = True
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    comment_part = long["_comment_part"].eq(True).to_numpy() if "_comment_part" in long else np.zeros(len(long), bool)
    shown = long["comment"] if comment_part.any() else long[value_field]
    blank = shown.isna() | shown.astype(str).str.strip().eq("")
    values = long[value_field] if value_field in long else pd.Series(None, index=long.index)
    empty = (values.isna() | values.astype(str).str.strip().eq("")).to_numpy()
    drop = np.where(comment_part, blank.to_numpy(), empty)
    long = long[~drop].drop(columns=["_comment_part"], errors="ignore")
    return long.sort_values([_ORIGIN, question_field], kind="stable", na_position="first").reset_index(drop=True)


def _all_blank_rows(work: pd.DataFrame, source: Source) -> np.ndarray:
    # Each column is checked only on the rows still blank so far: after the first, very few.
    fields = [f.name for f in source.fields if f.name in work]
    blank = np.arange(len(work)) if fields else np.arange(0)
    for name in fields:
        column = work[name].iloc[blank]
        blank = blank[(column.isna() | column.eq("")).to_numpy(dtype=bool)]
        if not len(blank):
            break
    mask = np.zeros(len(work), dtype=bool)
    mask[blank] = True
    return mask


def _formulas_without_values(sheet: RawSheet, plan: SheetPlan, source: Source,
                             work: pd.DataFrame) -> list[tuple[np.ndarray, str, np.ndarray]]:
    """A formula cell whose file was never saved by a spreadsheet program has no value: refuse the cell, saying so,
    rather than reading it as blank."""
    fields = {column: name for name, column in plan.mapping.items()}
    problems = []
    for row, header, cell, formula in sheet.formulas_without_values:
        if header in fields:
            name, mask = fields[header], work[_ROW].to_numpy() == row
        elif header in plan.question_columns:
            name = source.wide_value_field
            mask = (work[_ROW].to_numpy() == row) & (work[source.wide_question_field].to_numpy() == header)
        else:
            continue
        reasons = np.full(len(work), None, dtype=object)
        reasons[mask] = (f"cell {cell} holds the formula ={formula} but no saved value (the file was made by a "
                         "program that does not calculate); open it in Excel, let it calculate, save and upload again")
        problems.append((mask, name, reasons))
    return problems


def _stray_text_rows(sheet: RawSheet, plan: SheetPlan) -> pd.DataFrame:
    """Rows with nothing in any column that is read, but text in one that is not (often a comment that spilled
    onto the next row): reported with the column, never dropped in silence."""
    used = set(plan.mapping.values()) | set(plan.question_columns) | set(plan.comment_columns)
    frame = sheet.frame
    if frame.empty:
        return pd.DataFrame()
    blank = pd.DataFrame({c: blank_mask(frame[c]) for c in frame.columns}, index=frame.index)
    read = [c for c in frame.columns if c in used]
    unread = [c for c in frame.columns if c not in used]
    if not unread:
        return pd.DataFrame()
    stray = blank[read].all(axis=1).to_numpy() & ~blank[unread].all(axis=1).to_numpy()
    records = []
    for position in np.flatnonzero(stray):
        column = next(c for c in unread if not blank[c].iat[position])
        value = frame[column].iat[position]
        records.append({"file_name": sheet.file_name, "sheet": sheet.sheet,
                        "row_number": int(sheet.row_numbers[position]), "column_name": column,
                        "value": _cell_text(value),
                        "reason": f"the row has text only in {column!r}, a column that is not read; if it continues "
                                  "the row above, move it into that row, or choose what the column holds",
                        "row_values": json.dumps({h: _cell_text(v) for h, v in
                                                  zip(sheet.headers, frame.iloc[position])}, ensure_ascii=False)})
    return pd.DataFrame(records)


def _require(work: pd.DataFrame, source: Source, columns: dict[str, np.ndarray],
             problems: list[tuple[np.ndarray, str, str]]) -> None:
    for f in source.fields:
        if not f.required or f.name not in columns:
            continue
        column = columns[f.name]
        blank = pd.isna(column.lookup)[column.codes] if isinstance(column, Coded) else pd.isna(column)
        missing = blank & ~_already_failed(problems, f.name, len(work))
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
    if "service" not in columns:
        columns["service"] = Coded(np.zeros(length, dtype="intp"), np.array([service or settings["default_service"]],
                                                                          dtype=object))
    else:
        lookup = columns["service"].lookup.copy()
        lookup[pd.isna(lookup)] = settings["default_service"]
        columns["service"] = Coded(columns["service"].codes, lookup)
    ids = {"audits": ("audit_ref", "A", ["audit_date", "service", "team", "shift", "audit_type", "auditor"]),
           "feedback": ("response_id", "F", ["feedback_date", "service", "team", "shift", "respondent_type",
                                             "rating", "comment", "channel"])}
    if source.name in ids and ids[source.name][0] not in columns:
        name, prefix, group = ids[source.name]
        if _ORIGIN_ID in work:
            hashes = work[_ORIGIN_ID].to_numpy()
        else:
            frame = pd.DataFrame({g: _plain(columns[g]) for g in group if g in columns})
            hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
            if source.name == "feedback":
                hashes = with_turn(hashes)
        # One id per distinct hash (an audit's rows share one), written once each.
        codes, distinct = pd.factorize(hashes)
        columns[name] = Coded(codes, np.array([f"{prefix}-{h:016x}"[:14] for h in distinct], dtype=object))
    if source.name == "feedback" and "question" not in columns:
        columns["question"] = np.full(length, None, dtype=object)


def _origin_ids(base: pd.DataFrame) -> np.ndarray:
    """One id per form row: its own values, with identical rows told apart by their turn."""
    return with_turn(pd.util.hash_pandas_object(base.astype(str), index=False).to_numpy())


def _repeated_references(columns: dict[str, np.ndarray], row_numbers: np.ndarray,
                          rejected: np.ndarray) -> list[tuple[np.ndarray, str, Any]]:
    """Refuse a complaint reference that appears again in the same file: each complaint is one row."""
    keys = pd.Series(list(zip(_plain(columns["service"]), _plain(columns["reference"])))).where(~rejected)
    repeated = keys.duplicated(keep="first").to_numpy() & ~rejected
    if not repeated.any():
        return []
    first_row = pd.Series(row_numbers[~rejected], index=keys[~rejected].to_numpy()).groupby(level=0).first()
    reasons = np.full(len(keys), None, dtype=object)
    reasons[repeated] = [f"reference {key[1]!r} already appears on row {first_row[key]}; each complaint should "
                         "appear once" for key in keys[repeated]]
    return [(repeated, "reference", reasons)]


def _rejections(sheet: RawSheet, work: pd.DataFrame, plan: SheetPlan, source: Source,
                problems: list[tuple[np.ndarray, str, Any]]) -> pd.DataFrame:
    columns = ["file_name", "sheet", "row_number", "column_name", "value", "reason", "row_values"]
    if not problems:
        return pd.DataFrame(columns=columns)
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
