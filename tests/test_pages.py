"""Every page through Streamlit's AppTest: with data, with an empty store, and the Upload page's flows."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from analytics.audit_trail import os_user
from analytics.batches import list_batches, row_counts

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ["pages/home.py", "pages/upload.py"]
UK_DATE_TIME = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")

# The store holds two services, so the file says which one (without it, the page would ask).
NEW_AUDITS = (b"Date,Home,Unit,Audit type,Question,Answer,Audit ref\n"
              b"04/03/2026,Oak House,Rowan,Falls,Sensor mats checked,Yes,FALLS-1\n"
              b"04/03/2026,Oak House,Rowan,Falls,Call bell in reach,No,FALLS-1\n")
# No heading the product knows for the team: the user has to say that Corridor is the team.
UNMAPPED_TEAM = (b"Date,Corridor,Audit type,Question,Answer\n"
                 b"04/03/2026,Blue,Falls,Sensor mats checked,Yes\n"
                 b"04/03/2026,Blue,Falls,Call bell in reach,No\n")
# Could be a rota or feedback: the user has to pick the source.
AMBIGUOUS = b"Date,Unit,Shift\n04/03/2026,Rowan,Early\n05/03/2026,Rowan,Night\n"
CSV = "text/csv"


def open_page(page: str | None = None) -> AppTest:
    """The app after its first run, switched to `page` if given."""
    app = AppTest.from_file(APP, default_timeout=30).run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def page_text(app: AppTest) -> str:
    """Every piece of text on the page, for 'is this said somewhere' checks."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "success", "info",
                                  "warning", "error") for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    return "\n".join(map(str, parts))


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    """Put one file in the Upload page's file uploader and rerun."""
    app.file_uploader(key="uploads").set_value((name, data, CSV)).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def load_button(app: AppTest, name: str):
    """The Load button of an uploaded file."""
    return next(b for b in app.button if b.label == f"Load {name}")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_store(con: duckdb.DuckDBPyConnection, page: str) -> None:
    app = open_page(page)
    assert app.title


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_with_data(loaded_con: duckdb.DuckDBPyConnection, page: str) -> None:
    app = open_page(page)
    assert app.title


def test_home_guides_a_new_user_to_the_demo_or_upload(con: duckdb.DuckDBPyConnection) -> None:
    app = open_page()
    text = page_text(app)
    assert "true state of their service" in text
    assert "No data loaded yet" in text
    assert "python -m analytics demo" in text
    assert [link.label for link in app.page_link] == ["Upload your spreadsheets"]
    assert not app.metric


def test_home_loads_the_demo_data_from_the_button(con: duckdb.DuckDBPyConnection) -> None:
    app = open_page()
    # Loading works out every month's findings and each concern's history too: longer than a page's run.
    next(b for b in app.button if b.label == "Load the demo data").click().run(timeout=300)
    assert not app.exception
    assert all(count > 0 for count in row_counts(con).values())
    assert con.cursor().execute("SELECT count(*) FROM concern_recognitions").fetchone()[0] == 2  # the demo story
    assert "What is loaded" in page_text(app)


def test_home_shows_what_is_loaded(loaded_con: duckdb.DuckDBPyConnection) -> None:
    app = open_page()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {"Audit answers": "5", "Complaints": "3", "Rota lines": "4", "Feedback answers": "3"}
    text = page_text(app)
    assert "Elm Court, Oak House" in text
    assert "03/02/2026 to 10/03/2026" in text  # audits, in UK date order
    assert "05/01/2026 to 02/03/2026" in text  # complaints
    assert "Last upload" in text and "family_survey.csv" in text
    assert "No data loaded yet" not in text


def test_upload_history_lists_batches_in_uk_format(loaded_con: duckdb.DuckDBPyConnection) -> None:
    app = open_page("pages/upload.py")
    history = app.dataframe[0].value
    assert list(history.columns) == ["Batch", "Loaded", "By", "File", "Sheet", "Source", "New", "Updated",
                                     "Unchanged", "Rejected"]
    assert list(history["Batch"]) == [4, 3, 2, 1]
    assert all(UK_DATE_TIME.match(value) for value in history["Loaded"])
    assert set(history["By"]) == {"test.lead@example.org"}
    assert history.set_index("Batch").loc[1, "Rejected"] == 1


def test_upload_page_on_an_empty_store_says_nothing_is_loaded(con: duckdb.DuckDBPyConnection) -> None:
    app = open_page("pages/upload.py")
    assert "Nothing has been loaded yet" in page_text(app)
    assert not app.dataframe


def test_uploading_and_loading_a_file(loaded_con: duckdb.DuckDBPyConnection) -> None:
    app = open_page("pages/upload.py")
    upload(app, "falls_audit.csv", NEW_AUDITS)
    assert app.selectbox(key=next(s.key for s in app.selectbox if s.key.startswith("source|"))).value == "audits"
    mapping = app.data_editor[0].value
    assert dict(zip(mapping["column"], mapping["field"]))["Unit"] == "team"
    assert "Layout: long" in page_text(app)
    load_button(app, "falls_audit.csv").click().run()
    assert not app.exception
    assert any("falls_audit.csv: audits (long layout), batch 5: 2 new" in s.value for s in app.success)
    newest = list_batches(loaded_con).iloc[0]
    assert (newest.file_name, newest.loaded_by) == ("falls_audit.csv", os_user())  # without sign-in: who is here
    assert row_counts(loaded_con)["audits"] == 7
    assert app.dataframe[-1].value["File"].iloc[0] == "falls_audit.csv"  # the history shows it at once


