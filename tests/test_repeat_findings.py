"""Repeat findings: items and themes failing cycle after cycle, classified, located and not over-called."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from canonical_rows import insert

from analytics.demo_files import OAKWOOD, RIVERSIDE, SIGNED_ITEM
from analytics.repeat_findings import (
    classify_cycles,
    evidence_strength,
    failing_chance,
    repeat_findings,
    repeat_table,
)
from analytics.scope import Scope
from analytics.settings import default_settings
from analytics.store import connect

SERVICE = "Elm House"
TEAMS = ("Ash Unit", "Birch Unit", "Hazel Unit")
MONTHS = (5, 6, 7, 8, 9, 10)  # the six recent cycles up to 31 October 2026
AS_OF = Scope(as_of=date(2026, 10, 31))
SIGNED = "Care plan reviewed and signed"
OTHER_ITEMS = ("Falls risk assessment up to date", "Family involvement in review recorded")


def answer(month: int, team: str, item: str, met: bool, *, day: int = 10, shift: str | None = None,
           section: str = "Review", audit_type: str = "Care plan", spot: bool = False,
           service: str = SERVICE, record: int = 1) -> dict:
    return {"audit_date": date(2026, month, day), "service": service, "team": team, "shift": shift,
            "audit_type": audit_type, "section": section, "item": item, "answer": "Yes" if met else "No",
            "answer_class": "met" if met else "not_met", "answer_score": 1.0 if met else 0.0,
            "audit_ref": f"{team}-{month}-{day}-{record}", "spot_check": spot}


def answers(month: int, team: str, item: str, met: int, records: int = 4, **kwargs) -> list[dict]:
    """`records` care plans audited on the item in one audit, the first `met` of them met."""
    return [answer(month, team, item, r < met, record=r + 1, **kwargs) for r in range(records)]


def monthly_audits(failing: dict[str, set[int]] | None = None, teams: tuple[str, ...] = TEAMS,
                   records: int = 4) -> list[dict]:
    """One care plan audit of `records` care plans per team a month; `failing` maps a team to the months every
    care plan fails the signed item."""
    failing = failing or {}
    rows = []
    for team in teams:
        for month in MONTHS:
            rows += answers(month, team, SIGNED, 0 if month in failing.get(team, set()) else records, records)
            rows += [row for item in OTHER_ITEMS for row in answers(month, team, item, records, records)]
    return rows


@pytest.fixture
def con(tmp_path: Path):
    connection = connect(tmp_path / "t.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def settings() -> dict:
    return default_settings()


def test_cycles_are_classified_isolated_recurring_or_persistent(settings):
    thresholds = settings["thresholds"]
    assert classify_cycles([False] * 6, thresholds) == "not failing"
    assert classify_cycles([False, False, True, False, False, False], thresholds) == "isolated"
    assert classify_cycles([True, False, False, True, False, False], thresholds) == "recurring"
    # Three in a row up to and including the latest cycle.
    assert classify_cycles([False, False, False, True, True, True], thresholds) == "persistent"
    # Most cycles, though the latest passed.
    assert classify_cycles([True, True, False, True, True, False], thresholds) == "persistent"
    # Three failures, not consecutive up to the latest and not most: recurring.
    assert classify_cycles([True, False, True, False, True, False], thresholds) == "recurring"


@pytest.mark.parametrize(("score", "answers", "expected"), [
    (0, 0, 1.0),            # nothing audited: nothing failed
    (4, 4, 1.0),            # all met
    (0, 1, 0.25),           # one record failed: an item truly at 75% fails it a quarter of the time
    (0, 2, 0.0625),
    (1, 2, 0.4375),         # one of two failed: nothing to go on
    (0, 4, 0.25 ** 4),
    (3, 4, 1 - 0.75 ** 4),  # three of four met: within chance
    (1.5, 4, None),         # a partly met answer counts as its credit: between one and two met
])
def test_failing_chance_is_the_exact_binomial_tail_at_the_limit(score, answers, expected):
    chance = float(failing_chance(score, answers, 0.75))
    if expected is None:
        assert float(failing_chance(1, 4, 0.75)) < chance < float(failing_chance(2, 4, 0.75))
    else:
        assert chance == pytest.approx(expected)


@pytest.mark.parametrize(("classification", "chance", "clear_cycles", "expected"), [
    ("persistent", 0.01, 0, "clear"),
    ("recurring", 0.05, 0, "clear"),        # at the setting: clear
    ("recurring", 0.3, 2, "clear"),         # two cycles each failing beyond chance on their own
    ("recurring", 0.1, 1, "limited"),
    ("recurring", 0.2, 0, "limited"),
    ("recurring", 0.21, 0, None),           # chance gives it too easily: no finding at all
    ("isolated", 0.001, 1, None),           # one bad month is never a pattern
    ("not failing", 1.0, 0, None),
])
def test_evidence_strength_table(settings, classification, chance, clear_cycles, expected):
    assert evidence_strength(classification, chance, clear_cycles, settings["thresholds"]) == expected


def test_one_failed_record_of_two_in_a_few_months_is_not_a_repeat_finding(con, settings):
    rows = [row for team in TEAMS for month in MONTHS
            for row in answers(month, team, SIGNED, 1 if team == "Ash Unit" and month in {6, 8, 10} else 2, 2)]
    insert(con, "audits", rows)
    table = repeat_table(con, AS_OF, settings)
    ash = table[(table["subject"] == SIGNED) & (table["team"] == "Ash Unit") & table["shift"].isna()].iloc[0]
    assert ash["classification"] == "recurring" and ash["evidence"] is None  # 50% in 3 of 6 months, on 2 records
    assert repeat_findings(con, AS_OF, settings) == []


def test_two_single_records_failing_in_a_row_are_limited_evidence(con, settings):
    insert(con, "audits", monthly_audits({"Ash Unit": {9, 10}}, records=1))
    [finding] = repeat_findings(con, AS_OF, settings)
    assert (finding.team, finding.status, finding.confidence) == ("Ash Unit", "not_enough_evidence", "limited")
    assert finding.summary.startswith("Limited evidence (0% on 2 answers since it first failed, which an item "
                                      "truly at 75% would score about 1 time in 16): ")


def test_an_item_failing_on_every_team_is_one_persistent_service_wide_finding(con, settings):
    insert(con, "audits", monthly_audits({team: {5, 6, 8, 9, 10} for team in TEAMS}))
    findings = repeat_findings(con, AS_OF, settings)
    assert len(findings) == 1, [f.summary for f in findings]
    [finding] = findings
    assert finding.kind == "repeat_finding" and finding.subject == SIGNED
    assert (finding.service, finding.team, finding.shift) == (SERVICE, None, None)
    assert finding.status == "concern" and finding.confidence == "limited"
    assert finding.key_question == "Effective"
    assert "15 of 18" in finding.summary and "all 3 teams" in finding.summary
    assert "persistent, service-wide pattern CQC" in finding.summary
    assert "17% on the 24 answers since it first failed, which an item truly at 75% would score less than 1 " \
        "time in 1,000" in finding.evidence[0].detail
    assert len(finding.evidence) == 3 and all("item = 'Care plan reviewed and signed'" in e.rows
                                              for e in finding.evidence)
    assert {e.period for e in finding.evidence} == {"May 2026 to Oct 2026"}


def test_the_table_shows_every_place_with_its_cycles_and_months(con, settings):
    insert(con, "audits", monthly_audits({"Ash Unit": {6, 9}}))
    table = repeat_table(con, AS_OF, settings)
    ash = table[(table["subject"] == SIGNED) & (table["team"] == "Ash Unit") & table["shift"].isna()].iloc[0]
    assert (ash["cycles_audited"], ash["cycles_failed"]) == (6, 2)
    assert ash["failing_months"] == ["Jun 2026", "Sep 2026"]
    assert ash["classification"] == "recurring" and ash["spread"] == "local"
    assert ash["latest_compliance"] == 1.0
    service_row = table[(table["subject"] == SIGNED) & table["team"].isna() & table["shift"].isna()]
    assert len(service_row) == 1 and service_row.iloc[0]["teams_audited"] == 3
    theme = table[(table["level"] == "theme") & (table["subject"] == "Review") & (table["team"] == "Ash Unit")]
    assert len(theme) == 1


def test_a_local_recurring_item_is_a_fragile_finding_for_that_team(con, settings):
    insert(con, "audits", monthly_audits({"Ash Unit": {6, 9}}))
    [finding] = repeat_findings(con, AS_OF, settings)
    assert (finding.team, finding.shift, finding.status) == ("Ash Unit", None, "fragile")
    assert "in 2 of 6 monthly audits" in finding.summary and "(Jun 2026, Sep 2026)" in finding.summary
    assert "recurring pattern CQC would expect leaders to have seen" in finding.summary


def test_one_bad_month_is_isolated_and_not_a_finding(con, settings):
    insert(con, "audits", monthly_audits({team: {8} for team in TEAMS}))
    assert repeat_findings(con, AS_OF, settings) == []
    table = repeat_table(con, AS_OF, settings)
    teams = table[(table["subject"] == SIGNED) & table["team"].notna() & table["shift"].isna()]
    assert set(teams["classification"]) == {"isolated"}


def test_failures_before_the_recent_cycles_are_not_counted(con, settings):
    old = [answer(month, team, SIGNED, False, day=3) for team in TEAMS for month in (1, 2, 3, 4)]
    insert(con, "audits", monthly_audits() + old)
    assert repeat_findings(con, AS_OF, settings) == []
    assert repeat_findings(con, Scope(as_of=date(2026, 4, 30)), settings)


def test_a_failing_night_shift_is_reported_where_the_team_as_a_whole_passes(con, settings):
    # Four care plans a month on Ash Unit: three on days pass, the night one fails (75% for the team).
    rows = monthly_audits()
    for month in MONTHS:
        rows = [r for r in rows if not (r["team"] == "Ash Unit" and r["item"] == SIGNED and r["audit_date"].month
                                         == month)]
        rows += [answer(month, "Ash Unit", SIGNED, True, day=d, shift="Early") for d in (4, 5, 6)]
        rows.append(answer(month, "Ash Unit", SIGNED, False, day=7, shift="Night"))
    insert(con, "audits", rows)
    [finding] = repeat_findings(con, AS_OF, settings)
    assert (finding.team, finding.shift, finding.status) == ("Ash Unit", "Night", "concern")
    assert "Ash Unit's Night shift" in finding.summary


def test_failing_in_spot_checks_and_scheduled_audits_alike_gives_high_confidence(con, settings):
    spot = [row for month in MONTHS for row in answers(month, "Ash Unit", SIGNED, 4 if month in {7, 9} else 0,
                                                         day=20, spot=True)]
    insert(con, "audits", monthly_audits({"Ash Unit": {6, 9, 10}}) + spot)
    [finding] = repeat_findings(con, AS_OF, settings)
    assert finding.confidence == "high"
    assert "in both scheduled audits and spot checks" in finding.summary


def test_failing_only_in_spot_checks_keeps_limited_confidence_and_says_so(con, settings):
    spot = [row for month in MONTHS for row in answers(month, "Ash Unit", SIGNED, 4 if month in {7, 9} else 0,
                                                         day=20, spot=True)]
    insert(con, "audits", monthly_audits() + spot)
    [finding] = repeat_findings(con, AS_OF, settings)
    assert finding.confidence == "limited" and "in spot checks only" in finding.summary


def test_a_theme_failing_across_items_is_reported_when_no_single_item_repeats(con, settings):
    items = [f"Record {n}" for n in range(12)]
    # Eight of the twelve records fail in two months, no item more than twice: the section fails, no item repeats.
    failing = {6: set(items[:8]), 9: set(items[4:])}
    rows = [answer(month, "Ash Unit", item, item not in failing.get(month, set()), section="Records")
            for month in MONTHS for item in items]
    insert(con, "audits", rows + monthly_audits(teams=("Birch Unit",)))
    [finding] = repeat_findings(con, AS_OF, settings)
    assert finding.subject == "Records (theme)" and finding.team == "Ash Unit"
    assert "the 'Records' section of the care plan audit" in finding.summary


def test_a_theme_is_not_repeated_when_its_failing_item_is_reported(con, settings):
    insert(con, "audits", monthly_audits({team: {5, 6, 8, 9, 10} for team in TEAMS}))
    table = repeat_table(con, AS_OF, settings)
    review = table[(table["level"] == "theme") & (table["subject"] == "Review") & table["team"].notna()
                   & table["shift"].isna()]
    assert set(review["classification"]) == {"persistent"}  # the theme fails too ...
    assert [f.subject for f in repeat_findings(con, AS_OF, settings)] == [SIGNED]  # ... but is reported once


def test_one_team_of_three_is_local_and_two_is_service_wide(con, settings):
    insert(con, "audits", monthly_audits({"Ash Unit": {5, 7, 9}, "Birch Unit": {6, 8, 10}}))
    [finding] = repeat_findings(con, AS_OF, settings)
    assert finding.team is None and "2 of the 3 teams audited (Ash Unit 3 of 6 months and Birch Unit 3 of 6)" \
        in finding.summary


def test_the_scope_limits_the_services(con, settings):
    other = [dict(r, service="Oak Lodge") for r in monthly_audits({"Ash Unit": {6, 9}})]
    insert(con, "audits", monthly_audits() + other)
    assert [f.service for f in repeat_findings(con, AS_OF, settings)] == ["Oak Lodge"]
    assert repeat_findings(con, Scope(services=(SERVICE,), as_of=date(2026, 10, 31)), settings) == []


def test_no_audits_gives_an_empty_table_and_no_findings(con, settings):
    assert repeat_findings(con, AS_OF, settings) == []
    assert repeat_table(con, AS_OF, settings).empty


@pytest.fixture(scope="module")
def demo_findings(demo_con):
    settings = default_settings()
    return repeat_findings(demo_con, Scope(), settings), repeat_table(demo_con, Scope(), settings)


def test_demo_care_plan_signing_is_a_persistent_service_wide_pattern(demo_findings):
    findings, table = demo_findings
    [signed] = [f for f in findings if f.subject == SIGNED_ITEM]
    assert (signed.service, signed.team, signed.shift, signed.status) == (OAKWOOD, None, None, "concern")
    assert "all 4 teams" in signed.summary and "service-wide pattern" in signed.summary
    teams = table[(table["subject"] == SIGNED_ITEM) & table["team"].notna() & table["shift"].isna()]
    assert len(teams) == 4 and set(teams["classification"]) <= {"recurring", "persistent"}


def test_demo_clean_teams_raise_no_concern(demo_findings):
    findings, _ = demo_findings
    # A slip chance could give on a shift's few answers is at most limited evidence, never a concern.
    assert all(f.status == "not_enough_evidence" for f in findings if f.team == "Cedar Unit")
    north = [f for f in findings if f.service == RIVERSIDE and f.team == "North Team"]
    # At ~96% with one answer per item a month, an item can slip twice by chance: at most fragile, never a concern.
    assert all(f.status == "fragile" for f in north)


def test_demo_medication_raises_no_repeat_finding_after_its_improvement(demo_findings):
    findings, _ = demo_findings
    assert not [f for f in findings if f.service == OAKWOOD and f.key_question == "Safe"
                and "medication" in f.summary.lower() and f.team is None]
