"""Hostile and careless input: every service's rows kept apart, nothing that could end the server read, loads
serialised, and nothing dropped without a word."""

import os
import subprocess
import sys
import threading
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from hostile_files import huge_shared_text, stray_cell, workbook
from spreadsheets import AUDIT_HEADER, COMPLAINT_HEADER, audit_rows, csv_file, xlsx

from analytics.batches import list_batches, rejections, row_counts
from analytics.ingest import OutsideYourServices, ingest_bytes, ingest_path
from analytics.readers import FileRefused, read_sheets
from analytics.scope import Scope, latest_complete_month, month_ends_with_data
from analytics.store import connect, uploads_dir
from analytics.store_server import serve
from analytics.workbook_reader import ReadLimits

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "store.duckdb")
    yield con
    con.close()


def home_audits(tmp_path: Path, home: str, answers=("Yes", "No", "Yes")) -> Path:
    """One home's audit export, numbering its audits 1, 2, 3 as every home does."""
    rows = [["Home"] + AUDIT_HEADER]
    for ref in (1, 2, 3):
        rows += [[home, "02/03/2026", "Rowan Unit", "Early", "Care plan", f"Item {i}", answer, str(ref), "Jo"]
                 for i, answer in enumerate(answers)]
    return csv_file(tmp_path / f"{home}.csv", rows)


def complaints_file(path: Path, count: int, outcome: str = "Upheld") -> Path:
    rows = [["Home"] + COMPLAINT_HEADER]
    rows += [["Oakwood", f"C{i}", "02/03/2026", "Rowan Unit", "Care", f"Complaint {i}", "Daughter", outcome, "Open"]
             for i in range(count)]
    return csv_file(path, rows)


# --- keys that belong to a service ---------------------------------------------------------

def test_two_homes_numbering_their_audits_alike_keep_their_own_rows(store, tmp_path):
    [first] = ingest_path(store, home_audits(tmp_path, "Oakwood"))
    [second] = ingest_path(store, home_audits(tmp_path, "Beech", ("No", "No", "No")))
    assert (first.rows_new, second.rows_new, second.rows_updated) == (9, 9, 0)
    by_home = dict(store.cursor().execute(
        "SELECT service, sum(answer_score) FROM audits GROUP BY service").fetchall())
    assert by_home == {"Oakwood": 6.0, "Beech": 0.0}


def test_two_homes_feedback_with_the_same_response_ids_keep_their_own_rows(store, tmp_path):
    header = ["Home", "Date", "Response ID", "Question", "Rating", "Comment"]
    for home, rating in (("Oakwood", 5), ("Beech", 1)):
        rows = [header] + [[home, "02/03/2026", str(i), "Overall", rating, f"{home} comment {i}"] for i in range(4)]
        ingest_path(store, csv_file(tmp_path / f"{home}_fft.csv", rows))
    assert store.cursor().execute("SELECT service, count(*) FROM feedback GROUP BY 1 ORDER BY 1").fetchall() == \
        [("Beech", 4), ("Oakwood", 4)]


def test_a_lead_limited_to_one_home_cannot_replace_another_homes_rows(store, tmp_path):
    ingest_path(store, home_audits(tmp_path, "Oakwood"))
    [result] = ingest_path(store, home_audits(tmp_path, "Beech", ("No", "No", "No")), services=("Beech",))
    assert result.rows_updated == 0
    assert store.cursor().execute("SELECT sum(answer_score) FROM audits WHERE service = 'Oakwood'").fetchone() == (6.0,)
    with pytest.raises(OutsideYourServices):
        ingest_path(store, home_audits(tmp_path / ".." / tmp_path.name, "Oakwood", ("No",) * 3), services=("Beech",))


def test_the_store_refuses_a_second_row_with_the_same_key(store, tmp_path):
    ingest_path(store, home_audits(tmp_path, "Oakwood"))
    with pytest.raises(duckdb.ConstraintException):
        store.cursor().execute("INSERT INTO audits SELECT * FROM audits LIMIT 1")


# --- limits before reading -----------------------------------------------------------------

