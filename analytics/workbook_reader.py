"""Reading a workbook without letting it harm the server: limits checked first, the reader run in a child process.

The Excel readers (fastexcel and python-calamine, both Rust's calamine) build each sheet as one block of cells
from its first to its last cell. A 2 KB workbook with one stray cell at XFD1048576 asks for 512 GB and the
allocator aborts the whole process: every user of the dashboard would lose it. So the sizes a workbook declares
are checked before reading (file, uncompressed parts, shared text, each sheet's declared extent), and the reading
itself runs in a child process with a memory and a time limit. Whatever the file does, the child is what ends,
and the person is told which limit the file went past and what to change.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

_ZIP_MAGIC = b"PK\x03\x04"
_DIMENSION = re.compile(rb'<dimension[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_FIRST_VALUE_CELL = re.compile(rb'<c\b[^>]*\br="([A-Z]+)(\d+)"[^>]*>\s*(?:<f[^>]*(?:/>|>[^<]*</f>)\s*)?<(?:v|is)\b')
# Whether a stretch of the sheet may hold a formula at all: the same test as `b"<f" in text`, in half the time.
_FORMULA_START = re.compile(rb"<f")
_FORMULA_CELL = re.compile(rb'<c\b[^>]*\br="([A-Z]+)(\d+)"[^>]*>\s*<f\b[^>]*(?:/>|>([^<]*)</f>)\s*(<v>[^<]*</v>)?')


class WorkbookRefused(ValueError):
    """A workbook that could not, or may not, be read; the message says why and what to change."""


@dataclass(frozen=True)
class ReadLimits:
    """How large a file may be before it is read at all (the `limits` setting; defaults in defaults.json)."""

    max_file_mb: float = 200.0
    max_cells: int = 30_000_000  # per sheet: rows x columns from its first to its last cell
    max_columns: int = 1000  # per sheet or CSV: no export a person reads has more
    max_text_mb: float = 200.0  # the workbook's shared text, uncompressed
    max_unpacked_mb: float = 4000.0  # every part of the workbook, uncompressed
    reader_memory_mb: int = 6000
    reader_seconds: float = 600.0

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> ReadLimits:
        """The limits in the settings, the defaults for any not given."""
        given = (settings or {}).get("limits") or {}
        return cls(**{k: type(getattr(cls(), k))(v) for k, v in given.items() if k in cls.__dataclass_fields__})


@dataclass
class WorkbookSheet:
    """One sheet as read: every cell as text (None for blank), and where its first row sits in the sheet."""

    name: str
    visible: bool
    first_row: int  # the sheet's row number (1-based) of the table's first row
    first_cell_column: int  # the column number (A = 1) of the first cell with a value, in that row
    table: pa.Table
    formulas_without_values: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, formula)


def check_limits(data: bytes, file_name: str, limits: ReadLimits) -> None:
    """Refuse a file whose size, or whose declared parts and sheet extents, go past the limits."""
    check_file_size(data, file_name, limits)
    if not data.startswith(_ZIP_MAGIC):
        return  # .xls: the child's memory and time limits guard it
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # the reader will say it cannot be read
    unpacked = sum(p.file_size for p in parts) / 1e6
    if unpacked > limits.max_unpacked_mb:
        raise WorkbookRefused(f"{file_name}: unpacked, the workbook would take {unpacked:,.0f} MB, more than the "
                              f"limit of {limits.max_unpacked_mb:,.0f} MB (max_unpacked_mb). Save a copy with only "
                              "the sheets needed.")
    for part in parts:
        if part.filename.lower().endswith("sharedstrings.xml") and part.file_size / 1e6 > limits.max_text_mb:
            raise WorkbookRefused(f"{file_name}: the workbook holds {part.file_size / 1e6:,.0f} MB of text, more "
                                  f"than the limit of {limits.max_text_mb:,.0f} MB (max_text_mb). A cell may hold "
                                  "a very long text pasted by mistake: find it, clear it and save again.")
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            _check_declared_extent(archive, part, file_name, limits)


def check_file_size(data: bytes, file_name: str, limits: ReadLimits) -> None:
    """Refuse a file (workbook or CSV) larger than the max_file_mb limit."""
    size_mb = len(data) / 1e6
    if size_mb > limits.max_file_mb:
        raise WorkbookRefused(f"{file_name}: the file is {size_mb:,.0f} MB; the largest accepted is "
                              f"{limits.max_file_mb:,.0f} MB (the max_file_mb limit). Split it, e.g. a year per file.")


def _check_declared_extent(archive: zipfile.ZipFile, part: zipfile.ZipInfo, file_name: str,
                           limits: ReadLimits) -> None:
    with archive.open(part) as stream:
        head = stream.read(4096)
    found = _DIMENSION.search(head)
    if not found or not found.group(3):
        return
    rows = int(found.group(4)) - int(found.group(2)) + 1
    columns = column_number(found.group(3).decode()) - column_number(found.group(1).decode()) + 1
    if rows * columns > limits.max_cells:
        extent = "{}{}:{}{}".format(*(part.decode() for part in found.groups()))
        raise WorkbookRefused(_too_large(file_name, Path(part.filename).stem, rows, columns, extent, limits))


def _too_large(file_name: str, sheet: str, rows: int, columns: int, extent: str, limits: ReadLimits) -> str:
    return (f"{file_name}, {sheet}: the sheet reaches from {extent}, {rows:,} rows by {columns:,} columns, more than "
            f"the limit of {limits.max_cells:,} cells (max_cells). Usually a stray cell far below or to the right of "
            "the table causes this: in Excel, Ctrl+End shows the last cell; delete the empty rows and columns after "
            "the table, save, and upload again.")


def column_number(letters: str) -> int:
    """A column's letters as its number: A = 1, Z = 26, AA = 27."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def read_workbook(data: bytes, file_name: str, limits: ReadLimits = ReadLimits(),
                  path: Path | None = None) -> list[WorkbookSheet]:
    """Every sheet of a workbook, read in a child process under the limits; raises WorkbookRefused.

    The child writes each sheet as an Arrow file in a temporary folder, which this process maps without copying;
    while the child reads, this process finds where each sheet's table starts and its formulas without values."""
    check_limits(data, file_name, limits)
    with tempfile.TemporaryDirectory(prefix="workbook_") as folder:
        source = str(path) if path is not None and Path(path).is_file() else None
        if source is None:
            source = os.path.join(folder, "workbook" + (Path(file_name).suffix.lower() or ".xlsx"))
            with open(source, "wb") as out:
                out.write(data)
        # A fresh interpreter rather than a fork: the dashboard's server has threads, which a fork would copy
        # mid-flight. The child imports only the reader (about a quarter of a second).
        command = [sys.executable, "-m", "analytics.workbook_reader", source, json.dumps(asdict(limits)), folder]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                 cwd=Path(__file__).resolve().parent.parent)
        started = time.monotonic()
        try:
            layouts = _sheet_layouts(data)
        except Exception as error:  # noqa: BLE001 - a workbook the scan cannot follow is not read at all
            child.kill()
            child.communicate()
            raise WorkbookRefused(f"{file_name}{_reader_error(error)}") from None
        try:
            output, _ = child.communicate(timeout=max(0.0, limits.reader_seconds - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            output = _frame(json.dumps({"timeout": True}).encode())
        return _sheets_from(_unframe(output), child.returncode, file_name, limits, layouts)


def _frame(message: bytes) -> bytes:
    return struct.pack("<Q", len(message)) + message


def _unframe(output: bytes) -> list[bytes]:
    parts, at = [], 0
    while at + 8 <= len(output):
        (size,) = struct.unpack_from("<Q", output, at)
        if at + 8 + size > len(output):
            break  # cut short: the child died while writing
        parts.append(output[at + 8:at + 8 + size])
        at += 8 + size
    return parts


def _sheets_from(parts: list[bytes], exitcode: int | None, file_name: str, limits: ReadLimits,
                 layouts: dict[int, tuple[int, int, list[tuple[int, str, str]]]]) -> list[WorkbookSheet]:
    sheets = []
    for part in parts:
        message = json.loads(part)
        if "error" in message:
            raise WorkbookRefused(f"{file_name}{message['error']}")
        if message.get("timeout"):
            raise WorkbookRefused(f"{file_name}: reading it took longer than {limits.reader_seconds:,.0f} s (the "
                                  "reader_seconds limit), so it was stopped. Save a smaller copy and try again.")
        if message.get("end"):
            return sheets
        first_row, first_column, formulas = layouts.get(message["position"], (1, 0, []))
        sheets.append(WorkbookSheet(message["name"], message["visible"], first_row, first_column,
                                    _arrow_file(message["file"]), formulas))
    raise WorkbookRefused(
        f"{file_name}: the spreadsheet reader stopped on this file (exit status {exitcode}; it may not use more "
        f"than {limits.reader_memory_mb:,} MB), so nothing was read and nothing was stored. A stray cell far below "
        "or to the right of the table, or a very long text in one cell, usually causes this: in Excel, Ctrl+End "
        "shows the last cell; delete the empty rows and columns after the table, save, and upload again.")


def _arrow_file(path: str) -> pa.Table:
    """A sheet the child wrote: mapped, not copied, where the file can be removed while mapped (POSIX)."""
    if os.name == "posix":
        return pa.ipc.open_file(pa.memory_map(path)).read_all()
    with pa.OSFile(path) as stream:
        return pa.ipc.open_file(stream).read_all()


def _sheet_layouts(data: bytes) -> dict[int, tuple[int, int, list[tuple[int, str, str]]]]:
    """By each sheet's position in the workbook: the row and column of its first cell with a value, and its
    formula cells without a saved value (see _scan_sheet_xml). Empty for a workbook that is not a zip (.xls)."""
    if not data.startswith(_ZIP_MAGIC):
        return {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return {}  # the reader will say it cannot be read
    return {position: _scan_sheet_xml(archive, part) for position, part in _sheet_parts(archive).items()}


def _read_in_child(source: str, limits: ReadLimits, folder: str, send: Callable[[bytes], None]) -> None:
    """In the child process: read every sheet as text and write it to `folder` as an Arrow file, one per sheet."""
    import fastexcel

    memory = limits.reader_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    try:
        reader = fastexcel.read_excel(source)
        for position, name in enumerate(reader.sheet_names):
            sheet = reader.load_sheet(name, header_row=None, dtypes="string")
            if sheet.width > limits.max_columns:
                send(json.dumps({"error": f", sheet {name!r}: it has {sheet.width:,} columns, more than the limit of "
                                          f"{limits.max_columns:,} (max_columns); delete the empty or unused columns "
                                          "to the right of the table, save, and upload again"}).encode())
                return
            if sheet.height * max(sheet.width, 1) > limits.max_cells:
                send(json.dumps({"error": ", " + _too_large(
                    "", name, sheet.height, sheet.width, "its first to its last cell", limits)[2:]}).encode())
                return
            table = sheet.to_arrow()
            # As large strings, which pandas holds as they are: the parent maps the file and copies nothing.
            table = pa.table({f"c{i}": column.cast(pa.large_string()) if pa.types.is_string(column.type) else column
                              for i, column in enumerate(table.columns)}) if table.num_columns else pa.table({})
            target = os.path.join(folder, f"sheet{position}.arrow")
            with pa.OSFile(target, "wb") as out, pa.ipc.new_file(out, table.schema) as writer:
                writer.write_table(table)
            send(json.dumps({"name": name, "visible": sheet.visible == "visible", "position": position,
                             "file": target}).encode())
        send(json.dumps({"end": True}).encode())
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - every reader error becomes a message for the person
        send(json.dumps({"error": _reader_error(error)}).encode())


def _reader_error(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "password" in text.lower() or "encrypt" in text.lower():
        return ": the workbook is password-protected; save an unprotected copy and upload that"
    return f": could not be read as a spreadsheet ({text}); check it opens in Excel and save it again as .xlsx"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[int, str]:
    """The XML part of each sheet, by the sheet's position in the workbook."""
    try:
        workbook = archive.read("xl/workbook.xml")
        links = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {m.group(1): m.group(2) for m in re.finditer(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"',
                                                              links)}
    targets.update({m.group(2): m.group(1) for m in
                    re.finditer(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', links)})
    parts = {}
    for position, found in enumerate(re.finditer(rb'<sheet\b[^>]*?r:id="([^"]+)"', workbook)):
        target = targets.get(found.group(1), b"").decode()
        parts[position] = target.lstrip("/") if target.startswith("/xl/") else "xl/" + target
    return parts


def _scan_sheet_xml(archive: zipfile.ZipFile, part: str | None) -> tuple[int, int, list[tuple[int, str, str]]]:
    """The row and column of the sheet's first cell with a value, and every formula cell with no saved value.

    The reader returns a sheet from its first cell, so the row numbers people see need the first; a formula whose
    file was never opened and saved in a spreadsheet program has no saved value, and reads as blank."""
    if part is None or part not in archive.namelist():
        return 1, 0, []
    first_row, first_column, formulas, tail = None, 0, [], b""
    with archive.open(part) as stream:
        while chunk := stream.read(4 << 20):
            window = tail + chunk
            if first_row is None and (found := _FIRST_VALUE_CELL.search(window)):
                first_row, first_column = int(found.group(2)), column_number(found.group(1).decode())
            if _FORMULA_START.search(window):
                for cell in _FORMULA_CELL.finditer(window):
                    value = cell.group(4)
                    if value is None or value in (b"<v></v>",):
                        formulas.append((int(cell.group(2)), cell.group(1).decode(),
                                         (cell.group(3) or b"").decode(errors="replace")))
            tail = window[-65536:]
    return first_row or 1, first_column, sorted(set(formulas))


def _child_main() -> None:
    out = sys.stdout.buffer

    def send(message: bytes) -> None:
        out.write(_frame(message))
        out.flush()

    _read_in_child(sys.argv[1], ReadLimits(**json.loads(sys.argv[2])), sys.argv[3], send)


if __name__ == "__main__":
    _child_main()
