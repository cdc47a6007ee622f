"""The workbooks we write: the quarterly board pack (analytics.board_pack builds it) and the rows a load refused, to
fix and upload again. openpyxl is imported only here: a page pays for it when someone downloads a workbook, not when
the dashboard starts."""

from __future__ import annotations

import json
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .board_pack import LEGEND, BoardPack, place_name, uk_day
from .board_summary import GRID_SYMBOLS
from .safe_output import safe_row, safe_workbook

_SHEETS = (("By key question", "register"), ("Key question grid", "grid_table"), ("Direction of travel", "direction"),
           ("Concerns", "concerns"), ("Still fragile", "fragile"), ("What is strong", "strong"),
           ("What is qualified", "qualified"), ("Leaders vs evidence", "leaders"),
           ("Leadership response", "response"), ("Overdue actions", "overdue"), ("Concern timelines", "timelines"),
           ("Limited evidence", "limited"), ("Evidence", "evidence"))
_WIDE_COLUMNS = {"Why": 90, "Leaders said": 50, "Rows": 60, "Detail": 50, "Confidence": 32, "Status": 28,
                 "Reading": 40, "Where": 36, "Now": 28, "Then": 28, "Measure": 34}
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")


def board_pack_xlsx(pack: BoardPack) -> bytes:
    """The board pack as a workbook: a front sheet, then one sheet per section.

    No cell is a formula: a name or sentence a spreadsheet would read as one ('=HYPERLINK(...)', '+1+1') is written
    with a single quote in front (analytics.safe_output)."""
    workbook = Workbook()
    front = workbook.active
    front.title = "Board report"
    for row in ([pack.title], [f"Data as of {uk_day(pack.as_of)}, compared with {uk_day(pack.before_as_of)} "
                                "(the end of the previous quarter)"],
                [pack.moves()], [f"Generated {pack.generated:%d/%m/%Y %H:%M} by Leadership Insight"], [],
                ["What the board must know"],
                *([f"{n}. {GRID_SYMBOLS[p.status]} · {place_name(p.service, p.team, p.shift)}: {p.sentence}"]
                  for n, p in enumerate(pack.must_know, start=1)), [],
                *([line] for line in LEGEND)):
        front.append(safe_row(row))
    front["A1"].font = Font(bold=True, size=14)
    front.column_dimensions["A"].width = 110
    for title, attribute in _SHEETS:
        _write_sheet(workbook.create_sheet(title), getattr(pack, attribute))
    return _saved(safe_workbook(workbook))


def _write_sheet(sheet, frame: pd.DataFrame) -> None:
    sheet.append(safe_row(list(frame.columns)))
    for values in frame.itertuples(index=False):
        sheet.append(safe_row(["" if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in values]))
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
    for index, name in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDE_COLUMNS.get(name, 18)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    if not frame.empty:
        sheet.auto_filter.ref = sheet.dimensions
    else:
        sheet.append(["Nothing to report in this section."])


# The rows to fix -----------------------------------------------------------------------------------------------

def rejections_workbook(frame: pd.DataFrame) -> bytes:
    """An .xlsx of rejected rows to fix and upload again: the original columns, then what to fix.

    No cell is a formula: text a spreadsheet would read as one ('=HYPERLINK(...)', '+1+1', '@SUM(...)') is written
    with a single quote in front (analytics.safe_output)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Rows to fix"
    if frame.empty:
        sheet.append(["No rows were rejected."])
        return _saved(workbook)
    by_row = frame.groupby(["file_name", "sheet", "row_number"], sort=False)
    originals = [json.loads(values) for values in by_row["row_values"].first()]
    headers = list(dict.fromkeys(h for row in originals for h in row))
    sheet.append(safe_row(headers + ["What to fix", "File", "Sheet", "Row in file"]))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    note_fill = PatternFill("solid", fgColor="FFF2CC")
    for (file_name, sheet_name, row_number), group in by_row:
        original = json.loads(group["row_values"].iat[0])
        fix = "; ".join(f"{c}: {r}" for c, r in zip(group["column_name"], group["reason"]))
        sheet.append(safe_row([original.get(h) for h in headers] + [fix, file_name, sheet_name, int(row_number)]))
        sheet.cell(sheet.max_row, len(headers) + 1).fill = note_fill
    sheet.freeze_panes = "A2"
    return _saved(safe_workbook(workbook))


def _saved(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