def test_a_stray_cell_at_the_last_cell_of_a_sheet_is_refused_and_the_server_lives(tmp_path):
    path = stray_cell(tmp_path / "tiny.xlsx")
    assert path.stat().st_size < 3000
    with pytest.raises(FileRefused, match="stray cell far below or to the right"):
        read_sheets(path.read_bytes(), path.name)
    # This process (the server, in the dashboard) carries on and reads the next file.
    [sheet] = read_sheets(workbook(tmp_path / "fine.xlsx", _small_table()).read_bytes(), "fine.xlsx")
    assert len(sheet.frame) == 2


def _small_table() -> str:
    from hostile_files import audit_table_rows
    return audit_table_rows()


def test_a_workbook_holding_a_huge_text_is_refused_before_reading(tmp_path):
    path = huge_shared_text(tmp_path / "text.xlsx", megabytes=300)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(FileRefused, match="holds 300 MB of text, more than the limit of 200 MB"):
        read_sheets(path.read_bytes(), path.name)


def test_a_sheet_declaring_a_huge_extent_is_refused_with_the_extent_named(tmp_path):
    path = workbook(tmp_path / "wide.xlsx", _small_table(), dimension="A1:XFD1048576")
    with pytest.raises(FileRefused, match="A1:XFD1048576, 1,048,576 rows by 16,384 columns"):
        read_sheets(path.read_bytes(), path.name)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_file_over_the_size_limit_is_refused_naming_the_limit(tmp_path, suffix):
    data = (workbook(tmp_path / "a.xlsx", _small_table()).read_bytes() if suffix == ".xlsx"
            else b"Date,Unit\n" + b"02/03/2026,Rowan\n" * 200)
    with pytest.raises(FileRefused, match="the largest accepted is 0 MB"):
        read_sheets(data, "big" + suffix, limits=ReadLimits(max_file_mb=0.001))


# --- two loads at once ---------------------------------------------------------------------

def _at_once(*calls):
    errors = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            call()
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("round_", range(3))
def test_the_same_file_loaded_twice_at_once_is_stored_once(tmp_path, round_):
    con = connect(tmp_path / f"race{round_}.duckdb")
    path = complaints_file(tmp_path / "complaints.csv", 30)
    assert _at_once(lambda: ingest_path(con, path), lambda: ingest_path(con, path)) == []
    assert len(list_batches(con)) == 1
    assert row_counts(con)["complaints"] == 30
    con.close()


def test_two_files_with_the_same_keys_at_once_store_each_key_once(tmp_path, store):
    first = complaints_file(tmp_path / "first.csv", 3000, "Upheld")
    second = complaints_file(tmp_path / "second.csv", 3000, "Not upheld")
    assert _at_once(lambda: ingest_path(store, first), lambda: ingest_path(store, second)) == []
    assert row_counts(store)["complaints"] == 3000
    assert store.cursor().execute("SELECT count(*) FROM complaints_superseded").fetchone() == (3000,)


# --- dates that make sense -----------------------------------------------------------------

@pytest.mark.parametrize("typed, reason", [
    ("31/12/2100", "31/12/2100 is after"), ("01/01/1899", "01/01/1899 is before"), ("31/12/9999", "is after")])
def test_a_mistyped_year_is_refused_and_does_not_move_as_of(store, tmp_path, typed, reason):
    rows = [AUDIT_HEADER, ["02/03/2026", "Rowan Unit", "Early", "Care plan", "Item 1", "Yes", "A1", "Jo"],
            [typed, "Rowan Unit", "Early", "Care plan", "Item 2", "Yes", "A1", "Jo"]]
    [result] = ingest_path(store, csv_file(tmp_path / "audits.csv", rows))
    assert (result.rows_new, result.rows_rejected) == (1, 1)
    [row] = result.rejections.itertuples()
    assert (row.row_number, row.column_name) == (3, "Date of audit") and reason in row.reason
    assert Scope().end(store) == date(2026, 3, 31)


# --- one writer, many readers --------------------------------------------------------------

def _cli(*args, env_extra=None, timeout=120):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True, check=False,
                          env=env, timeout=timeout)


