"""The Upload page shows each sheet's reading and asks the questions only the person can answer, before loading."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
from openpyxl import Workbook
from served import assert_no_exception, open_app_page, screenshot, wait_for_script
from streamlit.testing.v1 import AppTest
from test_pages import load_button, open_page, page_text, upload

from analytics import background_refresh
from analytics.store import DB_ENV, connect, database_path

if TYPE_CHECKING:
    from playwright import sync_api

FORMS_NAME = "Medication Audit(1-12).xlsx"
# Loading into the demo store works out the findings of every month from the rows' first one, with each concern's
# history: longer than a page's run.
LOAD_SECONDS = 180
FORMS_QUESTIONS = ["Are MAR charts signed for every dose given?",
                   "Is the medication fridge temperature recorded daily?",
                   "Do all PRN medicines have an up-to-date protocol?"]
FORMS_HEADERS = ["ID", "Start time", "Completion time", "Email", "Name", "Home", "Unit / floor", *FORMS_QUESTIONS]

# "Oakwood Hse" is the demo store's "Oakwood House" misspelt.
MISSPELT_SERVICE = (b"Ref,Date received,Service,Unit,Category,Summary,Complainant,Status\n"
                    b"K-1,05/03/2026,Oakwood Hse,Willow Unit,Communication,Calls not returned,Daughter,Open\n"
                    b"K-2,06/03/2026,Oakwood Hse,Willow Unit,Laundry,Clothes went missing,Son,Open\n")
# One row with no service, in a store holding two.
BLANK_SERVICE = (b"Ref,Date received,Service,Unit,Category,Summary,Complainant,Status\n"
                 b"B-1,05/03/2026,,Town Team,Communication,Calls not returned,Daughter,Open\n"
                 b"B-2,06/03/2026,Oakwood House,Willow Unit,Laundry,Clothes went missing,Son,Open\n")


def forms_audit(service: str = "Oak House") -> bytes:
    """A Microsoft Forms audit export: one row per completed form, one column per question, no audit type."""
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append(FORMS_HEADERS)
    for number in range(1, 7):
        workbook.active.append([number, datetime(2026, 3, number, 9), datetime(2026, 3, number, 9, 20),
                                f"auditor{number}@example.org", "Jo Bloggs", service, "Rowan",
                                "Yes", "No" if number % 2 else "Yes", "N/A"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def demo_store(pristine_demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
               ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the demo store (Oakwood House and Riverside Homecare) of this test's own."""
    path = tmp_path / "store" / "leadership_insight.duckdb"
    path.parent.mkdir(parents=True)
    shutil.copyfile(pristine_demo_db, path)
    monkeypatch.setenv(DB_ENV, str(path))
    connection = connect(path)
    yield connection
    connection.close()


def widget(elements, part: str):
    """The one widget among `elements` whose key holds `part`."""
    [found] = [e for e in elements if e.key and part in e.key]
    return found


def not_ready(app: AppTest) -> str:
    return "\n".join(c.value for c in app.caption if "Not ready to load" in c.value)


def test_a_forms_export_without_an_audit_type_proposes_it_from_the_file_name(
        loaded_con: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), FORMS_NAME, forms_audit())
    box = widget(app.text_input, "|audit_type")
    assert box.value == "Medication Audit"
    assert "Proposed from the file name" in page_text(app)
    assert "Layout: wide" in page_text(app)
    assert not load_button(app, FORMS_NAME).disabled
    load_button(app, FORMS_NAME).click().run()
    assert not app.exception
    assert any("batch 5: 18 new" in s.value for s in app.success)
    assert any("taken from the file name" in c.value for c in app.caption)  # the batch's notes say where it came from
    stored = loaded_con.cursor().execute("SELECT DISTINCT audit_type FROM audits WHERE batch_id = 5").fetchall()
    assert stored == [("Medication Audit",)]
    # The findings are worked out again in the background; the page says so, and once done, how long it took.
    assert background_refresh.wait_all(timeout=300) == {str(database_path()): None}
    app.run()
    assert any("The findings are up to date with the data" in c.value for c in app.caption)
    assert loaded_con.cursor().execute("SELECT count(*) FROM insight_runs WHERE service = 'Oak House' AND "
                                       "fingerprint IS NOT NULL").fetchone()[0] > 0


def test_the_proposed_audit_type_can_be_changed_and_an_empty_one_stops_the_load(
        loaded_con: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), FORMS_NAME, forms_audit())
    widget(app.text_input, "|audit_type").input("").run()
    assert load_button(app, FORMS_NAME).disabled
    assert "audit type" in not_ready(app)
    widget(app.text_input, "|audit_type").input("Medicines management").run()
    assert not load_button(app, FORMS_NAME).disabled
    load_button(app, FORMS_NAME).click().run()
    assert not app.exception
    stored = loaded_con.cursor().execute("SELECT DISTINCT audit_type FROM audits WHERE batch_id = 5").fetchall()
    assert stored == [("Medicines management",)]


