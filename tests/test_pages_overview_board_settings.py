"""The Overview, Board report and Settings pages through Streamlit's AppTest, on the demo data and on an empty store."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.audit_trail import os_user
from analytics.narrative import leader_views
from analytics.settings import default_settings, load_settings
from analytics.store import DB_ENV, connect

APP = str(Path(__file__).resolve().parent.parent / "app.py")
OVERVIEW, BOARD, SETTINGS = "pages/overview.py", "pages/board_report.py", "pages/settings.py"
HOME = "pages/home.py"


@pytest.fixture(scope="module")
def demo_file(demo_db_copy: Path) -> Path:
    """This module's copy of the demo store."""
    return demo_db_copy


@pytest.fixture
def demo_store(demo_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared demo store, for tests that only read it (their cached results carry from test to test)."""
    monkeypatch.setenv(DB_ENV, str(demo_file))
    return demo_file


@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the demo store of the test's own, for tests that change it, and a connection to it."""
    path = tmp_path / "leadership_insight.duckdb"
    shutil.copy(demo_file, path)
    monkeypatch.setenv(DB_ENV, str(path))
    connection = connect(path)
    yield connection
    connection.close()


def open_page(page: str) -> AppTest:
    """The app switched to `page`, after its first run."""
    app = AppTest.from_file(APP, default_timeout=90).run()
    app.switch_page(page).run()
    assert_fine(app)
    return app


def assert_fine(app: AppTest) -> None:
    """No exception on the page."""
    assert not app.exception, [e.message for e in app.exception]


def page_text(app: AppTest) -> str:
    """Every piece of text on the page."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "success", "info",
                                  "warning", "error") for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    return "\n".join(map(str, parts))


def button(app: AppTest, label: str):
    """The button (or form submit button) with this label."""
    return next(b for b in app.button if b.label == label)


# Overview -----------------------------------------------------------------------------------------------------

def test_overview_pairs_headlines_with_what_lies_beneath(demo_store: Path) -> None:
    app = open_page(OVERVIEW)
    text = page_text(app)
    assert "Is the service as good as its headline figures say?" in text
    assert "All services: the 6 months to 31/10/2026" in text
    assert ("Care plan audit compliance 95% — but 'Care plan reviewed and signed in the last month' 29%, "
            "66 points lower.") in text
    assert "Agency share of hours 6% — but Willow Unit, Night shift 38%, 32 points higher." in text
    assert "Flagged because the headline is at least 90%, the level set as good" in text
    assert "**Oakwood House · Willow Unit · Night shift**" in text  # a fragile shift
    subheaders = [s.value for s in app.subheader]
    for group in ("✓ Strong", "↗ Improving, not yet embedded", "◐ Fragile", "⚠ Concern"):
        assert any(s.startswith(f"{group} (") for s in subheaders)
    metrics = {m.label: int(m.value) for m in app.metric if m.label.startswith(("✓", "↗", "◐", "⚠"))}
    assert metrics["✓ Strong"] > 0 and metrics["⚠ Concern"] > 0
    assert "Medication (MAR) compliance rose from 80% to 98%" in text  # a strength shown beside the concerns
    assert any(e.label.startswith("Evidence (") for e in app.expander)


def test_overview_follows_the_service_filter(demo_store: Path) -> None:
    app = open_page(OVERVIEW)
    app.selectbox(key="filter_service").select("Riverside Homecare").run()
    assert_fine(app)
    text = page_text(app)
    assert "Riverside Homecare: the 6 months to 31/10/2026" in text
    # Town Team's professional respondents (fewer than min_feedback_responses) are too few to set against a headline.
    assert "Average rating from Professional respondents" not in text
    assert "Care plan audit compliance 95%" not in text
    # The late tea-time calls the demo plants: evening complaints run above the rest over the months together.
    assert "Evening shifts at Riverside Homecare have been worse than the rest of the service over the months" in text
    assert app.query_params["service"] == "Riverside Homecare"  # kept in the URL for the next page


def test_overview_before_any_data_says_to_choose_a_later_date(demo_store: Path) -> None:
    # The Judge as of box offers only months with data; a link naming an earlier date still opens its view.
    app = AppTest.from_file(APP, default_timeout=90)
    app.query_params["as_of"] = "2025-03-31"
    app.run()
    app.switch_page(OVERVIEW).run()
    assert_fine(app)
    assert app.selectbox(key="filter_as_of").value == date(2025, 3, 31)
    assert "Nothing was recorded in the months up to 31/03/2025" in page_text(app)
    assert not app.header


def test_overview_on_an_empty_store_guides_to_the_demo(con: duckdb.DuckDBPyConnection) -> None:
    app = open_page(OVERVIEW)
    assert "No data loaded yet" in page_text(app)
    assert [link.label for link in app.page_link] == ["Home: load the demo data", "Upload your spreadsheets"]
    assert not app.header and not app.metric


# Board report -------------------------------------------------------------------------------------------------

def test_board_report_shows_the_register_and_its_direction_of_travel(demo_store: Path) -> None:
    app = open_page(BOARD)
    text = page_text(app)
    assert [h.value for h in app.header] == ["What the board must know", "Where each key question stands",
                                             "What is a concern", "What is still fragile", "What is strong, and why",
                                             "What is qualified, and why",
                                             "How leaders responded",
                                             "Limited evidence: places to look, not judgements",
                                             "What leaders said versus what the evidence shows"]
    assert "Direction of travel: July to September 2026 against April to June 2026" in text
    assert "July to September 2026 against April to June 2026: " in text and "worse" in text
    must_know = [m.value for m in app.markdown if m.value.startswith(":red-badge[⚠ Concern] **1. ")]
    assert len(must_know) == 1 and any("Rows: " in m.value for m in app.markdown)
    grid = app.dataframe[0].value
    assert list(grid.columns) == ["Service", "Team", "Safe", "Effective", "Caring", "Responsive", "Well-led"]
    assert grid.iloc[0]["Team"] == "Whole service" and "⚠ Concern" in set(grid["Safe"])
    register = app.table[0].value
    assert list(register.columns) == ["Service", "Key question", "Status", "Confidence", "Since last quarter", "Why"]
    assert set(register["Key question"]) == {"Safe", "Effective", "Caring", "Responsive", "Well-led"}
    assert "No leader's judgement recorded yet" in text
    assert [b.label for b in app.get("download_button")] == ["Download the board pack (.xlsx)",
                                                             "Download the board pack (.pdf)",
                                                             "Download the print-ready report (.html)"]


def test_board_report_opens_the_rows_behind_a_point(demo_store: Path) -> None:
    app = open_page(BOARD)
    app.toggle(key="must_know_rows_1").set_value(True).run()
    assert_fine(app)
    opened = [m.value for m in app.markdown if m.value.endswith(" rows") and m.value.startswith("**")]
    assert opened and re.search(" at (Oakwood House|Riverside Homecare), ", opened[0])
    assert len(app.dataframe) > 1 and not app.dataframe[1].value.empty


# Home ---------------------------------------------------------------------------------------------------------

def test_home_starts_with_what_needs_attention(demo_store: Path) -> None:
    app = open_page(HOME)
    assert_fine(app)
    assert [s.value for s in app.subheader][:2] == ["Start here", "What is loaded"]
    points = [m.value for m in app.markdown if "**1. " in m.value or "**2. " in m.value or "**3. " in m.value]
    assert len(points) == 3 and points[0].startswith(":red-badge[⚠ Concern] :gray-badge[")
    assert "New since last month" in page_text(app)
    links = [link.label for link in app.page_link]
    assert len([label for label in links if label.startswith("Look closer on ")]) >= 3


def test_recording_a_leaders_judgement_sets_it_against_the_evidence(demo_copy: duckdb.DuckDBPyConnection) -> None:
    app = open_page(BOARD)
    app.selectbox(key="filter_service").select("Oakwood House").run()
    button(app, "Record this judgement").click().run()
    assert any("say in a sentence what the judgement is" in e.value.lower() for e in app.error)
    form = app.get("form")[0]
    form.selectbox[1].select("Safe")
    form.selectbox[2].select("strong")
    form.text_input[0].input("Staffing is stable on every unit")
    button(app, "Record this judgement").click().run()
    assert_fine(app)
    recorded = leader_views(demo_copy)
    assert recorded[["service", "key_question", "stance", "recorded_by"]].values.tolist() == [
        ["Oakwood House", "Safe", "strong", os_user()]]  # without sign-in: the person at this computer
    assert any("Recorded: Safe at Oakwood House judged strong" in s.value for s in app.success)
    assert any("more optimistic than the evidence" in w.value for w in app.warning)
    leaders = app.table[-1].value
    assert leaders["Reading"].tolist() == [":orange[**▼ Leaders more optimistic than the evidence**]"]


def test_evidence_reads_as_words_with_its_figure_or_none() -> None:
    from analytics.findings import Evidence
    from pages.findings_views import evidence_line

    judged = Evidence("leaders", "judged strong", None, rows="leaders' judgement #3, recorded on the Board report",
                      detail="recorded by Jo on 05/12/2026")
    assert evidence_line(judged) == ("- **Leaders**, judged strong. Recorded by Jo on 05/12/2026  \n"
                                     "  :gray[Rows: leaders' judgement #3, recorded on the Board report]")
    embedded = Evidence("audits", "compliance: recent cycles against the baseline", 0.99, 0.85)
    assert evidence_line(embedded).startswith("- **Audits**, compliance: recent cycles against the baseline: "
                                              "**99%** against 85%")  # not "1 against 1"
    failed = Evidence("audits", "monthly cycles failed", 6.0, 6.0)
    assert evidence_line(failed).startswith("- **Audits**, monthly cycles failed: **6** of 6 audited")


def _long_board_table() -> None:
    import pandas as pd

    from pages.board_views import show_table

    show_table(pd.DataFrame({"Where": [f"Team {n}" for n in range(30)], "Status": ["⚠ Concern", "◐ Fragile"] * 15,
                             "Why": ["[a link](http://x)"] + ["ok"] * 29}), "Nothing.", key="long")


def test_a_long_board_table_shows_its_first_rows_until_asked_for_all() -> None:
    app = AppTest.from_function(_long_board_table).run()
    assert not app.exception
    shown = app.table[0].value
    assert len(shown) == 20 and shown["Where"].iloc[-1] == "Team 19"
    assert shown["Status"].iloc[:2].tolist() == [":orange[**⚠ Concern**]", ":orange[**◐ Fragile**]"]
    assert shown["Why"].iloc[0] == r"\[a link\](http\://x)"  # escaped: a name shows as written
    assert any("The first 20 of 30 rows" in c.value for c in app.caption)
    app.toggle(key="all_rows_long").set_value(True).run()
    assert len(app.table[0].value) == 30 and not app.caption


@pytest.mark.parametrize(("cell", "shown"), [
    ("✓ Strong", ":blue[**✓ Strong**]"), ("▲ better", ":blue[**▲ better**]"), ("⚠ Concern", ":orange[**⚠ Concern**]"),
    ("▼ worse", ":orange[**▼ worse**]"), ("◐ Fragile", ":orange[**◐ Fragile**]"), ("● same", "● same"),
    ("○ No judgement", "○ No judgement"), ("", "")])
def test_status_cells_are_coloured_by_their_symbol(cell: str, shown: str) -> None:
    from pages.board_views import coloured

    assert coloured(cell) == shown


def test_board_report_on_an_empty_store(con: duckdb.DuckDBPyConnection) -> None:
    app = open_page(BOARD)
    assert "No data loaded yet" in page_text(app)
    assert not app.get("download_button")


# Settings -----------------------------------------------------------------------------------------------------

def test_settings_show_every_threshold_with_help(con: duckdb.DuckDBPyConnection) -> None:
    app = open_page(SETTINGS)
    assert [t.label for t in app.tabs] == ["Thresholds", "Shift names", "CQC key questions", "Other settings",
                                        "People and roles", "Audit trail"]
    thresholds = [n for n in app.number_input if n.key.removeprefix("settings|") in default_settings()["thresholds"]]
    assert len(thresholds) == len(default_settings()["thresholds"])
    assert all(n.help and "Default:" in n.help for n in thresholds)
    assert not any(n.label[0].islower() or "_" in n.label for n in thresholds)
    shifts = app.data_editor[0].value
    assert shifts.set_index("Standard shift").loc["Night", "Labels (comma-separated)"].startswith("night, n, nights")
    assert app.data_editor[1].value.iloc[0].tolist() == ["Safe", "Medicines optimisation", "medication, medicines, mar"]


def test_a_threshold_share_must_be_between_0_and_1(demo_copy: duckdb.DuckDBPyConnection) -> None:
    app = open_page(SETTINGS)
    app.number_input(key="settings|item_failing_compliance").set_value(75.0)
    button(app, "Save thresholds").click().run()
    assert any("'An audit item fails a month below' is a share: enter a number between 0 and 1" in e.value
               for e in app.error)
    assert load_settings(demo_copy)["thresholds"]["item_failing_compliance"] == 0.75
    app.number_input(key="settings|item_failing_compliance").set_value(0.8)
    app.number_input(key="settings|recent_cycles").set_value(12)
    button(app, "Save thresholds").click().run()
    assert_fine(app)
    assert any("Saved the thresholds" in s.value for s in app.success)
    saved = demo_copy.cursor().execute("SELECT value FROM settings WHERE key = 'thresholds'").fetchone()[0]
    assert saved == '{"recent_cycles": 12, "item_failing_compliance": 0.8}'  # only what differs from the defaults
    assert load_settings(demo_copy)["thresholds"]["fragility_gap"] == 0.1


def test_editing_shift_names_and_the_key_question_mapping(demo_copy: duckdb.DuckDBPyConnection) -> None:
    app = open_page(SETTINGS)
    shifts = app.data_editor[0]
    app.session_state[shifts.key] = {"edited_rows": {0: {"Labels (comma-separated)": "early, night"}},
                                     "added_rows": [], "deleted_rows": []}
    button(app.run(), "Save shift names").click().run()
    assert any("The label 'night' is given to both" in e.value for e in app.error)
    app.session_state[shifts.key] = {"edited_rows": {}, "added_rows": [
        {"Standard shift": "Twilight", "Labels (comma-separated)": "Twi, 6-11"}], "deleted_rows": []}
    button(app.run(), "Save shift names").click().run()
    assert_fine(app)
    assert load_settings(demo_copy)["shifts"]["Twilight"] == ["twi", "6-11"]
    rules = app.data_editor[1]
    app.session_state[rules.key] = {"edited_rows": {0: {"Matching words (comma-separated)": ""}},
                                    "added_rows": [], "deleted_rows": []}
    button(app.run(), "Save the key-question mapping").click().run()
    assert any("Row 1: give at least one matching word" in e.value for e in app.error)
    assert load_settings(demo_copy)["key_questions"] == default_settings()["key_questions"]


def test_other_settings_and_reset_to_defaults(demo_copy: duckdb.DuckDBPyConnection) -> None:
    app = open_page(SETTINGS)
    app.text_input(key="settings|service").input("Oakwood House")
    app.radio(key="settings|date_order").set_value("mdy")
    button(app, "Save").click().run()
    assert_fine(app)
    assert (load_settings(demo_copy)["default_service"], load_settings(demo_copy)["date_order"]) == \
        ("Oakwood House", "mdy")
    assert button(app, "Reset to defaults").disabled
    app.checkbox(key="confirm_reset|Everything").check().run()
    button(app, "Reset to defaults").click().run()
    assert_fine(app)
    assert any("Reset everything to the defaults" in s.value for s in app.success)
    assert load_settings(demo_copy) == default_settings()
    assert app.text_input(key="settings|service").value == "My service"


def test_file_limits_and_dates_accepted_are_settings(demo_copy: duckdb.DuckDBPyConnection) -> None:
    app = open_page(SETTINGS)
    app.number_input(key="settings|max_columns").set_value(3)
    save_buttons = [b for b in app.button if b.label == "Save"]
    save_buttons[-1].click().run()
    assert any("'Most columns in a sheet' should be at least 10; it is 3." in e.value for e in app.error)
    assert load_settings(demo_copy)["limits"]["max_columns"] == 1000
    app.number_input(key="settings|max_columns").set_value(40)
    app.number_input(key="settings|latest_days_ahead").set_value(7)
    [b for b in app.button if b.label == "Save"][-1].click().run()
    assert_fine(app)
    saved = load_settings(demo_copy)
    assert saved["limits"]["max_columns"] == 40 and saved["date_range"]["latest_days_ahead"] == 7
