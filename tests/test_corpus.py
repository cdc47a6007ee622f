"""The proof corpus for "Read the files providers really have" is sound: these tests check the corpus itself.

Every file opens (openpyxl, xlrd or the csv module, and pandas); the data rows a person would count match
what pandas reads below the header, less blank, second-header and trailing non-data rows; every header in
`columns` is in the file and every header in the file is in `columns`; every rating column has a scale and,
for numeric scales, a direction; needs come with what a person would supply; bad cells sit where they say.

They do not run the loader. How far the loader's reading agrees with the expected readings (tests/corpus.py,
measured with `reading_agreement`) is measured by tests that the loader's authors will add.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import xlrd
from corpus import (
    COMMENT,
    DIRECTIONS,
    NEEDS,
    NUMERIC_SCALES,
    PERIOD,
    QUESTION,
    SCALES,
    CorpusFile,
    reading_agreement,
    write_corpus,
)
from openpyxl import load_workbook

from analytics.sources import SOURCES

__all__ = ["reading_agreement"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[CorpusFile]:
    return write_corpus(tmp_path_factory.mktemp("corpus"), seed=0)


def _cells(value: object) -> str:
    return "" if value is None else str(value).strip()


def header_cells(entry: CorpusFile) -> list[str]:
    """The non-blank cells of the (first) header row, read without pandas."""
    suffix = entry.path.suffix.lower()
    if suffix == ".xlsx":
        book = load_workbook(entry.path, read_only=True)
        row = next(book[entry.sheet].iter_rows(min_row=entry.header_row, max_row=entry.header_row, values_only=True))
        book.close()
        return [_cells(v) for v in row if _cells(v)]
    if suffix == ".xls":
        sheet = xlrd.open_workbook(str(entry.path)).sheet_by_name(entry.sheet)
        return [_cells(v) for v in sheet.row_values(entry.header_row - 1) if _cells(v)]
    with entry.path.open(encoding=entry.encoding, newline="") as handle:
        records = list(csv.reader(handle, delimiter=entry.delimiter))
    return [_cells(v) for v in records[entry.header_row - 1] if _cells(v)]


def pandas_frame(entry: CorpusFile) -> pd.DataFrame:
    """What pandas reads below the header row."""
    if entry.path.suffix.lower() in (".xlsx", ".xls"):
        engine = "openpyxl" if entry.path.suffix.lower() == ".xlsx" else "calamine"
        return pd.read_excel(entry.path, sheet_name=entry.sheet, header=entry.header_row - 1, engine=engine)
    return pd.read_csv(entry.path, encoding=entry.encoding, sep=entry.delimiter, header=entry.header_row - 1)


def test_the_corpus_has_at_least_22_files_of_every_kind(corpus: list[CorpusFile]) -> None:
    assert len(corpus) >= 22
    assert len({entry.path for entry in corpus}) == len(corpus)
    suffixes = {entry.path.suffix.lower() for entry in corpus}
    assert {".xlsx", ".csv", ".xls"} <= suffixes
    sources = {entry.source for entry in corpus}
    assert set(SOURCES) - {"actions"} <= sources  # action plans: three layouts in tests/test_action_plans.py
    assert all(entry.path.exists() and entry.path.stat().st_size > 0 for entry in corpus)


def test_the_same_seed_gives_the_same_corpus(tmp_path: Path, corpus: list[CorpusFile]) -> None:
    again = write_corpus(tmp_path / "again", seed=0)
    other = write_corpus(tmp_path / "other", seed=1)
    for first, second, third in zip(corpus, again, other, strict=True):
        assert first.path.name == second.path.name
        assert first.data_rows == second.data_rows and first.bad_cells == second.bad_cells
        assert pandas_frame(first).equals(pandas_frame(second)), first.path.name
    assert any(not pandas_frame(a).equals(pandas_frame(c)) for a, c in zip(corpus, other, strict=True))


def test_every_file_opens_and_the_data_rows_match_pandas(corpus: list[CorpusFile]) -> None:
    for entry in corpus:
        assert entry.layout in ("long", "wide", "wide_by_month"), entry.path.name
        frame = pandas_frame(entry).dropna(how="all")
        counted = len(frame) - (entry.header_rows - 1) - entry.trailing_rows
        assert counted == entry.data_rows, f"{entry.path.name}: pandas {counted}, expected {entry.data_rows}"
        assert entry.data_rows > 0


def test_every_header_is_in_the_file_and_every_column_has_a_reading(corpus: list[CorpusFile]) -> None:
    for entry in corpus:
        in_file = header_cells(entry)
        assert len(in_file) == len(set(in_file)), f"{entry.path.name}: repeated headers"
        assert set(entry.columns) == set(in_file), (
            f"{entry.path.name}: only expected {set(entry.columns) - set(in_file)}, "
            f"only in file {set(in_file) - set(entry.columns)}")


def test_readings_name_real_fields(corpus: list[CorpusFile]) -> None:
    markers = {QUESTION, PERIOD, COMMENT, None}
    for entry in corpus:
        if entry.source is None:
            assert entry.refusal and not any(entry.columns.values()), entry.path.name
            continue
        fields = {f.name for f in SOURCES[entry.source].fields}
        for header, reading in entry.columns.items():
            assert reading in fields or reading in markers, f"{entry.path.name}: {header} -> {reading}"
        wide = set(entry.question_columns)
        read = [r for h, r in entry.columns.items() if r in fields and h not in wide and r != "comment"]
        assert len(read) == len(set(read)), f"{entry.path.name}: a field read from two columns"
        present = set(read) | set(entry.needs)
        if wide:
            source = SOURCES[entry.source]
            present |= {source.wide_question_field, source.wide_value_field}
        if entry.layout == "wide_by_month":
            present |= {"audit_date", "answer"}
        missing = set(SOURCES[entry.source].required) - present
        assert not missing, f"{entry.path.name}: required {missing} neither read nor asked for"


def test_every_rating_column_has_a_scale_and_a_direction(corpus: list[CorpusFile]) -> None:
    for entry in corpus:
        rating_columns = {h for h, r in entry.columns.items() if r == "rating"}
        if entry.source == "feedback":
            rating_columns |= set(entry.question_columns)
        assert set(entry.rating_scale) == rating_columns, entry.path.name
        assert set(entry.rating_direction) == rating_columns, entry.path.name
        for header, scale in entry.rating_scale.items():
            assert scale in SCALES, f"{entry.path.name}: {header} scale {scale}"
            direction = entry.rating_direction[header]
            if scale in NUMERIC_SCALES:
                assert direction in DIRECTIONS, f"{entry.path.name}: {header} needs a direction"
            else:
                assert direction is None, f"{entry.path.name}: {header}: words carry their own order"


def test_free_text_needs_and_bad_cells_are_consistent(corpus: list[CorpusFile]) -> None:
    for entry in corpus:
        for header in entry.comment_columns:
            assert header in entry.columns, f"{entry.path.name}: comment column {header}"
            assert entry.columns[header] in (COMMENT, "summary", "comment"), f"{entry.path.name}: {header}"
        kept = {h for h, r in entry.columns.items() if r in (COMMENT, "summary")}
        assert kept <= set(entry.comment_columns), f"{entry.path.name}: {kept - set(entry.comment_columns)}"
        assert set(entry.needs) <= set(NEEDS), entry.path.name
        assert set(entry.supplied) == set(entry.needs), entry.path.name
        for need in ("service", "team", "audit_type"):
            if need in entry.needs:
                assert need not in entry.columns.values(), f"{entry.path.name}: asks for {need} it has"
        frame = pandas_frame(entry)
        for bad in entry.bad_cells:
            assert bad.column in entry.columns, entry.path.name
            value = frame.iloc[bad.row - entry.header_row - 1][bad.column]
            assert _cells(value if not pd.isna(value) else None) == bad.value, (
                f"{entry.path.name} row {bad.row}: {value!r} is not {bad.value!r}")


def test_the_shapes_asked_for_are_all_there(corpus: list[CorpusFile]) -> None:
    shapes = " | ".join(entry.shape for entry in corpus)
    for words in ("Microsoft Forms", "Google Forms audit", "Google Forms family survey", "KoBo", "Radar",
                  "Homemade complaints", "NHS trust FFT", "GP practice FFT", "1-5, 5 = best", "GP Patient Survey",
                  "NHS England FFT", "Weekly rota variance", "Twilight", "blank service", "months as columns",
                  "line breaks", "Windows-1252", "UTF-16", "near-duplicate"):
        assert words in shapes, words


def test_csv_files_are_in_the_encoding_they_claim(corpus: list[CorpusFile]) -> None:
    by_name = {entry.path.name: entry for entry in corpus}
    cp1252 = by_name["Concerns and complaints 2024-25.csv"].path.read_bytes()
    assert b"\xa3" in cp1252 and b"\xe9" in cp1252
    with pytest.raises(UnicodeDecodeError):
        cp1252.decode("utf-8")
    utf16 = next(e for e in corpus if e.encoding == "utf-16").path.read_bytes()
    assert utf16[:2] == b"\xff\xfe" and b"\t\x00" in utf16
    multiline = by_name["careplan_audit_export.csv"]
    lines = multiline.path.read_bytes().decode("utf-8-sig").count("\r\n")
    assert lines > multiline.data_rows + 1  # more physical lines than records


def test_workbook_features_are_there(corpus: list[CorpusFile]) -> None:
    by_name = {entry.path.name: entry for entry in corpus}
    book = load_workbook(by_name["Complaints Log 2025.xlsx"].path)
    assert book["Lists"].sheet_state == "hidden" and book.sheetnames[0] == "Read me"
    assert book["Log"].data_validations.dataValidation
    tracker = load_workbook(by_name["Care Plan Audit Tracker 2025-26.xlsx"].path)["2025-26"]
    assert any(r.min_row == 1 for r in tracker.merged_cells.ranges)
    assert any(r.min_col == 2 and r.max_row > r.min_row for r in tracker.merged_cells.ranges)
    xls = next(e for e in corpus if e.path.suffix == ".xls")
    homes = set(pd.read_excel(xls.path, sheet_name=xls.sheet, engine="calamine")["Home"])
    assert set(xls.near_duplicates) <= homes and set(xls.near_duplicates.values()) <= homes


def test_reading_agreement() -> None:
    entry = CorpusFile(path=Path("x.csv"), shape="", source="audits", sheet="", data_rows=1,
                       columns={"Date of visit": "audit_date", "Check point": "item", "Email": None,
                                "Q1?": QUESTION})
    assert reading_agreement(entry, {"Date of visit": "audit_date", "Check point": "item", "Q1?": "question"}) == 1.0
    assert reading_agreement(entry, {"date of visit": "audit_date", "Email": "auditor"}) == 0.25
    assert reading_agreement(entry, {}) == 0.25
    refused = CorpusFile(path=Path("y.xlsx"), shape="", source=None, sheet="", data_rows=1, columns={"Good": None})
    assert reading_agreement(refused, {}) == 1.0
    assert reading_agreement(refused, {"Good": "rating"}) == 0.0


def test_a_perfect_reading_agrees_fully(corpus: list[CorpusFile]) -> None:
    for entry in corpus:
        assert reading_agreement(entry, dict(entry.columns)) == 1.0
