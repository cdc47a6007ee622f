"""Loading real-world spreadsheets: layouts, sources, bad input, transactions, re-uploads and batches."""

import io
import json
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook
from spreadsheets import AUDIT_HEADER, COMPLAINT_HEADER, audit_rows, csv_file, xlsx

import analytics.ingest
from analytics.__main__ import main
from analytics.batches import (
    list_batches,
    rejections,
    remove_batch,
    row_counts,
)
from analytics.ingest import ingest_bytes, ingest_path
from analytics.mapping import MappingError
from analytics.readers import FileRefused
from analytics.store import connect, uploads_dir
from analytics.workbooks import rejections_workbook


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "store.duckdb")
    yield con
    con.close()


def table(con, name):
    return con.cursor().execute(f"SELECT * EXCLUDE (row_key, row_hash) FROM {name} ORDER BY source_row").df()


# --- layouts -------------------------------------------------------------------------------

def test_header_below_a_title_with_spacers_and_a_totals_row(store, tmp_path):
    rows = [["Oakwood House: care plan audit"], ["Completed monthly by the deputy manager"], [],
            [None] + AUDIT_HEADER,
            [None, datetime(2026, 3, 2), "Rowan Unit", "Early", "Care plan", "Care plan signed", "Yes", "CP1", "Jo"],
            [],
            [None, datetime(2026, 3, 2), "Rowan Unit", "Early", "Care plan", "Risk assessment", "No", "CP1", "Jo"],
            [None, "Total", None, None, None, None, "50%"]]
    path = xlsx(tmp_path / "audit.xlsx", {"Care plans": rows}, merge_title=True)
    [result] = ingest_path(store, path)
    assert (result.source, result.sheet, result.rows_new, result.rows_rejected) == ("audits", "Care plans", 2, 0)
    assert any("row 8 looks like a totals row" in note for note in result.notes)
    audits = table(store, "audits")
    assert list(audits["source_row"]) == [5, 7]
    assert list(audits["answer_class"]) == ["met", "not_met"]
    assert list(audits["audit_date"].dt.date) == [date(2026, 3, 2)] * 2
    assert set(audits["service"]) == {"My service"}


def test_every_sheet_of_a_workbook_is_its_own_batch(store, tmp_path):
    path = xlsx(tmp_path / "audits.xlsm", {"March": [AUDIT_HEADER] + audit_rows(3),
                                          "April": [AUDIT_HEADER] + audit_rows(4, ("Met", "Not met")),
                                          "Notes": [["Read me first"], ["These are our audits"]]})
    results = ingest_path(store, path)
    assert [(r.sheet, r.rows_new) for r in results] == [("March", 3), ("April", 2)]
    assert "sheet 'Notes' has no header row we recognise" in " ".join(results[0].notes)
    assert sorted(list_batches(store)["sheet"]) == ["April", "March"]


def test_only_the_sheet_asked_for(store, tmp_path):
    path = xlsx(tmp_path / "audits.xlsx", {"March": [AUDIT_HEADER] + audit_rows(3),
                                          "April": [AUDIT_HEADER] + audit_rows(4)})
    assert [r.sheet for r in ingest_path(store, path, sheet="April")] == ["April"]
    with pytest.raises(FileRefused, match="there is no sheet called 'May'; its sheets are 'March', 'April'"):
        ingest_path(store, path, sheet="May")


