"""Follow-through tested by the data (analytics.follow_through): an action followed by real improvement, one followed
by none, and one that held only in the scheduled audits while the unannounced spot checks stayed as they were."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.actions import Action
from analytics.concerns import TrackedConcern
from analytics.follow_through import follow_through
from analytics.ingest import ingest_bytes
from analytics.settings import load_settings

SERVICE, ITEM = "Elm House", "MAR signed for every dose"
DONE = date(2026, 4, 15)
AS_OF = date(2026, 9, 30)


def audits(team: str, before: float, after: float, spot_before: float, spot_after: float) -> bytes:
    """Monthly audits of one item on one team, January to September 2026, 20 answers a month of each kind, passing
    at the given shares before and after the action's month (April)."""
    lines = ["Date,Home,Unit,Audit type,Question,Answer,Audit ref,Scheduled or spot check"]
    for month in range(1, 10):
        for kind, (was, now) in (("Scheduled", (before, after)), ("Spot check", (spot_before, spot_after))):
            share = was if month < 4 else now
            passed = round(20 * share)
            for n in range(20):
                lines.append(f"{month + 2:02d}/{month:02d}/2026,{SERVICE},{team},Medication,{ITEM},"
                             f"{'Yes' if n < passed else 'No'},{team[:1]}{kind[:2]}{month}-{n},{kind}")
    return ("\n".join(lines) + "\n").encode()


def concern(team: str) -> TrackedConcern:
    return TrackedConcern(1, "repeat_finding", SERVICE, team, None, ITEM, "Safe", "concern", "s", AS_OF,
                          ((AS_OF, True),), None)


def action(completed: date | None = DONE, status: str = "done") -> Action:
    return Action("A1", 1, SERVICE, None, "Check every MAR at handover", "Jo", date(2026, 4, 30), None, status,
                  completed, None, "check sheet", "app", date(2026, 3, 1))


@pytest.mark.parametrize("team, shares, verdict, verified, against", [
    ("Ash", (0.4, 0.95, 0.4, 0.95), ("improved", "sustained"), True, False),   # better in both kinds of audit
    ("Birch", (0.5, 0.5, 0.5, 0.5), ("no change",), False, True),                # the same after as before
    ("Cherry", (0.4, 0.95, 0.4, 0.4), ("scheduled audits only",), False, True),  # spot checks never moved
])
def test_the_data_judges_the_action(con, team, shares, verdict, verified, against):
    ingest_bytes(con, audits(team, *shares), f"{team}.csv", source="audits")
    found = follow_through(con, concern(team), action(), AS_OF, load_settings(con))
    assert found.verdict in verdict, (found.verdict, found.spot_checks)
    assert (found.verified, found.against) == (verified, against)
    assert found.measure_id == "audit_compliance" and "before" in found.text and "after" in found.text
    if team != "Birch":
        assert found.spot_checks.startswith("spot checks")


def test_an_action_not_done_or_too_recent_is_not_judged(con):
    ingest_bytes(con, audits("Ash", 0.4, 0.95, 0.4, 0.95), "ash.csv", source="audits")
    settings = load_settings(con)
    assert follow_through(con, concern("Ash"), action(None, "in progress"), AS_OF, settings).verdict == "not done"
    assert follow_through(con, concern("Ash"), action(date(2026, 9, 20)), AS_OF, settings).verdict == "too early"
