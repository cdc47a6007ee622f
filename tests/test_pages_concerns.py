"""The Concerns and actions page through Streamlit's AppTest, on the demo data: what it shows, its filters, the
forms that record a response, linking an imported action-plan row, and who may record."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.access import ADMINS_FILE_ENV, assign_role
from analytics.audit_trail import trail
from analytics.response import concern_views
from analytics.scope import Scope
from analytics.store import DB_ENV, connect
from analytics.stored_insights import refresh

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/concerns.py"
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "id", "client_secret": "secret",
                 "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"}}


@pytest.fixture(scope="module")
def demo_file(demo_db_copy: Path) -> Path:
    """This module's copy of the demo store, its concerns already followed back through history (the slow part,
    done once here rather than in every test's first page run)."""
    con = connect(demo_db_copy)
    try:
        concern_views(con, Scope())
    finally:
        con.close()
    return demo_db_copy


@pytest.fixture
def demo_store(demo_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared demo store, for tests that only read it."""
    monkeypatch.setenv(DB_ENV, str(demo_file))
    return demo_file


@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the demo store of the test's own, for tests that record, and a connection to it."""
    path = tmp_path / "leadership_insight.duckdb"
    shutil.copy(demo_file, path)
    monkeypatch.setenv(DB_ENV, str(path))
    monkeypatch.setenv(ADMINS_FILE_ENV, str(tmp_path / "administrators.txt"))
    connection = connect(path)
    yield connection
    connection.close()


def open_page(email: str | None = None) -> AppTest:
    """The app switched to the page: the local user with every role, or signed in as `email`."""
    app = AppTest.from_file(APP, default_timeout=300)
    if email is not None:
        app.secrets.update(AUTH)
        app.user = {"is_logged_in": True, "email": email, "name": email}
    app.run()
    app.switch_page(PAGE).run()
    assert_fine(app)
    return app


def assert_fine(app: AppTest) -> None:
    assert not app.exception, [e.message for e in app.exception]


def page_text(app: AppTest) -> str:
    """Every text on the page as a person reads it (provider text is escaped for Markdown: unescaped here)."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "success", "info",
                                  "warning", "error") for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|$<>~])", r"\1", "\n".join(map(str, parts)))


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def concern_index(app: AppTest, key: str, words: str) -> int:
    """The position of the first concern whose label holds `words` in the selectbox `key`."""
    box = app.selectbox(key=key)
    return next(i for i, label in enumerate(box.options) if words.lower() in label.lower())


def test_page_leads_with_overdue_actions_then_concerns_by_state(demo_store: Path) -> None:
    app = open_page()
    headers = [h.value for h in app.header]
    assert headers[:2] == ["Actions overdue", "Concerns by state"]
    overdue = app.dataframe[0].value
    assert list(overdue["Action"]) == ["Nurse in charge signs the handover sheet every night"]
    assert overdue["Due"].tolist() == ["30/09/2026"]
    subheaders = [s.value for s in app.subheader if s.value != "Filters"]
    # Lifecycle order, each state with how many concerns are in it.
    assert [s.split(" (")[0] for s in subheaders] == ["Open", "Recognised", "Action planned", "Verified", "Not working",
                                                      "Recurring", "No longer in the data"]
    text = page_text(app)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Actions overdue"] == "1" and metrics["Recurring"] == "1"
    # A concern's figures in words, its months in the data and its dated timeline with symbols.
    assert ("failed in 17 of 24 monthly team audits from May 2026 to Oct 2026, on all 4 teams audited (Beech Unit 6 "
            "of 6 months, Cedar Unit 4 of 6, Rowan Unit 5 of 6 and Willow Unit 2 of 6)") in text
    assert "In the data 17 of 18 months, May 2025 to Oct 2026" in text
    assert "◉ **30/06/2025** first signal in the data" in text
    # Town Team's rounds re-planned and closed on say-so; its call-times complaints went, then came back.
    assert "☑ **06/03/2026** action" in text and "↺ **31/08/2026** pattern returned: the concern reopens" in text
    # Recognised late, and a past pattern the data shows an action fixed.
    assert "◆ **12/06/2026** recognised by tom.reid@oakwood.example as high impact" in text
    assert "No gaps in MAR chart" in text and "tested by the data: improved" in text
    assert "⌛ **30/09/2026** action" in text
    # Follow-through tested by the data: on say-so, and against the data.
    warnings = [w.value for w in app.warning]
    assert any(w.endswith("closed without evidence") for w in warnings)
    assert any("closed with evidence the data contradicts (no change)" in w for w in warnings)
    # The imported row no concern matched, with a way to link it.
    unlinked = app.dataframe[-1].value
    assert list(unlinked["Action planned"]) == ["Weekly fire door walk-round"]
    assert "Link this row" in [b.label for b in app.button]


def test_filters_by_state_and_key_question(demo_store: Path) -> None:
    app = open_page()
    app.multiselect(key="concern_states").set_value(["recurring"]).run()
    assert_fine(app)
    assert [s.value for s in app.subheader if s.value != "Filters"] == ["Recurring (1)"]
    assert "Call times** — Riverside Homecare, Town Team" in page_text(app)
    app.multiselect(key="concern_states").set_value(["open", "not working"])
    app.multiselect(key="concern_questions").set_value(["Safe"]).run()
    assert_fine(app)
    shown = [m.value for m in app.markdown if "Flagged because" in m.value]
    assert shown and all("; Safe)" in m for m in shown)
    app.multiselect(key="concern_questions").set_value([]).run()
    assert "No concern in the states and key questions chosen." in page_text(app)


def test_recognise_plan_and_close_an_action_without_evidence(demo_copy: duckdb.DuckDBPyConnection) -> None:
    app = open_page()
    app.selectbox(key="recognise_which").select_index(concern_index(app, "recognise_which", "Town Team: Call times"))
    app.radio(key="recognise_judgement").set_value("repeated")
    app.date_input(key="recognise_on").set_value(date(2026, 10, 20))
    app.text_area(key="recognise_cause").input("Rounds planned without travel time")
    button(app, "Record the recognition").click().run()
    assert_fine(app)
    text = page_text(app)
    assert "Recorded: concern #" in text and "recognised as repeated" in text
    assert "◆ **20/10/2026** recognised by local user as repeated; likely cause: Rounds planned without travel time" \
        in text

    app.selectbox(key="plan_which").select_index(concern_index(app, "plan_which", "Care plan reviewed"))
    app.text_input(key="plan_what").input("Spot-check ten care plans a week")
    app.text_input(key="plan_owner").input("Jane Okafor")
    app.date_input(key="plan_due").set_value(date(2026, 11, 1))
    app.selectbox(key="plan_measure").set_value("audit_compliance")
    button(app, "Plan this action").click().run()
    assert_fine(app)
    overdue = app.dataframe[0].value
    assert "Spot-check ten care plans a week" in list(overdue["Action"])
    assert {m.label: m.value for m in app.metric}["Actions overdue"] == "2"

    app.selectbox(key="update_status").set_value("done")
    app.date_input(key="update_completed").set_value(date(2026, 11, 20))
    button(app, "Update this action").click().run()
    assert_fine(app)
    assert any(w.value.startswith("A") and w.value.endswith("closed without evidence") for w in app.warning)
    assert "Spot-check ten care plans a week" not in list(app.dataframe[0].value.get("Action", []))
    assert {"recognise_concern", "add_action", "update_action"} <= set(trail(demo_copy)["action"])
    assert refresh(demo_copy) == 0  # each recording brought the stored findings up to date at once


def test_a_bad_action_is_refused_in_words(demo_copy: duckdb.DuckDBPyConnection) -> None:
    app = open_page()
    app.text_input(key="plan_what").input("Something")
    button(app, "Plan this action").click().run()
    assert_fine(app)
    assert [e.value for e in app.error] == ["An action needs what will be done and who owns it"]


def test_link_an_unmatched_action_plan_row(demo_copy: duckdb.DuckDBPyConnection) -> None:
    app = open_page()
    # The row is at Oakwood House's Cedar Unit: only Oakwood House's concerns are offered.
    box = next(b for b in app.selectbox if b.key.startswith("link_concern_"))
    assert box.options and all("Oakwood House" in option for option in box.options)
    box.select_index(concern_index(app, box.key, "Oakwood House: "))
    button(app, "Link this row").click().run()
    assert_fine(app)
    text = page_text(app)
    assert "linked to concern #" in text
    assert "Every imported action-plan row belongs to a concern." in text
    tables = " ".join(str(frame.value.to_dict()) for frame in app.dataframe)
    assert "Weekly fire door walk-round" in tables  # now one of that concern's actions


def test_a_senior_leader_reads_but_does_not_record(demo_copy: duckdb.DuckDBPyConnection) -> None:
    assign_role(demo_copy, "ceo@example.org", "senior_leader", None, "setup@example.org")
    app = open_page("ceo@example.org")
    text = page_text(app)
    assert "Recording a response needs the Quality lead or Registered manager or Administrator role" in text
    assert "Actions overdue" in text and "Weekly fire door walk-round" in str(app.dataframe[-1].value.to_dict())
    labels = {b.label for b in app.button}
    assert not labels & {"Record the recognition", "Plan this action", "Update this action", "Link this row"}


def test_a_registered_manager_sees_only_their_service(demo_copy: duckdb.DuckDBPyConnection) -> None:
    assign_role(demo_copy, "rm@example.org", "registered_manager", ("Riverside Homecare",), "setup@example.org")
    app = open_page("rm@example.org")
    text = page_text(app)
    assert "Riverside Homecare" in text and "Oakwood House" not in text
    assert "Record the recognition" in {b.label for b in app.button}
    options = app.selectbox(key="recognise_which").options
    assert options and all("Riverside Homecare" in o for o in options)