def test_an_old_xls_workbook(store, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Audit")
    for r, row in enumerate([AUDIT_HEADER] + audit_rows(3, ("Yes", "Not met"))):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    workbook.save(str(tmp_path / "old.xls"))
    [result] = ingest_path(store, tmp_path / "old.xls")
    assert (result.source, result.sheet, result.rows_new) == ("audits", "Audit", 2)
    assert list(table(store, "audits")["answer_class"]) == ["met", "not_met"]


@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_csv_encodings(store, tmp_path, encoding, bom):
    rows = [["Date", "Wing", "Rating", "Comment"], ["01/03/2026", "Rowan – first floor", "Very good", "Café £5 ‘lovely’"]]
    [result] = ingest_path(store, csv_file(tmp_path / "fft.csv", rows, encoding, bom))
    feedback = table(store, "feedback")
    assert result.source == "feedback"
    assert feedback.loc[0, "team"] == "Rowan – first floor"
    assert feedback.loc[0, "comment"] == "Café £5 ‘lovely’"


def test_wide_forms_export_becomes_one_row_per_item(store, tmp_path):
    rows = [["ID", "Start time", "Completion time", "Email", "Unit", "Shift", "Audit type",
             "Is the MAR chart signed?", "Are fridge temperatures recorded?", "Controlled drugs checked twice?"],
            [1, "2026-03-02 09:00:00", "2026-03-02 09:20:00", "a@x.org", "Rowan Unit", "Night", "Medication",
             "Yes", "No", "N/A"],
            [2, "2026-03-09 09:00:00", "2026-03-09 09:20:00", "b@x.org", "Willow Unit", "Early", "Medication",
             "Yes", "Yes", ""]]
    [result] = ingest_path(store, csv_file(tmp_path / "forms.csv", rows, bom=True))
    assert (result.source, result.layout, result.rows_new) == ("audits", "wide", 5)
    audits = table(store, "audits")
    assert sorted(audits["item"].unique()) == ["Are fridge temperatures recorded?", "Controlled drugs checked twice?",
                                               "Is the MAR chart signed?"]
    assert audits.groupby("audit_ref")["item"].count().to_dict() == {"1": 3, "2": 2}
    assert list(audits["audit_date"].dt.date.unique()) == [date(2026, 3, 2), date(2026, 3, 9)]


def test_wide_survey_keeps_each_rating_question_and_the_comment_once(store, tmp_path):
    rows = [["Timestamp", "Team", "Are you...", "Staff are kind and caring", "Visits are on time",
             "How likely are you to recommend our service to friends and family?", "Any other comments"],
            ["2026-03-02 10:00:00", "North Team", "Family member", 5, 2, "Extremely likely", "Carers are lovely"],
            ["2026-03-02 10:00:00", "North Team", "Family member", 5, 2, "Extremely likely", "Carers are lovely"],
            ["2026-03-03 11:00:00", "South Team", "Person using the service", 4, "", "Likely", ""]]
    [result] = ingest_path(store, csv_file(tmp_path / "survey.csv", rows))
    feedback = table(store, "feedback")
    assert (result.layout, result.rows_new) == ("wide", 8)
    assert feedback["response_id"].nunique() == 3  # identical responses stay two responses
    comments = feedback.dropna(subset=["comment"])
    assert len(comments) == 2
    assert set(comments["question"]) == {"How likely are you to recommend our service to friends and family?"}
    on_time = feedback[feedback["question"] == "Visits are on time"]
    assert len(on_time) == 2  # the blank answer is a question not answered, not a row
    assert list(on_time["rating_scale"]) == ["1-5", "1-5"] and list(on_time["rating_score"]) == [0.25, 0.25]


# --- the four sources ----------------------------------------------------------------------

def test_each_source_is_detected_from_its_headers(store, tmp_path):
    files = {
        "audits": [AUDIT_HEADER] + audit_rows(3),
        "complaints": [COMPLAINT_HEADER, ["C1", "02/03/2026", "Beech", "Communication", "Not told about fall",
                                          "Daughter", "Upheld", "Closed"]],
        "rota": [["Date", "Unit", "Shift", "Planned hours", "Actual hours", "Agency hours", "Handover completed"],
                 ["02/03/2026", "Willow", "Nights", 30, 28.5, 15, "N"]],
        "feedback": [["Date", "Unit", "Rating", "Comment", "Respondent"],
                     ["02/03/2026", "Rowan", "Good", "Fine", "Family"]],
    }
    for source, rows in files.items():
        [result] = ingest_path(store, csv_file(tmp_path / f"{source}.csv", rows))
        assert result.source == source
    rota = table(store, "rota")
    assert (rota.loc[0, "shift"], rota.loc[0, "handover_completed"], rota.loc[0, "agency_hours"]) == ("Night", False, 15)
    complaint = table(store, "complaints").iloc[0]
    assert (complaint["reference"], complaint["complainant"], complaint["outcome"]) == ("C1", "Daughter", "Upheld")


def test_headers_that_fit_no_source_clearly_ask_which(store, tmp_path):
    path = csv_file(tmp_path / "mystery.csv", [["Date", "Unit", "Shift"], ["02/03/2026", "Rowan", "Early"]])
    with pytest.raises(MappingError, match="cannot tell which source this is.*--source"):
        ingest_path(store, path)
    assert list_batches(store).empty


def test_a_mapping_given_by_the_user_is_used_and_remembered(store, tmp_path):
    rows = [["When", "Household", "Q", "Outcome", "Type"], ["02/03/2026", "Rowan", "Signed?", "Yes", "Care plan"]]
    first = csv_file(tmp_path / "odd.csv", rows)
    with pytest.raises(MappingError, match="cannot tell|no column was found for Date"):
        ingest_path(store, first, source="audits")
    overrides = {"When": "audit_date", "Household": "team", "Q": "item", "Type": "audit_type"}
    [result] = ingest_path(store, first, source="audits", overrides=overrides)
    assert result.rows_new == 1
    second = csv_file(tmp_path / "odd_april.csv", rows[:1] + [["02/04/2026", "Willow", "Signed?", "No", "Care plan"]])
    [again] = ingest_path(store, second)
    assert (again.source, again.rows_new) == ("audits", 1)
    assert any("confirmed before" in note for note in again.notes)


def test_a_mapping_to_an_unknown_field_or_column_says_what_is_valid(store, tmp_path):
    path = csv_file(tmp_path / "a.csv", [AUDIT_HEADER] + audit_rows())
    with pytest.raises(MappingError, match="'wing' is not a audits field; use one of"):
        ingest_path(store, path, source="audits", overrides={"Unit": "wing"})
    with pytest.raises(MappingError, match="there is no column 'Floor'"):
        ingest_path(store, path, source="audits", overrides={"Floor": "team"})


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, message", [
    ("empty.csv", b"", "the file is empty"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "could not be read as a spreadsheet"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected or encrypted"),
    ("notes.pdf", b"%PDF-1.4", "files ending .pdf are not supported"),
    ("shopping.csv", b"Milk,Eggs\n1,2\n", "no header row we recognise"),
])
def test_unreadable_files_are_refused_and_nothing_is_stored(store, name, data, message):
    with pytest.raises(FileRefused, match=message):
        ingest_bytes(store, data, name)
    assert list_batches(store).empty
    assert not uploads_dir(store).exists() or not any(uploads_dir(store).iterdir())


