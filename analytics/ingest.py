"""Loading uploaded files: each sheet one batch, in one transaction, nothing lost or half-written."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from . import text_columns
from .audit_trail import os_user, record
from .canonical import Prepared, prepare
from .header_matching import import_solver
from .mapping import MappingError, SheetPlan, plan_sheet, remember_mapping
from .readers import FileRefused, RawSheet, read_sheets
from .reading import Answers, SheetReading, read_sheet
from .settings import load_settings
from .sources import source_named
from .store import bump_data_version, table_columns, uploads_dir, writing
from .workbook_reader import ReadLimits


class OutsideYourServices(FileRefused):
    """A sheet with rows for services the person loading it does not look after; nothing from it is stored."""


class OpenQuestions(MappingError):
    """A sheet whose reading still has questions only the person can answer; nothing from it is stored."""


@dataclass
class SheetUpload:
    """One sheet of an uploaded file with the plan for loading it and its reading (shown on the Upload page)."""

    raw: RawSheet
    plan: SheetPlan
    reading: SheetReading | None = None


@dataclass
class BatchResult:
    """What loading one sheet did."""

    file_name: str
    sheet: str
    source: str
    layout: str
    batch_id: int | None
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    cells_rejected: int = 0  # cells that could not be read, in rows that were kept without them
    already_loaded_as: int | None = None
    notes: list[str] = field(default_factory=list)
    rejections: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    reading: dict[str, Any] | None = None

    def summary(self) -> str:
        """One line a person can read."""
        where = self.file_name + (f" [{self.sheet}]" if self.sheet else "")
        if self.already_loaded_as is not None:
            return (f"{where}: already loaded as batch {self.already_loaded_as}; nothing added "
                    "(remove that batch first to load it again)")
        return (f"{where}: {self.source} ({self.layout} layout), batch {self.batch_id}: {self.rows_new} new, "
                f"{self.rows_updated} updated, {self.rows_unchanged} unchanged, {self.rows_rejected} rejected"
                + (f", {self.cells_rejected} {'cell' if self.cells_rejected == 1 else 'cells'} not read (their rows "
                   "kept without them)" if self.cells_rejected else ""))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary, rejections included."""
        data = asdict(self)
        data["rejections"] = self.rejections.drop(columns=["row_values"], errors="ignore").to_dict("records")
        return data


def inspect(data: bytes, file_name: str, *, sheet: str | None = None, source: str | None = None,
            overrides: dict[str, str] | None = None, con: duckdb.DuckDBPyConnection | None = None,
            path: Path | None = None, answers: Answers | None = None, service: str | None = None) -> list[SheetUpload]:
    """Read a file, plan each sheet and make its reading, without storing anything."""
    limits = ReadLimits.from_settings(load_settings(con)) if con is not None else ReadLimits()
    threading.Thread(target=import_solver, name="import-solver", daemon=True).start()
    uploads = []
    for raw in read_sheets(data, file_name, sheet, path, limits):
        plan = plan_sheet(raw, source, overrides, con)
        reading = read_sheet(raw, plan, answers or Answers(), con, service)
        uploads.append(SheetUpload(raw, plan, reading))
    return uploads


def ingest_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *, sheet: str | None = None,
                 source: str | None = None, overrides: dict[str, str] | None = None, service: str | None = None,
                 loaded_by: str | None = None, path: Path | None = None,
                 services: tuple[str, ...] | None = None, answers: Answers | None = None) -> list[BatchResult]:
    """Read, plan and load every sheet of a file; raises FileRefused or MappingError before storing anything.

    A sheet whose reading has an open question raises OpenQuestions, naming each question and the flag that
    settles it. With `services` (the person's), a sheet holding rows for any other service is refused."""
    uploads = inspect(data, file_name, sheet=sheet, source=source, overrides=overrides, con=con, path=path,
                      answers=answers, service=service)
    for upload in uploads:
        missing = upload.plan.missing_required()
        if missing:
            raise MappingError(_missing_message(upload, missing))
        if upload.reading and upload.reading.questions:
            raise OpenQuestions(questions_message(upload))
    confirmed = bool(source or overrides)
    return [load_sheet(con, data, u, service=service, loaded_by=loaded_by, remember=confirmed, path=path,
                       services=services, keep_cells=False) for u in uploads]


