"""Trends page: a sustained shift is said, marked and suggested as a new start, and a person can choose it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.store import DB_ENV

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def willow_agency(demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The Trends page on the demo's Willow Unit night shifts, agency share picked (it rose from about 3% to 38%)."""
    monkeypatch.setenv(DB_ENV, str(demo_db_copy))
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params.update({"service": "Oakwood House", "team": "Willow Unit", "shift": "Night"})
    app.run()
    app.switch_page("pages/trends.py").run()
    app.selectbox(key="trends_metric").select("agency_share").run()
    assert not app.exception, [e.message for e in app.exception]
    yield app


def text(app: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption") for e in getattr(app, kind))


def test_a_shift_is_said_with_its_suggestion_and_judged_since(willow_agency: AppTest) -> None:
    shown = text(willow_agency)
    assert "**A shift since" in shown and "Start new limits at" in shown
    assert "The months before it are the old level, not special cause" in shown
    assert "every month since the shift fails the 20% target" in shown
    assert "Consistently fails target" in shown and "Special cause — concerning, high" in shown
    assert "Special cause — improving" not in shown
    [box] = [box for box in willow_agency.checkbox if box.key.startswith("trends_rebase_")]
    assert box.value is False  # never rebased silently


def test_a_person_can_start_new_limits_at_the_shift_for_this_view(willow_agency: AppTest) -> None:
    [box] = [box for box in willow_agency.checkbox if box.key.startswith("trends_rebase_")]
    box.check().run()
    assert not willow_agency.exception
    shown = text(willow_agency)
    assert "as you chose (this view only)" in shown
    assert "**A shift since" not in shown  # the new period is judged on its own limits


def test_an_action_is_marked_and_new_limits_start_there_with_the_reason(demo_db_copy: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from analytics.access import local_user
    from analytics.actions import add_action, update_action
    from analytics.store import connect

    con = connect(demo_db_copy)
    concern = con.cursor().execute(
        "INSERT INTO concerns (concern_id, kind, service, team, shift, subject, status) VALUES "
        "(nextval('concern_ids'), 'fragility', 'Oakwood House', 'Willow Unit', 'Night', 'agency share of hours', "
        "'concern') RETURNING concern_id").fetchone()[0]
    action = add_action(con, local_user(), concern, "Two permanent night seniors", "Deputy", date(2026, 6, 30),
                        expected_measure="agency_share")
    update_action(con, local_user(), action.action_id, status="done", completed=date(2026, 7, 1))
    con.close()
    monkeypatch.setenv(DB_ENV, str(demo_db_copy))
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params.update({"service": "Oakwood House", "team": "Willow Unit", "shift": "Night"})
    app.run()
    app.switch_page("pages/trends.py").run()
    app.selectbox(key="trends_metric").select("agency_share").run()
    assert "Actions marked on the chart: 1. 01 Jul 2026, Done: Two permanent night seniors" in text(app)
    [reason] = [box for box in app.text_input if box.key.startswith("trends_marks_")]
    reason.input("The seniors started in July")  # in a form: sent with the button
    [button] = [b for b in app.button if "Start new limits here" in str(b.label)]
    button.click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    shown = text(app)
    assert "New limits, as recorded: from Jul 2026 (The seniors started in July, chosen by" in shown
    assert "New limits from Jul 2026." in shown