def test_rejected_rows_are_kept_with_where_and_why_and_export_for_correction(store, tmp_path):
    rows = [AUDIT_HEADER,
            ["02/03/2026", "Rowan", "Early", "Care plan", "Signed", "Yes", "R1", "Jo"],
            ["31/02/2026", "Rowan", "Early", "Care plan", "Dated", "Maybe", "R1", "Jo"],
            ["02/03/2026", "", "Early", "Care plan", "Reviewed", "No", "R1", "Jo"]]
    [result] = ingest_path(store, csv_file(tmp_path / "audit.csv", rows))
    assert (result.rows_new, result.rows_rejected) == (1, 2)
    found = rejections(store, result.batch_id)
    assert found[["row_number", "column_name"]].values.tolist() == [[3, "Answer"], [3, "Date of audit"], [4, "Unit"]]
    assert list(found["value"][:2]) == ["Maybe", "31/02/2026"] and pd.isna(found["value"][2])
    assert "not a real date" in found.loc[1, "reason"] and "Team is blank" in found.loc[2, "reason"]
    sheet = load_workbook(io.BytesIO(rejections_workbook(found))).active
    values = list(sheet.values)
    assert values[0][:len(AUDIT_HEADER)] == tuple(AUDIT_HEADER) and "What to fix" in values[0]
    assert values[1][:2] == ("31/02/2026", "Rowan") and "not a real date" in values[1][len(AUDIT_HEADER)]
    assert len(values) == 3