def test_loading_shows_rejected_rows_with_a_download(con: duckdb.DuckDBPyConnection,
                                                     sample_spreadsheets: list[Path]) -> None:
    audits = next(p for p in sample_spreadsheets if p.name == "medication_audits.xlsx")
    app = open_page("pages/upload.py")
    app.file_uploader(key="uploads").set_value((audits.name, audits.read_bytes(), "application/octet-stream")).run()
    load_button(app, audits.name).click().run()
    assert not app.exception
    assert "1 row was not loaded" in page_text(app)
    rejected = app.dataframe[0].value
    assert rejected["Row in file"].tolist() == [7]
    assert "Download the rows to fix (.xlsx)" in [b.label for b in app.download_button]


def test_loading_a_workbook_loads_each_sheet_as_a_batch(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "Falls audit"
    for row in NEW_AUDITS.decode().splitlines():
        workbook.active.append(row.split(","))
    rota = workbook.create_sheet("Rota")
    for row in (["Date", "Unit", "Shift", "Planned hours", "Actual hours"], ["02/03/2026", "Rowan", "Early", 30, 24]):
        rota.append(row)
    workbook.save(tmp_path / "monthly_pack.xlsx")
    app = upload(open_page("pages/upload.py"), "monthly_pack.xlsx", (tmp_path / "monthly_pack.xlsx").read_bytes())
    assert [tab.label for tab in app.tabs] == ["Sheet: Falls audit", "Sheet: Rota"]
    assert [s.value for s in app.selectbox if s.key.startswith("source|")] == ["audits", "rota"]
    load_button(app, "monthly_pack.xlsx").click().run()
    assert not app.exception
    loaded = [s.value.replace("\\", "").split(":")[0] for s in app.success]  # shown escaped as Markdown
    assert loaded == ["monthly_pack.xlsx [Falls audit]", "monthly_pack.xlsx [Rota]"]
    assert list_batches(con)["source"].tolist() == ["rota", "audits"]


def test_loading_the_same_file_twice_adds_nothing(loaded_con: duckdb.DuckDBPyConnection,
                                                  sample_spreadsheets: list[Path]) -> None:
    complaints = next(p for p in sample_spreadsheets if p.name == "complaints_log.csv")
    app = upload(open_page("pages/upload.py"), complaints.name, complaints.read_bytes())
    load_button(app, complaints.name).click().run()
    assert any("already loaded as batch 2" in i.value for i in app.info)
    assert len(list_batches(loaded_con)) == 4


def test_correcting_a_mapping_before_loading(con: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), "falls_by_corridor.csv", UNMAPPED_TEAM)
    assert any("needs **Team**" in w.value for w in app.warning)
    assert load_button(app, "falls_by_corridor.csv").disabled
    editor = app.data_editor[0]
    corridor_row = editor.value["column"].tolist().index("Corridor")
    app.session_state[editor.key] = {"edited_rows": {corridor_row: {"field": "team"}}, "added_rows": [],
                                     "deleted_rows": []}
    app.run()
    assert not app.exception
    assert not any("needs" in w.value for w in app.warning)
    load_button(app, "falls_by_corridor.csv").click().run()
    assert any("batch 1: 2 new" in s.value for s in app.success)
    teams = con.cursor().execute("SELECT DISTINCT team FROM audits").fetchall()
    assert teams == [("Blue",)]
    # The correction is remembered for the next file with these headings.
    assert con.cursor().execute("SELECT count(*) FROM mappings").fetchone()[0] == 1


def test_choosing_the_source_when_it_cannot_be_detected(con: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), "staffing.csv", AMBIGUOUS)
    assert any("Cannot tell" in w.value for w in app.warning)
    assert load_button(app, "staffing.csv").disabled
    source = next(s for s in app.selectbox if s.key.startswith("source|"))
    source.select("rota").run()
    assert not app.exception
    load_button(app, "staffing.csv").click().run()
    assert any("staffing.csv: rota (long layout), batch 1: 2 new" in s.value for s in app.success)


def test_a_file_that_cannot_be_read_shows_an_error_not_a_traceback(con: duckdb.DuckDBPyConnection) -> None:
    app = upload(open_page("pages/upload.py"), "notes.csv", b"nothing,to,see\n1,2,3\n")
    assert any("no header row we recognise" in e.value for e in app.error)
    assert not any(b.label == "Load notes.csv" for b in app.button)


def test_removing_a_batch(loaded_con: duckdb.DuckDBPyConnection) -> None:
    app = open_page("pages/upload.py")
    app.selectbox(key="chosen_batch").select(1).run()
    assert "Download its 1 rejected rows (.xlsx)" in [b.label for b in app.download_button]
    remove = next(b for b in app.button if b.label == "Remove batch 1")
    assert remove.disabled
    app.checkbox(key="confirm_removal|1").check().run()
    next(b for b in app.button if b.label == "Remove batch 1").click().run()
    assert not app.exception
    assert any("Removed batch 1: 5 rows taken out of Audits" in s.value for s in app.success)
    assert row_counts(loaded_con)["audits"] == 0
    assert list(app.dataframe[0].value["Batch"]) == [4, 3, 2]
    assert app.selectbox(key="chosen_batch").value is None


def test_the_server_sets_its_imports_aside_from_the_cycle_collector_once(con: duckdb.DuckDBPyConnection) -> None:
    """app.py's first run freezes what the imports made; later runs freeze nothing more (a page's results, once
    dropped, stay collectable)."""
    import gc

    from pages.common import settle_imports

    open_page()
    frozen = gc.get_freeze_count()
    assert frozen > 10_000
    kept = [[n] for n in range(5_000)]  # new objects the collector tracks
    open_page()
    settle_imports()
    assert gc.get_freeze_count() == frozen
    assert kept
