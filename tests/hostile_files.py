"""Hand-made hostile workbooks: parts written directly, as an attacker (or a broken export tool) would."""

from __future__ import annotations

import zipfile
from pathlib import Path

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                  '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
                  '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                  '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                  'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
                  'formats-officedocument.spreadsheetml.worksheet+xml"/>{shared}</Types>')
_SHARED_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sharedStrings+xml"/>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="Audit" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                  'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>{shared}'
                  '</Relationships>')
_SHARED_REL = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               'sharedStrings" Target="sharedStrings.xml"/>')
SHEET_START = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main">{dimension}<sheetData>')
SHEET_END = "</sheetData></worksheet>"


def inline(ref: str, text: str) -> str:
    """A cell holding text written in the cell itself."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(path: Path, rows_xml: str, dimension: str = "", shared: str | None = None) -> Path:
    """A one-sheet .xlsx with the given <row> elements (and shared strings part, if any)."""
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(shared=_SHARED_TYPE if shared else ""))
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(shared=_SHARED_REL if shared else ""))
        archive.writestr("xl/worksheets/sheet1.xml", SHEET_START.format(dimension=dimension_xml) + rows_xml + SHEET_END)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
    return path


def audit_table_rows() -> str:
    """A small, valid audit table as sheet rows."""
    header = ["Date of audit", "Unit", "Shift", "Audit type", "Question", "Answer", "Audit ref"]
    body = [["2026-03-02", "Rowan Unit", "Early", "Care plan", "Care plan signed", "Yes", "CP1"],
            ["2026-03-02", "Rowan Unit", "Early", "Care plan", "Risk assessment", "No", "CP1"]]
    rows = []
    for number, row in enumerate([header] + body, start=1):
        cells = "".join(inline(f"{chr(65 + i)}{number}", value) for i, value in enumerate(row))
        rows.append(f'<row r="{number}">{cells}</row>')
    return "".join(rows)


def stray_cell(path: Path) -> Path:
    """A tiny valid table and one more cell at XFD1048576, with no dimension to give it away."""
    return workbook(path, audit_table_rows() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')


def huge_shared_text(path: Path, megabytes: int = 300) -> Path:
    """A few hundred KB that unpack to a shared string of `megabytes` MB."""
    text = "A" * (megabytes * 1_000_000)
    shared = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
              f'main" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>')
    return workbook(path, audit_table_rows() + '<row r="4"><c r="A4" t="s"><v>0</v></c></row>', shared=shared)
