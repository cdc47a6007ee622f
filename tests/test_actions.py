"""Recording recognition and actions: who may, within which services, and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.access import NotAllowed, User
from analytics.actions import add_action, recorded_actions, update_action
from analytics.audit_trail import trail
from analytics.concerns import recognise
from analytics.store import connect


def person(role: str, services=("Oak",)) -> User:
    return User(f"{role}@example.org", frozenset({role}), services)


@pytest.fixture
def con():
    con = connect(":memory:")
    for cid, service in ((1, "Oak"), (2, "Elm")):
        con.cursor().execute("INSERT INTO concerns VALUES (?, 'repeat_finding', ?, 'Rowan', NULL, 'Care plan signed', "
                             "'Effective', 'concern', '', ?, ?)", [cid, service, date(2026, 6, 30), date(2026, 6, 30)])
    return con


@pytest.mark.parametrize("role, allowed", [("registered_manager", True), ("quality_lead", True),
                                           ("senior_leader", False), ("administrator", True)])
def test_who_may_record(con, role, allowed):
    if allowed:
        add_action(con, person(role), 1, "sign plans", "Jo", date(2026, 7, 31))
        recognise(con, person(role), 1, "repeated", "no sign-off step")
    else:
        with pytest.raises(NotAllowed):
            add_action(con, person(role), 1, "sign plans", "Jo", date(2026, 7, 31))
        with pytest.raises(NotAllowed):
            recognise(con, person(role), 1, "repeated")


def test_another_service_is_not_there(con):
    with pytest.raises(LookupError):
        add_action(con, person("registered_manager"), 2, "sign plans", "Jo", None)


def test_add_update_and_the_trail(con):
    manager = person("registered_manager")
    added = add_action(con, manager, 1, "sign plans", "Jo", date(2026, 7, 31), expected_measure="audit_compliance",
                       planned_on=date(2026, 6, 1))
    assert added.status == "planned" and added.raised == date(2026, 6, 1)
    done = update_action(con, manager, added.action_id, status="done", completed=date(2026, 7, 20))
    assert done.completed == date(2026, 7, 20) and done.closed_without_evidence
    update_action(con, manager, added.action_id, evidence="audit of 12 plans")
    stored = recorded_actions(con, [1])[0]
    assert stored.done and stored.evidence == "audit of 12 plans"
    assert list(trail(con)["action"]) == ["update_action", "update_action", "add_action"]


@pytest.mark.parametrize("change, message", [({"status": "finished"}, "status must be"),
                                             ({"colour": "red"}, "cannot change"),
                                             ({"expected_measure": "happiness"}, "unknown measure")])
def test_bad_updates_are_refused(con, change, message):
    added = add_action(con, person("quality_lead"), 1, "sign plans", "Jo", None)
    with pytest.raises(ValueError, match=message):
        update_action(con, person("quality_lead"), added.action_id, **change)


def test_an_action_needs_what_and_who(con):
    with pytest.raises(ValueError):
        add_action(con, person("quality_lead"), 1, " ", "Jo", None)
