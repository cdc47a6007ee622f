"""One pattern on most teams is one service-wide finding naming them: tiny fabricated findings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from canonical_rows import insert

from analytics.findings import Evidence, Finding
from analytics.scope import Scope
from analytics.service_wide import merge_service_wide, service_wide_finding, teams_with_data
from analytics.settings import default_settings
from analytics.store import connect

SETTINGS = default_settings()  # service_wide_share_of_teams 0.5
SERVICE = "Elm House"
TEAMS = {SERVICE: {"Ash", "Birch", "Cedar", "Hazel"}, "Oak Court": {"North", "South"}}


def finding(team: str | None, *, kind: str = "assurance_gap", subject: str = "Communication",
            status: str = "concern", confidence: str = "limited", service: str = SERVICE,
            shift: str | None = None, month: int = 5) -> Finding:
    return Finding(kind=kind, service=service, team=team, shift=shift, key_question=None, quality_statement=None,
                   subject=subject, status=status, confidence=confidence, period_start=date(2026, month, 1),
                   period_end=date(2026, 10, 31), summary=f"At {service}, {team or 'every team'} shows it.",
                   evidence=(Evidence("complaints", "complaints", 3.0, rows=f"complaints: team = {team!r}"),))


def merged(findings: list[Finding]) -> list[tuple]:
    return [(f.kind, f.team, f.subject, f.status) for f in merge_service_wide(findings, TEAMS, SETTINGS)]


@pytest.mark.parametrize(("teams", "expected_team"), [
    (("Ash",), "Ash"),                        # one team of four: local
    (("Ash", "Birch"), None),                 # half the teams: service-wide
    (("Ash", "Birch", "Cedar"), None),        # most teams
])
def test_the_share_of_teams_makes_it_service_wide(teams, expected_team):
    result = merged([finding(team) for team in teams])
    assert {team for _, team, _, _ in result} == {expected_team}
    assert len(result) == (len(teams) if expected_team else 1)


def test_one_of_two_teams_is_never_service_wide():
    # Half of a two-team service, but one team is not a pattern across a service.
    result = merge_service_wide([finding("North", service="Oak Court")], TEAMS, SETTINGS)
    assert [f.team for f in result] == ["North"]


@pytest.mark.parametrize(("first", "second", "merges"), [
    ({"subject": "Communication"}, {"subject": "Laundry"}, False),     # different subjects
    ({"kind": "assurance_gap"}, {"kind": "emerging_theme"}, False),     # different kinds
    ({"status": "concern"}, {"status": "fragile"}, True),               # both point to worse
    ({"status": "concern"}, {"status": "improving"}, False),            # opposite ways
    ({"status": "concern"}, {"status": "not_enough_evidence"}, False),  # limited evidence stays apart
    ({"shift": "Night"}, {"shift": "Night"}, True),                     # the same shift on two teams
    ({"shift": "Night"}, {"shift": "Early"}, False),
])
def test_only_one_pattern_merges(first, second, merges):
    result = merge_service_wide([finding("Ash", **first), finding("Birch", **second)], TEAMS, SETTINGS)
    assert len(result) == (1 if merges else 2)


def test_the_merged_finding_names_the_teams_and_keeps_their_evidence():
    [wide] = merge_service_wide([finding("Birch", status="fragile", month=7),
                                 finding("Ash", confidence="high", month=5)], TEAMS, SETTINGS)
    assert (wide.team, wide.status, wide.confidence) == (None, "concern", "high")
    assert wide.summary.startswith("Service-wide at Elm House: 2 of the 4 teams with data show the same pattern "
                                   "about Communication (Ash and Birch). For example, at Elm House, Birch shows it.")
    assert [e.rows for e in wide.evidence] == ["complaints: team = 'Birch'", "complaints: team = 'Ash'"]
    assert wide.period_start == date(2026, 5, 1)


def test_teams_join_a_finding_for_the_whole_service_that_already_exists():
    whole = finding(None, kind="repeat_finding", subject="MAR signed")
    result = merge_service_wide([finding("Ash", kind="repeat_finding", subject="MAR signed"), whole,
                                 finding("Birch", kind="repeat_finding", subject="MAR signed")], TEAMS, SETTINGS)
    [wide] = result
    assert wide.team is None and len(wide.evidence) == 3
    assert wide.summary.endswith(whole.summary)


def test_other_findings_keep_their_order():
    findings = [finding("Ash", subject="Laundry"), finding("Ash"), finding("Hazel", kind="fragility"),
                finding("Birch")]
    assert merged(findings) == [("assurance_gap", "Ash", "Laundry", "concern"),
                                ("assurance_gap", None, "Communication", "concern"),
                                ("fragility", "Hazel", "Communication", "concern")]


def test_a_team_unknown_to_the_data_still_counts_among_the_teams():
    # Findings may name a team the recent window has no rows for; it counts among the teams, never divides by 0.
    result = merge_service_wide([finding("Ash", service="New Place"), finding("Birch", service="New Place")],
                                {}, SETTINGS)
    assert [f.team for f in result] == [None]


def test_a_service_wide_finding_of_one_member_is_that_member_for_the_whole_service():
    wide = service_wide_finding([finding("Ash")], 4)
    assert wide.team is None and "1 of the 4 teams with data" in wide.summary


@pytest.fixture
def con(tmp_path: Path):
    connection = connect(tmp_path / "t.duckdb")
    yield connection
    connection.close()


def test_teams_with_data_come_from_every_source_in_the_recent_window(con):
    insert(con, "complaints", [{"received_date": date(2026, 9, 3), "service": SERVICE, "team": "Ash",
                                "reference": "C1", "category": "Communication"}])
    insert(con, "feedback", [{"feedback_date": date(2026, 8, 3), "service": SERVICE, "team": "Birch",
                              "rating": "4", "rating_score": 0.75, "response_id": "R1"},
                             {"feedback_date": date(2025, 1, 3), "service": SERVICE, "team": "Old Wing",
                              "rating": "4", "rating_score": 0.75, "response_id": "R2"},
                             {"feedback_date": date(2026, 8, 3), "service": SERVICE, "team": "Not known",
                              "rating": "4", "rating_score": 0.75, "response_id": "R3"}])
    assert teams_with_data(con, Scope(as_of=date(2026, 10, 31)), SETTINGS) == {SERVICE: {"Ash", "Birch"}}