def test_a_complaint_reference_twice_in_one_file_is_refused_the_second_time(store, tmp_path):
    rows = [COMPLAINT_HEADER, ["C1", "02/03/2026", "Beech", "Food", "Cold tea", "Son", "", "Open"],
            ["C1", "03/03/2026", "Beech", "Food", "Cold soup", "Son", "", "Open"]]
    [result] = ingest_path(store, csv_file(tmp_path / "c.csv", rows))
    assert (result.rows_new, result.rows_rejected) == (1, 1)
    assert "already appears on row 2" in result.rejections.loc[0, "reason"]


def test_a_failure_midway_leaves_the_store_exactly_as_it_was(store, tmp_path, monkeypatch):
    ingest_path(store, csv_file(tmp_path / "first.csv", [AUDIT_HEADER] + audit_rows(3)))
    before = table(store, "audits"), list_batches(store)
    real_upsert = analytics.ingest._upsert

    def crash_after_writing(cur, name, batch_id):
        real_upsert(cur, name, batch_id)
        raise RuntimeError("disk full")

    monkeypatch.setattr(analytics.ingest, "_upsert", crash_after_writing)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_path(store, csv_file(tmp_path / "second.csv", [AUDIT_HEADER] + audit_rows(4, ("No", "No"))))
    pd.testing.assert_frame_equal(table(store, "audits"), before[0])
    pd.testing.assert_frame_equal(list_batches(store), before[1])
    assert len(list(uploads_dir(store).iterdir())) == 1  # the failed file's copy went with it


# --- re-uploads, overlaps and batches ------------------------------------------------------

def test_the_same_file_twice_adds_nothing_and_says_so(store, tmp_path):
    path = csv_file(tmp_path / "a.csv", [AUDIT_HEADER] + audit_rows())
    [first] = ingest_path(store, path)
    [second] = ingest_path(store, path)
    assert second.already_loaded_as == first.batch_id
    assert "already loaded as batch" in second.summary()
    assert row_counts(store)["audits"] == 3 and len(list_batches(store)) == 1


def complaints_export(tmp_path, name, rows):
    return csv_file(tmp_path / name, [["Complaints log"], []] + [COMPLAINT_HEADER] + rows)


OLDER = [["C1", "02/03/2026", "Beech", "Communication", "Not told about a fall", "Daughter", "", "Open"],
         ["C2", "09/03/2026", "Rowan", "Food", "Cold meals", "Resident", "Upheld", "Closed"]]
NEWER = [["C1", "02/03/2026", "Beech", "Communication", "Not told about a fall", "Daughter", "Upheld", "Closed"],
         ["C2", "09/03/2026", "Rowan", "Food", "Cold meals", "Resident", "Upheld", "Closed"],
         ["C3", "01/04/2026", "Beech", "Communication", "Calls not returned", "Son", "", "Open"]]


def test_a_newer_cumulative_export_updates_rather_than_duplicates(store, tmp_path):
    ingest_path(store, complaints_export(tmp_path, "log_march.csv", OLDER))
    [newer] = ingest_path(store, complaints_export(tmp_path, "log_april.csv", NEWER))
    assert (newer.rows_new, newer.rows_updated, newer.rows_unchanged) == (1, 1, 1)
    complaints = table(store, "complaints").set_index("reference")
    assert list(complaints.index.sort_values()) == ["C1", "C2", "C3"]
    assert complaints.loc["C1", "status"] == "Closed" and complaints.loc["C1", "batch_id"] == newer.batch_id


def test_removing_a_batch_brings_back_what_it_replaced(store, tmp_path):
    [older] = ingest_path(store, complaints_export(tmp_path, "log_march.csv", OLDER))
    [newer] = ingest_path(store, complaints_export(tmp_path, "log_april.csv", NEWER))
    assert remove_batch(store, newer.batch_id, "tester") == {"complaints": 2}
    complaints = table(store, "complaints").set_index("reference")
    assert sorted(complaints.index) == ["C1", "C2"]
    assert complaints.loc["C1", "status"] == "Open" and set(complaints["batch_id"]) == {older.batch_id}
    assert list(list_batches(store)["batch_id"]) == [older.batch_id]