def test_a_misspelt_service_is_asked_with_the_stored_name_proposed(demo_store: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), "complaints_march.csv", MISSPELT_SERVICE)
    question = widget(app.radio, "|name|service|Oakwood Hse")
    assert "'Oakwood Hse' (2 rows) is not stored yet" in question.label
    assert question.options[question.index].startswith("Yes: it is 'Oakwood House' (likely)")
    assert question.value == "Oakwood House"
    question.set_value("Oakwood House").run()
    assert not app.exception
    load_button(app, "complaints_march.csv").click().run(timeout=LOAD_SECONDS)
    assert not app.exception
    stored = demo_store.cursor().execute(
        "SELECT DISTINCT service FROM complaints WHERE reference IN ('K-1', 'K-2')").fetchall()
    assert stored == [("Oakwood House",)]


def test_a_new_service_can_be_kept_as_written(demo_store: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), "complaints_march.csv", MISSPELT_SERVICE)
    widget(app.radio, "|name|service|Oakwood Hse").set_value("new").run()
    assert any("new service names, not stored before: Oakwood Hse" in c.value for c in app.caption)
    load_button(app, "complaints_march.csv").click().run(timeout=LOAD_SECONDS)
    stored = demo_store.cursor().execute(
        "SELECT DISTINCT service FROM complaints WHERE reference IN ('K-1', 'K-2')").fetchall()
    assert stored == [("Oakwood Hse",)]


def test_blank_services_in_a_store_with_two_are_asked_and_keep_the_load_waiting(
        demo_store: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), "complaints_blank.csv", BLANK_SERVICE)
    which = widget(app.selectbox, "|set|service")
    assert which.value is None
    assert "1 row with a blank 'Service'" in which.label
    assert which.options == ["Oakwood House", "Riverside Homecare"]
    assert load_button(app, "complaints_blank.csv").disabled
    assert "an answer to the question above" in not_ready(app)
    which.select("Riverside Homecare").run()
    assert not app.exception
    assert not not_ready(app)
    load_button(app, "complaints_blank.csv").click().run(timeout=LOAD_SECONDS)
    assert not app.exception
    stored = dict(demo_store.cursor().execute(
        "SELECT reference, service FROM complaints WHERE reference IN ('B-1', 'B-2')").fetchall())
    assert stored == {"B-1": "Riverside Homecare", "B-2": "Oakwood House"}


def test_the_reading_lists_every_column_with_what_it_is_read_as(con: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), FORMS_NAME, forms_audit())
    table = app.data_editor[0].value
    assert list(table["column"]) == FORMS_HEADERS
    assert table["field"].notna().all() and table["field"].astype(bool).all()
    read_as = dict(zip(table["column"], table["field"]))
    assert read_as["Completion time"] == "audit_date" and read_as["Unit / floor"] == "team"
    assert all(read_as[q] == "question_column" for q in FORMS_QUESTIONS)
    # How sure is said in words, not only by colour; the evidence says why, with personal data masked.
    assert set(table["sure"]) <= {"✓ sure", "≈ likely", "? unsure", "✓ you chose it"}
    assert table.set_index("column").loc["Completion time", "detail"].startswith("dates")
    evidence = " ".join(table["evidence"])
    assert "auditor1@example.org" not in evidence and "[email]" in evidence
    assert "Headings found on row 1 (why: row 1 of the table names" in page_text(app)


def test_a_column_chosen_by_hand_says_so_in_its_reading(con: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), FORMS_NAME, forms_audit())
    editor = app.data_editor[0]
    row = editor.value["column"].tolist().index("Name")
    app.session_state[editor.key] = {"edited_rows": {row: {"field": "auditor"}}, "added_rows": [],
                                     "deleted_rows": []}
    app.run()
    assert not app.exception
    table = app.data_editor[0].value.set_index("column")
    assert table.loc["Name", "sure"] == "✓ you chose it"
    assert table.loc["Name", "evidence"].startswith("you chose it")


@pytest.mark.browser
def test_the_forms_proposal_in_the_browser(page: sync_api.Page, empty_server: str) -> None:
    open_app_page(page, empty_server, "Leadership Insight")  # a first visit straight to a page lands on Home
    open_app_page(page, f"{empty_server}/upload", "Upload history")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": FORMS_NAME, "mimeType": "application/octet-stream", "buffer": forms_audit()})
    page.get_by_text("Proposed from the file name").wait_for()
    wait_for_script(page)
    box = page.locator('[data-testid="stTextInput"]').filter(has_text="Audit type").locator("input")
    assert box.input_value() == "Medication Audit"
    assert page.get_by_role("button", name=f"Load {FORMS_NAME}").is_enabled()
    assert_no_exception(page)
    screenshot(page, "upload_reading_forms_proposal")
