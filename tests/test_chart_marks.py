"""Actions marked on a trend chart, and new limits a person starts at one for a stated reason (analytics.chart_marks)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.access import NotAllowed, User, local_user
from analytics.actions import add_action, update_action
from analytics.chart_marks import action_marks, new_limits, record_new_limits
from analytics.scope import Scope
from analytics.settings import load_settings
from analytics.signals import spc_chart

OAK, WILLOW, NIGHT = "Oakwood House", "Willow Unit", "Night"


@pytest.fixture
def concern(demo_con) -> int:
    """A concern about Willow Unit's nights, as tracking would record it."""
    return demo_con.cursor().execute(
        "INSERT INTO concerns (concern_id, kind, service, team, shift, subject, status) "
        "VALUES (nextval('concern_ids'), 'fragility', ?, ?, ?, 'agency share of hours', 'concern') "
        "RETURNING concern_id", [OAK, WILLOW, NIGHT]).fetchone()[0]


def test_actions_about_the_place_and_measure_are_marked_at_their_dates(demo_con, concern):
    done = add_action(demo_con, local_user(), concern, "Recruit two permanent night seniors", "Deputy",
                      date(2026, 3, 31), expected_measure="agency_share")
    update_action(demo_con, local_user(), done.action_id, status="done", completed=date(2026, 4, 2))
    add_action(demo_con, local_user(), concern, "Night handover checklist", "Unit lead", date(2026, 11, 30),
               expected_measure="handover_completion")
    add_action(demo_con, local_user(), concern, "Talk to the agency", "Manager", date(2026, 5, 15))
    marks = action_marks(demo_con, OAK, WILLOW, NIGHT, "agency_share")
    assert [(m.on, m.label()) for m in marks] == [
        (date(2026, 4, 2), "Done: Recruit two permanent night seniors"),
        (date(2026, 5, 15), "Due: Talk to the agency")]  # no measure named: the concern's own (agency share)
    assert action_marks(demo_con, OAK, WILLOW, None, "agency_share") == []  # the whole team is another place


def test_actions_imported_from_the_action_plan_are_marked_too(demo_con):
    # AP-02 in the demo's plan, matched to the Willow nights handover concern, not done by its due date.
    marks = action_marks(demo_con, OAK, WILLOW, NIGHT, "handover_completion")
    assert (date(2026, 9, 30), "Due: Nurse in charge signs the handover sheet every night") in \
        [(m.on, m.label()) for m in marks]
    # AP-06, the MAR check, done: marked on the service's audit chart of that item's measure.
    done = action_marks(demo_con, OAK, None, None, "audit_compliance")
    assert (date(2025, 11, 21), True) in [(m.on, m.done) for m in done]


def test_new_limits_are_recorded_with_the_reason_and_used_by_the_chart(demo_con):
    settings = load_settings(demo_con)
    before = spc_chart(demo_con, Scope((OAK,)), settings, "agency_share", OAK, WILLOW, NIGHT)
    assert before.points["period"].max() == 0
    chosen = record_new_limits(demo_con, local_user(), OAK, WILLOW, NIGHT, "agency_share", date(2026, 1, 14),
                               "Agency cover on nights since the two seniors left in January")
    assert chosen.start == date(2026, 1, 1)
    [stored] = new_limits(demo_con, OAK, WILLOW, NIGHT, "agency_share")
    assert stored == chosen
    after = spc_chart(demo_con, Scope((OAK,)), settings, "agency_share", OAK, WILLOW, NIGHT,
                      rebase=tuple(limit.start for limit in [stored]))
    assert after.points.loc[after.points["date"] >= "2026-01-01", "period"].eq(1).all()
    trail = demo_con.cursor().execute(
        "SELECT detail FROM audit_trail WHERE action = 'start_new_limits'").fetchall()
    assert "since the two seniors left" in trail[-1][0]


@pytest.mark.parametrize("user, reason, error", [
    (local_user(), "  ", "say why the limits start afresh"),
    (User("board@example.org", frozenset({"senior_leader"}), None), "a reason", "may not"),
    (User("rm@example.org", frozenset({"registered_manager"}), ("Riverside Homecare",)), "a reason", "may not"),
])
def test_new_limits_need_a_reason_and_the_right_to_change_the_chart(demo_con, user, reason, error):
    with pytest.raises((ValueError, NotAllowed), match=error):
        record_new_limits(demo_con, user, OAK, WILLOW, NIGHT, "agency_share", date(2026, 1, 1), reason)
    assert new_limits(demo_con, OAK, WILLOW, NIGHT, "handover_completion") == []