def test_the_command_line_hands_its_load_to_the_running_dashboard(tmp_path):
    from analytics import background_refresh
    from pages.common import handed_over

    database = tmp_path / "served.duckdb"
    con = connect(database)  # the dashboard's connection: DuckDB lets no other process open the file now
    assert serve(con, database, handed_over(str(database)))
    path = complaints_file(tmp_path / "complaints.csv", 12)
    done = _cli("--db", str(database), "ingest", str(path))
    assert done.returncode == 0, done.stderr
    assert "12 new" in done.stdout
    assert row_counts(con)["complaints"] == 12
    # and the dashboard works out the findings again in the background, as after a load on the Upload page
    assert background_refresh.wait(str(database), timeout=300)
    assert background_refresh.state(str(database)).snapshot()["passes"] == 1
    assert con.cursor().execute("SELECT count(*) FROM insight_runs WHERE service = 'Oakwood'").fetchone()[0] > 0
    listed = _cli("--db", str(database), "batches")
    assert "complaints.csv" in listed.stdout
    con.close()


HOLD_STORE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(60)
"""


@pytest.fixture
def store_held_elsewhere(tmp_path):
    database = tmp_path / "held.duckdb"
    connect(database).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_STORE, str(database)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    yield database, holder.pid
    holder.kill()
    holder.wait()


def test_the_command_line_says_the_store_is_busy_instead_of_a_traceback(store_held_elsewhere):
    database, pid = store_held_elsewhere
    done = _cli("--db", str(database), "batches", env_extra={"LEADERSHIP_INSIGHT_WAIT_SECONDS": "1"})
    assert done.returncode == 3
    assert f"is in use by another program (process {pid})" in done.stderr
    assert "Traceback" not in done.stderr and "IOException" not in done.stderr


def test_the_dashboard_says_the_store_is_busy_instead_of_a_traceback(store_held_elsewhere, monkeypatch):
    from streamlit.testing.v1 import AppTest

    database, pid = store_held_elsewhere
    monkeypatch.setenv("LEADERSHIP_INSIGHT_DB", str(database))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert any(f"process {pid}" in w.value for w in app.warning)
    assert str(database.parent) not in " ".join(m.value for m in app.markdown)


@pytest.fixture
def store_with_a_stray_wal(tmp_path: Path) -> Path:
    """A store beside a .wal from an older state of it, as copying a store without its .wal leaves one."""
    path = tmp_path / "copied.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.execute("CHECKPOINT")
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("INSERT INTO t VALUES (1)")
    con.close()
    wal = path.with_name(path.name + ".wal")
    older = wal.read_bytes()
    con = duckdb.connect(str(path))
    con.execute("CHECKPOINT")
    con.close()
    wal.write_bytes(older)
    return path


def test_a_store_beside_a_stray_wal_says_which_file_to_move(store_with_a_stray_wal):
    from analytics.store import StoreUnreadable

    with pytest.raises(StoreUnreadable, match="Move copied.duckdb.wal out of the folder and start again"):
        connect(store_with_a_stray_wal)


def test_a_file_that_is_not_a_store_says_so(tmp_path):
    from analytics.store import StoreUnreadable

    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"Shift notes, not a database" * 300)
    with pytest.raises(StoreUnreadable, match="could not be opened, and nothing in it was changed. DuckDB says: "):
        connect(path)
    assert path.read_bytes() == b"Shift notes, not a database" * 300


def test_the_command_line_and_dashboard_say_the_store_cannot_be_read(store_with_a_stray_wal, monkeypatch):
    from streamlit.testing.v1 import AppTest

    done = _cli("--db", str(store_with_a_stray_wal), "batches")
    assert done.returncode == 3 and "Move copied.duckdb.wal out of the folder" in done.stderr
    assert "Traceback" not in done.stderr
    monkeypatch.setenv("LEADERSHIP_INSIGHT_DB", str(store_with_a_stray_wal))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert any("Move copied.duckdb.wal out of the folder" in e.value for e in app.error)


# --- nothing dropped without a word --------------------------------------------------------

def test_a_wide_form_whose_first_question_names_a_section_keeps_every_answer(store, tmp_path):
    header = ["Completion time", "Unit", "Audit type", "Section 1 hand hygiene: are gel dispensers full?",
              "Are staff bare below the elbows?", "Is hand washing signage displayed at sinks?"]
    rows = [header] + [[f"0{d}/03/2026", "Rowan Unit", "Hand hygiene", "Yes", "No", "Yes"] for d in range(1, 6)]
    [result] = ingest_path(store, csv_file(tmp_path / "forms.csv", rows))
    assert (result.layout, result.rows_new, result.rows_rejected) == ("wide", 15, 0)
    items = {item for (item,) in store.cursor().execute("SELECT DISTINCT item FROM audits").fetchall()}
    assert "Section 1 hand hygiene: are gel dispensers full?" in items


def test_a_row_with_text_only_in_an_unread_column_is_reported(store, tmp_path):
    rows = [AUDIT_HEADER + ["Notes"],
            ["02/03/2026", "Rowan Unit", "Early", "Care plan", "Item 1", "No", "A1", "Jo", "Chart missing for"],
            [None, None, None, None, None, None, None, None, "Mrs B in room 4"]]
    [result] = ingest_path(store, csv_file(tmp_path / "audits.csv", rows))
    [row] = result.rejections.itertuples()
    assert (row.row_number, row.column_name, row.value) == (3, "Notes", "Mrs B in room 4")
    assert "text only in 'Notes'" in row.reason


def test_a_second_column_with_the_same_heading_is_named_not_ignored(store, tmp_path):
    rows = [AUDIT_HEADER + ["Answer"], ["02/03/2026", "Rowan Unit", "Early", "Care plan", "Item 1", "Yes", "A1", "Jo",
                                        "No"]]
    [result] = ingest_path(store, csv_file(tmp_path / "audits.csv", rows))
    assert any("'Answer (2)' (a second column with the same heading)" in note for note in result.notes)


def test_a_file_mixing_two_encodings_is_refused_naming_the_line(tmp_path):
    lines = ["Date,Unit,Question,Answer,Audit type", "02/03/2026,Café Unit,Item 1,Yes,Care",
             "02/03/2026,Café Unit,Item 2,Yes,Care"]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8") + "02/03/2026,Café Unit,Item 3,No,Care\r\n".encode("cp1252")
    with pytest.raises(FileRefused, match="line 4"):
        read_sheets(data, "mixed.csv")


def test_a_utf16_file_is_read(store, tmp_path):
    rows = [AUDIT_HEADER, ["02/03/2026", "Café Unit", "Early", "Care plan", "Item 1", "Yes", "A1", "Zoë"]]
    [result] = ingest_path(store, csv_file(tmp_path / "audits.csv", rows, encoding="utf-16"))
    assert result.rows_new == 1
    assert store.cursor().execute("SELECT team, auditor FROM audits").fetchone() == ("Café Unit", "Zoë")


def test_a_formula_with_no_saved_value_is_refused_as_a_cell(store, tmp_path):
    rows = [AUDIT_HEADER, [datetime(2026, 3, 2), "Rowan Unit", "Early", "Care plan", "Item 1", '=IF(1,"Yes","No")',
                           "A1", "Jo"],
            [datetime(2026, 3, 2), "Rowan Unit", "Early", "Care plan", "Item 2", "Yes", "A1", "Jo"]]
    [result] = ingest_path(store, xlsx(tmp_path / "formulas.xlsx", {"Audit": rows}))
    assert (result.rows_new, result.rows_rejected) == (1, 1)
    [row] = result.rejections.itertuples()
    assert (row.row_number, row.column_name) == (2, "Answer")
    assert 'cell F2 holds the formula =IF(1,"Yes","No") but no saved value' in row.reason


def test_a_file_name_that_is_not_utf8_is_stored_readably(store):
    data = b"Date of audit,Unit,Shift,Audit type,Question,Answer,Audit ref\n02/03/2026,Rowan,Early,Care,Item,Yes,A1\n"
    [result] = ingest_bytes(store, data, "caf\udce9.csv")
    assert result.rows_new == 1
    assert list_batches(store)["file_name"].tolist() == ["caf\ufffd.csv"]


KILL_BEFORE_COMMIT = """
import os, sys
import analytics.ingest as ingest
from analytics.store import connect
ingest._write_batch = lambda *args, **kwargs: os._exit(9)  # killed after the original is kept, before the commit
ingest.ingest_path(connect(sys.argv[1]), sys.argv[2])
"""


def test_a_load_killed_before_its_commit_leaves_no_orphan_original(tmp_path):
    database = tmp_path / "killed.duckdb"
    connect(database).close()
    first = complaints_file(tmp_path / "first.csv", 5)
    killed = subprocess.run([sys.executable, "-c", KILL_BEFORE_COMMIT, str(database), str(first)], cwd=ROOT, check=False)
    assert killed.returncode == 9
    con = connect(database)
    assert len(list(uploads_dir(con).iterdir())) == 1 and list_batches(con).empty
    ingest_path(con, complaints_file(tmp_path / "second.csv", 6, "Not upheld"))
    assert [p.name for p in uploads_dir(con).iterdir()] == [Path(list_batches(con)["stored_path"][0]).parent.name]
    assert rejections(con).empty
    con.close()


def test_a_limited_lead_is_not_told_of_another_services_batch(store, tmp_path):
    rows = [["Home"] + AUDIT_HEADER] + [[home, "02/03/2026", "Rowan Unit", "Early", "Care plan", "Item 1", "Yes",
                                         f"{home}-1", "Jo"] for home in ("Oakwood", "Beech")]
    path = csv_file(tmp_path / "both.csv", rows)
    [loaded] = ingest_path(store, path)
    with pytest.raises(OutsideYourServices) as refused:
        ingest_path(store, path, services=("Beech",))
    assert f"batch {loaded.batch_id}" not in str(refused.value) and "already loaded" not in str(refused.value)


@pytest.mark.parametrize("typed", ["N/K", "-", "n/a", "seven"])
def test_a_word_in_an_hours_column_is_a_cell_not_read_never_zero(store, tmp_path, typed):
    rows = [["Date", "Unit", "Shift", "Planned hours", "Actual hours", "Agency hours"],
            ["02/03/2026", "Rowan Unit", "Night", "24", "24", typed]]
    rows += [[f"{day:02d}/03/2026", "Rowan Unit", "Night", "24", "24", "6"] for day in range(3, 9)]
    [result] = ingest_path(store, csv_file(tmp_path / "rota.csv", rows))
    assert (result.rows_new, result.rows_rejected, result.cells_rejected) == (7, 0, 1)
    [row] = result.rejections.itertuples()
    assert (row.row_number, row.column_name, row.value) == (2, "Agency hours", typed)
    assert "not read as 0" in row.reason
    assert store.cursor().execute("SELECT agency_hours, planned_hours FROM rota WHERE source_row = 2").fetchone() \
        == (None, 24.0)


def test_a_few_rows_of_a_new_month_in_one_source_do_not_move_as_of(store, tmp_path):
    audits = [AUDIT_HEADER] + [[f"{day:02d}/{month:02d}/2026", "Rowan Unit", "Early", "Care plan", f"Item {day}", "Yes",
                                f"A{month}", "Jo"] for month in (8, 9, 10) for day in range(1, 21)]
    audits += [["03/11/2026", "Rowan Unit", "Early", "Care plan", "Item 1", "Yes", "A11", "Jo"]]
    rota = [["Date", "Unit", "Shift", "Planned hours", "Actual hours"]] + [
        [f"{day:02d}/{month:02d}/2026", "Rowan Unit", "Night", "24", "24"] for month in (8, 9, 10) for day in (1, 15)]
    ingest_path(store, csv_file(tmp_path / "audits.csv", audits))
    ingest_path(store, csv_file(tmp_path / "rota.csv", rota))
    end, notes = latest_complete_month(store, Scope())
    assert end == date(2026, 10, 31)
    assert "November 2026 is partial in audits (1 row against a usual 20)" in notes[0]
    # The months a person may judge as of: every month with data, the partial one too, newest first.
    assert month_ends_with_data(store, Scope()) == [date(2026, 11, 30), date(2026, 10, 31), date(2026, 9, 30),
                                                    date(2026, 8, 31)]
    assert month_ends_with_data(store, Scope(services=())) == []


def test_home_says_which_month_is_judged_and_which_is_partial(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    database = tmp_path / "home.duckdb"
    con = connect(database)
    test_a_few_rows_of_a_new_month_in_one_source_do_not_move_as_of(con, tmp_path)
    con.close()
    monkeypatch.setenv("LEADERSHIP_INSIGHT_DB", str(database))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    [said] = [c.value for c in app.caption if "judge the data as of" in c.value]
    assert "as of 31/10/2026" in said and "November 2026 is partial in audits" in said
    app.switch_page("pages/trends.py").run()
    box = app.selectbox(key="filter_as_of")  # the partial month can be chosen, but is not the default
    assert box.options == ["30/11/2026 (not complete)", "31/10/2026 (latest)", "30/09/2026", "31/08/2026"]
    assert box.value == date(2026, 10, 31)


def test_row_numbers_are_the_rows_a_person_sees_with_multi_line_comments(store, tmp_path):
    rows = [AUDIT_HEADER + ["Comment"]]
    for i in range(1, 9):
        answer = "Maybe" if i in (4, 8) else "Yes"
        rows.append(["02/03/2026", "Rowan Unit", "Early", "Care plan", f"Item {i}", answer, "A1", "Jo",
                     "first line\nsecond line\nthird line" if i % 2 else "one line"])
    [result] = ingest_path(store, csv_file(tmp_path / "audits.csv", rows))
    # Excel shows the header on row 1 and item i on row i + 1, whatever the line breaks inside the comments.
    assert sorted(result.rejections["row_number"]) == [5, 9]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_sheet_with_too_many_columns_is_refused_naming_the_limit(tmp_path, suffix):
    header = AUDIT_HEADER + [f"Extra {i}" for i in range(30)]
    rows = [header, ["02/03/2026", "Rowan Unit", "Early", "Care plan", "Item 1", "Yes", "A1", "Jo"] + ["x"] * 30]
    path = csv_file(tmp_path / "wide.csv", rows) if suffix == ".csv" else xlsx(tmp_path / "wide.xlsx", {"A": rows})
    with pytest.raises(FileRefused, match="38 columns, more than the limit of 20 \\(max_columns\\)"):
        read_sheets(path.read_bytes(), path.name, limits=ReadLimits(max_columns=20))


def test_the_limits_a_provider_sets_apply_to_the_next_load(store, tmp_path):
    from analytics.settings import save_setting

    save_setting(store, "limits", {"max_columns": 10}, changed_by="admin@example.org")
    rows = [AUDIT_HEADER + ["Extra 1", "Extra 2", "Extra 3"],
            ["02/03/2026", "Rowan Unit", "Early", "Care plan", "Item 1", "Yes", "A1", "Jo", "x", "y", "z"]]
    with pytest.raises(FileRefused, match="11 columns, more than the limit of 10"):
        ingest_path(store, csv_file(tmp_path / "wide.csv", rows))


def test_a_second_header_row_naming_each_answer_is_read_with_the_first(tmp_path):
    rows = [["Respondent ID", "End Date", "Which branch provides your care?", "Rate our carers", "Why?"],
            [None, None, "Response", "Response", "Open-Ended Response"],
            ["101", "02/04/2025", "Riverside", "4", "Kind staff"], ["102", "03/04/2025", "Northgate", "5", ""]]
    [sheet] = read_sheets(csv_file(tmp_path / "monkey.csv", rows).read_bytes(), "monkey.csv")
    assert sheet.headers == rows[0] and len(sheet.frame) == 2
    assert list(sheet.row_numbers) == [3, 4]
    assert "a second header row" in sheet.header_evidence


@pytest.mark.parametrize("text, expected", [
    (b'Date,Unit,Comment\n01/03/2026,Rowan,"a, b"\n02/03/2026,Rowan,plain\n', [2, 3]),
    (b'Date,Unit,Comment\n01/03/2026,Rowan,"two\nlines"\n02/03/2026,Rowan,plain\n', [2, 3]),
    (b'Date,Unit,Comment\n01/03/2026,Rowan,one\n\n02/03/2026,Rowan,"a, b"\n', [2, 4]),
    (b'Date,Unit,Comment\r\n01/03/2026,Rowan,"two\r\nlines"\r\n\r\n02/03/2026,Rowan,x\r\n', [2, 4]),
    (b'Date,Unit,Comment\n01/03/2026,Rowan,"two\nlines"\n\n02/03/2026,Rowan,x', [2, 4]),
])
def test_csv_row_numbers_are_excel_rows_whatever_the_quotes_line_breaks_and_blank_lines(text, expected):
    # Excel shows a record with a line break inside quotes on one row, and a blank line as a blank row.
    [sheet] = read_sheets(text, "rows.csv")
    assert list(sheet.row_numbers) == expected


def test_the_workbook_readers_temporary_files_are_removed(tmp_path, monkeypatch):
    import tempfile

    from analytics.workbook_reader import read_workbook

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = xlsx(tmp_path / "a.xlsx", {"A": [AUDIT_HEADER] + audit_rows(), "B": [["Note"], ["x"]]})
    sheets = read_workbook(path.read_bytes(), "a.xlsx")  # from bytes: the reader writes its own copy too
    assert [s.name for s in sheets] == ["A", "B"] and sheets[0].table.num_rows == 4
    assert list(scratch.iterdir()) == []
