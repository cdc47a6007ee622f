"""Concern identity, lifecycle state, recurrence after closure and time to recognise."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.actions import Action
from analytics.concerns import Recognition, TrackedConcern, is_tracked, lasting, same_pattern
from analytics.findings import Finding
from analytics.follow_through import FollowThrough
from analytics.response import concern_state, response_measures, returned, view
from analytics.settings import default_settings

M = [date(2026, m, 28) for m in range(1, 11)]  # month ends stand-ins, in order


def finding(kind="repeat_finding", subject="Care plan signed", status="concern", team="Rowan") -> Finding:
    return Finding(kind, "Oak", team, None, "Effective", None, subject, status, "high", date(2026, 1, 1),
                   date(2026, 6, 30), "summary")


def concern(months, recognition=None, subject="Care plan signed") -> TrackedConcern:
    return TrackedConcern(1, "repeat_finding", "Oak", "Rowan", None, subject, "Effective", "concern", "s",
                          months[-1][0] if months else None, tuple(months), recognition)


def action(status="done", completed=date(2026, 4, 10), evidence="audit", due=date(2026, 4, 30)) -> Action:
    return Action("A1", 1, "Oak", "Rowan", "sign plans", "Jo", due, None, status, completed, None, evidence, "app",
                  date(2026, 3, 1))


@pytest.mark.parametrize("kind, status, tracked", [
    ("repeat_finding", "concern", True), ("fragility", "fragile", True), ("special_cause", "improving", False),
    ("strength", "strong", False), ("repeat_finding", "not_enough_evidence", False),
    ("embedded_improvement", "strong", False)])
def test_which_findings_become_concerns(kind, status, tracked):
    assert is_tracked(finding(kind=kind, status=status)) is tracked


@pytest.mark.parametrize("key_subject, kind, subject, same", [
    ("Care plan signed", "repeat_finding", "Care plan signed", True),
    ("Care plan signed", "repeat_finding", "Care plan signed monthly", False),   # an item is exact
    ("call times / late", "emerging_theme", "call times / late / tea", True),    # a theme by likeness
    ("call times / late", "emerging_theme", "laundry / missing", False)])
def test_a_concern_keeps_its_identity(key_subject, kind, subject, same):
    key = (kind, "Oak", "Rowan", None, key_subject)
    assert same_pattern(key, finding(kind=kind, subject=subject), 80) is same


def test_another_place_is_another_concern():
    assert not same_pattern(("repeat_finding", "Oak", "Beech", None, "Care plan signed"), finding(), 80)


@pytest.mark.parametrize("shown, kept", [
    ("XXX.......", True),        # three months long ago: a past concern leaders can be asked about
    ("X.X.X.....", True),        # three months, not together
    ("XX........", False),       # two months: noise
    ("..........", False),
    ("XXXX", True)])
def test_a_past_pattern_is_tracked_when_it_lasted(shown, kept):
    settings = default_settings()
    months = M[:len(shown)]
    history = {("Oak", m): [finding()] if c == "X" else [finding(status="strong")] for m, c in zip(months, shown)}
    found = lasting(history, "Oak", months, settings)
    assert bool(found) is kept
    if kept:  # the last month it showed, and its finding then
        assert found[0][0] == months[shown.rindex("X")] and found[0][1].subject == "Care plan signed"


@pytest.mark.parametrize("presence, closed, returns", [
    ("XXXXXXXXXX", M[3], []),                 # never went
    ("XXXX..XXXX", M[3], [M[6]]),             # went after closure and came back
    ("XX..XXXXXX", M[5], []),                 # the gap was before closure
    ("XXXX.X.X..", M[3], [M[5], M[7]]),       # came back twice
    ("....XXXXXX", M[2], []),                 # first seen after closure: it never went, so never came back
    ("....XX..XX", M[2], [M[8]]),             # first seen after closure, went, came back
    ("XXXX..XXXX", None, [])])                # never closed: nothing recurs
def test_recurrence_after_closure(presence, closed, returns):
    months = tuple(zip(M, (p == "X" for p in presence), strict=True))
    assert returned(months, closed) == returns


def follow(verdict):
    return FollowThrough(verdict, "audit_compliance")


@pytest.mark.parametrize("recognised, actions, verdicts, returns, present, state", [
    (False, [], [], [], True, "open"),
    (True, [], [], [], True, "recognised"),
    (False, [], [], [], False, "no longer in the data"),     # went by itself, nobody recorded anything
    (True, [], [], [], False, "no longer in the data"),
    (True, [action(status="in progress", completed=None)], [], [], True, "action planned"),
    (True, [action()], ["too early"], [], True, "actions done"),
    (True, [action()], ["improved"], [], True, "verified"),
    (True, [action()], ["sustained"], [], False, "sustained"),
    (True, [action()], ["no change"], [], True, "not working"),
    (True, [action()], ["scheduled audits only"], [], True, "not working"),
    (True, [action()], ["improved"], [M[6]], True, "recurring"),
    (True, [action()], ["no change"], [], False, "actions done")])    # pattern gone, measure flat: not judged failing
def test_lifecycle_state(recognised, actions, verdicts, returns, present, state):
    months = [(M[0], True), (M[1], present)]
    seen = concern(months, Recognition(M[0], "rm@x.org", "repeated", "") if recognised else None)
    assert concern_state(seen, actions, [follow(v) for v in verdicts], returns) == state


def test_time_to_recognise_and_first_action_and_late_flag(monkeypatch):
    months = [(date(2026, 1, 31), False), (date(2026, 2, 28), True), (date(2026, 3, 31), True)]
    seen = concern(months, Recognition(date(2026, 4, 14), "rm@x.org", "repeated", "no sign-off"))
    monkeypatch.setattr("analytics.response.follow_through", lambda *a: follow("improved"))
    settings = {"thresholds": {"recognition_target_days": 30}}
    found = view(None, seen, [action(completed=date(2026, 4, 20))], date(2026, 6, 30), date(2026, 7, 1), settings)
    assert found.days_to_recognition == 45 and found.recognised_late
    assert found.days_to_first_action == 1  # planned on 1 March, first signal 28 February
    assert found.state == "verified" and not found.flags
    assert [e.what.split()[0] for e in found.timeline][:2] == ["first", "action"]
    measures = response_measures([found])
    assert measures["median_days_to_recognise"] == 45 and measures["closed_verified_share"] == 1.0


def test_closing_without_evidence_and_against_the_data_are_flagged(monkeypatch):
    seen = concern([(date(2026, 2, 28), True)])
    monkeypatch.setattr("analytics.response.follow_through", lambda *a: follow("no change"))
    settings = {"thresholds": {"recognition_target_days": 30}}
    bare = view(None, seen, [action(evidence="")], date(2026, 6, 30), date(2026, 7, 1), settings)
    assert bare.flags == ("A1 closed without evidence",)
    said = view(None, seen, [action(evidence="all signed")], date(2026, 6, 30), date(2026, 7, 1), settings)
    assert "contradicts" in said.flags[0]


@pytest.mark.parametrize("status, due, today, overdue", [
    ("planned", date(2026, 5, 1), date(2026, 5, 2), True), ("in progress", date(2026, 5, 1), date(2026, 5, 1), False),
    ("done", date(2026, 5, 1), date(2026, 6, 1), False), ("dropped", date(2026, 5, 1), date(2026, 6, 1), False),
    ("planned", None, date(2026, 6, 1), False)])
def test_overdue(status, due, today, overdue):
    assert action(status=status, completed=None, due=due).overdue(today) is overdue


def test_tracking_again_with_nothing_changed_reads_and_writes_nothing(demo_con, monkeypatch):
    """A page view tracks concerns first (response.concern_views): on a store tracked at load, that is a check of
    what each service was tracked from, not a reading of its history and a rewrite of its months."""
    import analytics.concerns as concerns
    from analytics.scope import Scope
    from analytics.settings import load_settings

    settings = load_settings(demo_con)
    ids = concerns.track(demo_con, Scope(), settings)
    assert len(ids) > 5
    followed = []
    real = concerns.findings_history
    monkeypatch.setattr(concerns, "findings_history",
                        lambda con, services, *a, **k: followed.append(list(services)) or real(con, services, *a, **k))
    assert concerns.track(demo_con, Scope(), settings) == ids
    assert followed == []
    service = demo_con.execute("SELECT min(service) FROM concerns").fetchone()[0]
    demo_con.execute("DELETE FROM concern_tracking WHERE service = ?", [service])  # as if its data had changed
    assert sorted(concerns.track(demo_con, Scope(), settings)) == sorted(ids)
    assert followed == [[service]]
    changed = {**settings, "thresholds": {**settings["thresholds"], "concern_min_months": 4}}
    as_of = Scope().end(demo_con)
    data = concerns.fingerprints(demo_con, [service], as_of)
    assert concerns._tracking_marks(demo_con, [service], as_of, changed, data) != \
        concerns._tracking_marks(demo_con, [service], as_of, settings, data)  # other settings: tracked again