def ingest_path(con: duckdb.DuckDBPyConnection, path: str | Path, **options: Any) -> list[BatchResult]:
    """Load a file from disk (see ingest_bytes)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileRefused(f"{path}: cannot be opened ({error.strerror})") from None
    return ingest_bytes(con, data, path.name, path=path, **options)


def questions_message(upload: SheetUpload) -> str:
    """What must be answered before a sheet can load, each question with the flag that answers it."""
    where = upload.raw.file_name + (f", sheet {upload.raw.sheet!r}" if upload.raw.sheet else "")
    asked = "\n".join(f"  - {q.text}" + (f" Likely: {q.proposed}." if q.proposed else "") + f" Answer with {q.flag}"
                      for q in upload.reading.questions)
    return f"{where}: nothing was loaded; these need your answer first:\n{asked}"


def _missing_message(upload: SheetUpload, missing: list[str]) -> str:
    source = source_named(upload.plan.source)
    where = upload.raw.file_name + (f", sheet {upload.raw.sheet!r}" if upload.raw.sheet else "")
    wanted = "; ".join(f"{source.field(m).title} (e.g. a column headed "
                       f"{' / '.join(repr(s.title()) for s in source.field(m).synonyms[:3])})" for m in missing)
    return (f"{where}: read as {source.name}, but no column was found for {wanted}. "
            f"Columns in the file: {', '.join(upload.raw.headers)}. "
            f"Map one with --map \"Column in file=field\" (or on the Upload page).")


def load_sheet(con: duckdb.DuckDBPyConnection, data: bytes, upload: SheetUpload, *, service: str | None = None,
               loaded_by: str | None = None, remember: bool = False, path: Path | None = None,
               services: tuple[str, ...] | None = None, keep_cells: bool = True) -> BatchResult:
    """Load one planned sheet as one batch in one transaction.

    With `services`, a sheet with any row for another service raises OutsideYourServices and stores nothing: a
    person limited to some services may not add to, or overwrite, another service's data. With keep_cells False
    (the caller has no further use for them) the sheet's cells are let go once its rows are prepared, before they
    are written: a large sheet is then not held twice."""
    raw, plan = upload.raw, upload.plan
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The file's hash beside preparing its rows: hashlib lets other threads run while it hashes.
        hashing = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        _return_freed_memory()  # what reading the sheet let go of
        prepared = prepare(raw, plan, load_settings(con), service)
        content_hash = hashing.result()
    text_columns.forget()
    if not keep_cells:
        # Empty columns of the same kinds: a slice such as frame.iloc[:0] would keep every cell's text alive.
        raw.frame = pd.DataFrame({name: pd.Series(dtype=column.dtype) for name, column in raw.frame.items()})
    _return_freed_memory()  # what preparing the rows let go of, before DuckDB's insert takes its own
    if services is not None:
        # Before anything else, so that a person limited to some services learns nothing of other services'
        # files: a sheet that passes holds only their rows, as would any earlier batch of the same file.
        _refuse_other_services(prepared, raw, services)
    with writing():  # from the check for an earlier load to the commit, no other load in this process runs
        cur = con.cursor()
        earlier = cur.execute("SELECT batch_id FROM batches WHERE content_hash = ? AND sheet = ? AND source = ?",
                              [content_hash, raw.sheet, plan.source]).fetchone()
        if earlier:
            return BatchResult(raw.file_name, raw.sheet, plan.source, plan.layout, None,
                               already_loaded_as=earlier[0])
        _forget_orphans(con)
        stored_path, created = _keep_original(con, data, raw.file_name, content_hash, path)
        notes = raw.skipped + plan.notes + (upload.reading.notes if upload.reading else []) + prepared.notes
        try:
            result = _write_batch(cur, prepared, raw, plan, content_hash, stored_path, loaded_by or os_user(), notes)
            result.reading = upload.reading.to_dict() if upload.reading else None
            if remember:
                remember_mapping(con, raw.headers, plan)
                record(con.cursor(), loaded_by or os_user(), "change_mapping",
                       {"file": raw.file_name, "sheet": raw.sheet, "plan": plan.to_json()})
        except BaseException:
            if created:
                shutil.rmtree(stored_path.parent, ignore_errors=True)
            raise
    return result


def _libc() -> ctypes.CDLL | None:
    try:
        library = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return library if hasattr(library, "malloc_trim") else None


_LIBC = _libc()


def _return_freed_memory() -> None:
    """Give memory freed so far back to the system (glibc's malloc_trim; nothing elsewhere).

    glibc keeps freed blocks of the size a sheet's columns take (up to 32 MB each) for reuse rather than returning
    them, so without this a large sheet's read, preparation and insert each add their peak to the last one's."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _forget_orphans(con: duckdb.DuckDBPyConnection) -> None:
    """Remove kept originals that no batch refers to: a load killed between keeping the file and committing
    leaves one. Runs under the write lock, so no load in progress is mistaken for one."""
    folder = uploads_dir(con)
    if not folder.is_dir():
        return
    kept = {Path(p).parent.name for (p,) in con.cursor().execute(
        "SELECT DISTINCT stored_path FROM batches WHERE stored_path IS NOT NULL").fetchall()}
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name not in kept:
            shutil.rmtree(entry, ignore_errors=True)


def _refuse_other_services(prepared: Prepared, raw: RawSheet, services: tuple[str, ...]) -> None:
    """Raise OutsideYourServices, naming the rows and services, if any row is for a service not in `services`."""
    outside = prepared.rows_outside(services)
    if not outside:
        return
    rows = sorted(row for numbers in outside.values() for row in numbers)
    shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
    where = raw.file_name + (f", sheet {raw.sheet!r}" if raw.sheet else "")
    yours = ", ".join(services) if services else "no service yet"
    raise OutsideYourServices(
        f"{where}: {len(rows)} {'row is' if len(rows) == 1 else 'rows are'} for {', '.join(outside)} "
        f"(row{'' if len(rows) == 1 else 's'} {shown}), but you may load data only for {yours}. Take those rows "
        "out of the file, or ask an administrator to give you those services. Nothing from this sheet was loaded.")


def _keep_original(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, content_hash: str,
                   path: Path | None) -> tuple[Path, bool]:
    folder = uploads_dir(con) / content_hash[:16]
    target = folder / Path(file_name).name
    if target.exists():
        return target, False
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    if path is not None:
        shutil.copyfile(path, target)
    else:
        target.write_bytes(data)
    return target, created


def _write_batch(cur: duckdb.DuckDBPyConnection, prepared: Prepared, raw: RawSheet, plan: SheetPlan,
                 content_hash: str, stored_path: Path, loaded_by: str, notes: list[str]) -> BatchResult:
    table = prepared.source.name
    cur.execute("BEGIN TRANSACTION")
    try:
        batch_id = cur.execute("SELECT nextval('batch_ids')").fetchone()[0]
        cur.execute("INSERT INTO batches (batch_id, source, file_name, sheet, content_hash, stored_path, loaded_at, "
                    "loaded_by, layout, plan, rows_new, rows_updated, rows_unchanged, rows_rejected, notes, services) "
                    "VALUES (?, ?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, 0, 0, 0, 0, ?, ?)",
                    [batch_id, table, raw.file_name, raw.sheet, content_hash, str(stored_path), loaded_by,
                     plan.layout, plan.to_json(), "\n".join(notes), list(prepared.services)])
        if not cur.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchall():
            counts = _insert_first(cur, prepared, batch_id)
        else:
            _stage(cur, prepared, batch_id)
            counts = _upsert(cur, table, batch_id)
            cur.execute("DROP TABLE stage")
        rejections = prepared.rejections.assign(batch_id=batch_id)
        if len(rejections):
            cur.register("staged_rejections", rejections)
            cur.execute("INSERT INTO rejections (batch_id, file_name, sheet, row_number, column_name, value, reason, "
                        "row_values, row_kept) SELECT batch_id, file_name, sheet, row_number, column_name, value, "
                        "reason, row_values, row_kept FROM staged_rejections")
            cur.unregister("staged_rejections")
        refused = rejections[~rejections["row_kept"].astype(bool)] if len(rejections) else rejections
        rejected_rows = int(refused["row_number"].nunique()) if len(refused) else 0
        rejected_cells = len(rejections) - len(refused)
        cur.execute("UPDATE batches SET rows_new = ?, rows_updated = ?, rows_unchanged = ?, rows_rejected = ?, "
                    "cells_rejected = ? WHERE batch_id = ?", [*counts, rejected_rows, rejected_cells, batch_id])
        record(cur, loaded_by, "upload", {"batch": batch_id, "file": raw.file_name, "sheet": raw.sheet,
                                          "source": table, "new": counts[0], "updated": counts[1],
                                          "unchanged": counts[2], "rejected": rejected_rows})
        bump_data_version(cur)
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return BatchResult(raw.file_name, raw.sheet, table, plan.layout, batch_id, *counts, rejected_rows, rejected_cells,
                       notes=notes, rejections=rejections)


def _typed_select(prepared: Prepared) -> str:
    """The batch's rows (registered as staged_rows) typed as the table's columns; the batch id is bound."""
    columns = ", ".join("?::INTEGER AS batch_id" if name == "batch_id" else f"CAST({name} AS {sql_type}) AS {name}"
                        for name, sql_type in table_columns(prepared.source))
    return f"SELECT {columns} FROM staged_rows"


def _insert_first(cur: duckdb.DuckDBPyConnection, prepared: Prepared, batch_id: int) -> tuple[int, int, int]:
    """Into an empty table every row is new: insert straight from the Arrow rows, with no staging copy."""
    cur.register("staged_rows", prepared.rows)
    [(inserted,)] = cur.execute(f"INSERT INTO {prepared.source.name} {_typed_select(prepared)}",
                                [batch_id]).fetchall()
    cur.unregister("staged_rows")
    return int(inserted), 0, 0


def _stage(cur: duckdb.DuckDBPyConnection, prepared: Prepared, batch_id: int) -> None:
    """Put the batch's rows, typed as the table's columns, in a temporary table."""
    cur.register("staged_rows", prepared.rows)
    cur.execute(f"CREATE OR REPLACE TEMP TABLE stage AS {_typed_select(prepared)}", [batch_id])
    cur.unregister("staged_rows")


def _upsert(cur: duckdb.DuckDBPyConnection, table: str, batch_id: int) -> tuple[int, int, int]:
    """Insert new rows, replace changed ones (keeping the old version), count the unchanged."""
    new, updated, unchanged = cur.execute(f"""
        SELECT count(*) FILTER (WHERE t.row_key IS NULL),
               count(*) FILTER (WHERE t.row_key IS NOT NULL AND t.row_hash <> s.row_hash),
               count(*) FILTER (WHERE t.row_hash = s.row_hash)
        FROM stage s LEFT JOIN {table} t USING (row_key)""").fetchone()
    if updated:
        cur.execute(f"""
            INSERT INTO {table}_superseded
            SELECT t.*, ? FROM {table} t JOIN stage s USING (row_key) WHERE t.row_hash <> s.row_hash""",
                    [batch_id])
        cur.execute(f"""
            DELETE FROM {table} WHERE row_key IN (
                SELECT s.row_key FROM stage s JOIN {table} t USING (row_key) WHERE t.row_hash <> s.row_hash)""")
    cur.execute(f"INSERT INTO {table} SELECT s.* FROM stage s ANTI JOIN {table} t USING (row_key)")
    # Rows this batch holds unchanged stay with their first batch; note that this one has them too, so
    # removing either export later keeps the rows the other still holds.
    cur.execute(f"""
        INSERT INTO sightings SELECT ?, ?, s.row_key FROM stage s JOIN {table} t USING (row_key)
        WHERE t.batch_id <> ?""", [batch_id, table, batch_id])
    return int(new), int(updated), int(unchanged)