def test_removing_a_middle_batch_keeps_the_latest_version(store, tmp_path):
    ingest_path(store, complaints_export(tmp_path, "march.csv", OLDER))
    [middle] = ingest_path(store, complaints_export(tmp_path, "april.csv", NEWER))
    latest_rows = [row[:-1] + ["Reopened"] if row[0] == "C1" else row for row in NEWER]
    [latest] = ingest_path(store, complaints_export(tmp_path, "may.csv", latest_rows))
    remove_batch(store, middle.batch_id, "tester")
    complaints = table(store, "complaints").set_index("reference")
    assert complaints.loc["C1", "status"] == "Reopened" and len(complaints) == 3
    remove_batch(store, latest.batch_id, "tester")
    complaints = table(store, "complaints").set_index("reference")
    assert complaints.loc["C1", "status"] == "Open" and sorted(complaints.index) == ["C1", "C2"]


def test_every_row_knows_its_batch_and_the_original_file_is_kept(store, tmp_path):
    path = csv_file(tmp_path / "a.csv", [AUDIT_HEADER] + audit_rows())
    [result] = ingest_path(store, path, loaded_by="quality.lead@example.org")
    batch = list_batches(store).iloc[0]
    assert (batch["file_name"], batch["loaded_by"], batch["sheet"]) == ("a.csv", "quality.lead@example.org", "")
    assert len(batch["content_hash"]) == 64
    assert open(batch["stored_path"], "rb").read() == path.read_bytes()
    assert set(table(store, "audits")["batch_id"]) == {result.batch_id}
    remove_batch(store, result.batch_id, "tester")
    assert row_counts(store)["audits"] == 0


# --- command line --------------------------------------------------------------------------

def test_cli_ingest_json_batches_and_remove(tmp_path, capsys, monkeypatch):
    db = tmp_path / "cli.duckdb"
    rows = [AUDIT_HEADER] + audit_rows() + [["bad", "Rowan", "Early", "Care plan", "Item 9", "Yes", "R", "Jo"]]
    path = csv_file(tmp_path / "a.csv", rows)
    assert main(["--db", str(db), "ingest", str(path), "--json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert (summary["source"], summary["rows_new"], summary["rows_rejected"]) == ("audits", 3, 1)
    assert summary["rejections"][0]["row_number"] == 5 and "not a date" in summary["rejections"][0]["reason"]
    monkeypatch.setenv("LEADERSHIP_INSIGHT_DB", str(db))
    assert main(["batches"]) == 0
    assert "a.csv" in capsys.readouterr().out
    assert main(["remove", str(summary["batch_id"])]) == 0
    assert "removed batch" in capsys.readouterr().out
    assert main(["remove", "99"]) == 2
    assert "there is no batch 99" in capsys.readouterr().err


def test_cli_refuses_unreadable_files_with_a_clear_message(tmp_path, capsys):
    (tmp_path / "empty.csv").write_bytes(b"")
    assert main(["--db", str(tmp_path / "x.duckdb"), "ingest", str(tmp_path / "empty.csv")]) != 0
    assert "empty.csv: the file is empty" in capsys.readouterr().err


def test_cli_map_option(tmp_path, capsys):
    rows = [["When", "Household", "Q", "Outcome", "Type"], ["02/03/2026", "Rowan", "Signed?", "Yes", "Care plan"]]
    path = csv_file(tmp_path / "odd.csv", rows)
    args = ["--db", str(tmp_path / "m.duckdb"), "ingest", str(path), "--source", "audits", "--json",
            "--map", "When=audit_date", "--map", "Household=team", "--map", "Q=item", "--map", "Type=audit_type"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)[0]["rows_new"] == 1


def test_places_are_every_service_team_and_shift_the_sources_hold(loaded_con):
    from analytics.batches import places, row_counts
    from analytics.scope import Scope

    found = places(loaded_con)
    assert found["services"] == sorted({service for service, _, _ in found["places"]})
    expected = set(loaded_con.cursor().execute("""
        SELECT DISTINCT service, team, shift FROM audits UNION SELECT DISTINCT service, team, shift FROM rota""")
        .fetchall())
    assert expected <= set(found["places"])
    every = row_counts(loaded_con)
    assert row_counts(loaded_con, Scope(())) == {name: 0 for name in every}  # no service means nothing
    one = found["services"][0]
    mine = row_counts(loaded_con, Scope((one,)))
    assert all(mine[name] <= every[name] for name in every) and sum(mine.values()) > 0
