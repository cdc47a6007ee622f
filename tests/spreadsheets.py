"""Small spreadsheets written the way providers' tools export them, for the ingestion tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook


def xlsx(path: Path, sheets: dict[str, list[list[object]]], merge_title: bool = False) -> Path:
    """Write a workbook with one sheet per entry; rows are written as given (None leaves a cell blank)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if merge_title:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    workbook.save(path)
    return path


def csv_file(path: Path, rows: list[list[object]], encoding: str = "utf-8", bom: bool = False) -> Path:
    """Write rows as CSV in the given encoding, with a byte-order mark if asked."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


AUDIT_HEADER = ["Date of audit", "Unit", "Shift", "Audit type", "Question", "Answer", "Audit ref", "Auditor"]


def audit_rows(month: int = 3, answers: tuple[str, ...] = ("Yes", "No", "N/A")) -> list[list[object]]:
    """Long-layout audit rows: one audit on Rowan Unit with one item per answer."""
    return [[f"15/{month:02d}/2026", "Rowan Unit", "Early", "Care plan",
             f"Item {i + 1}", answer, f"CP-{month}", "Jo Bloggs"] for i, answer in enumerate(answers)]


COMPLAINT_HEADER = ["Ref", "Date received", "Unit", "Category", "Summary", "Complainant", "Outcome", "Status"]
