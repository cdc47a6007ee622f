"""Tests for analytics.fragility: one team, shift or team's shift persistently worse than the rest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from canonical_rows import insert

from analytics.demo_files import OAKWOOD, RIVERSIDE, WILLOW_NIGHTS_FROM, demo_months
from analytics.fragility import TABLE_COLUMNS, fragility_findings, measure_table
from analytics.scope import Scope
from analytics.settings import default_settings
from analytics.spc_counts import poisson_compare, scan_looks
from analytics.store import connect

SERVICE = "Elm Court"
TEAMS = ("Ash", "Birch", "Cedar", "Hazel")
SHIFTS = ("Early", "Night")
MONTHS = [date(2026, m, 1) for m in range(3, 11)]  # Mar to Oct 2026
AS_OF = Scope(as_of=date(2026, 10, 31))


def rota_month(month: date, team: str, shift: str, agency: float = 0.0, missed_handovers: int = 0,
               filled: float = 1.0) -> list[dict[str, object]]:
    """Ten shifts in a month: 10 planned hours each, `agency` of the worked hours by agency staff."""
    return [{"rota_date": month.replace(day=day), "service": SERVICE, "team": team, "shift": shift, "role": "Carer",
             "planned_hours": 10.0, "actual_hours": 10.0 * filled, "agency_hours": 10.0 * filled * agency,
             "handover_completed": day > missed_handovers} for day in range(1, 11)]


def steady_rota(exceptions: dict[tuple[str, str, date], dict[str, float]] | None = None) -> list[dict[str, object]]:
    """Every team and shift fully staffed with 5% agency, except where `exceptions` says otherwise."""
    exceptions = exceptions or {}
    return [row for month in MONTHS for team in TEAMS for shift in SHIFTS
            for row in rota_month(month, team, shift, **{"agency": 0.05, **exceptions.get((team, shift, month), {})})]


def feedback_month(month: date, team: str, responses: int, score: float, first: int = 0):
    return [{"feedback_date": month.replace(day=day + 1), "service": SERVICE, "team": team,
             "respondent_type": "Relative", "rating": str(score), "rating_value": score, "rating_scale": "0-1",
             "rating_score": score, "response_id": f"{team}-{month:%m}-{day}"}
            for day in range(first, first + responses)]


def complaints_month(month: date, team: str, count: int):
    return [{"reference": f"{team}-{month:%m}-{i}", "received_date": month.replace(day=i + 1),
             "service": SERVICE, "team": team, "shift": None, "category": "Staffing",
             "summary": "Not enough staff", "complainant": "Daughter"} for i in range(count)]


def audit_month(month: date, team: str, shift: str, met: int, answers: int = 10):
    return [{"audit_date": month.replace(day=15), "service": SERVICE, "team": team, "shift": shift,
             "audit_type": "Medication", "item": f"Item {i}", "answer": "Yes" if i < met else "No",
             "answer_class": "met" if i < met else "not_met", "answer_score": 1.0 if i < met else 0.0,
             "audit_ref": f"{team}-{shift}-{month:%m}", "spot_check": False} for i in range(answers)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path / "t.duckdb")
    yield con
    con.close()


def test_measure_table_sets_each_place_beside_the_rest_of_its_service(store):
    insert(store, "rota", steady_rota({("Ash", "Night", MONTHS[-1]): {"agency": 0.45, "missed_handovers": 4}}))
    table = measure_table(store, AS_OF, default_settings())

    assert list(table.columns) == TABLE_COLUMNS
    cell = table[(table["team"] == "Ash") & (table["shift"] == "Night") & (table["month"] == MONTHS[-1])]
    agency = cell[cell["measure"] == "agency_share"].iloc[0]
    assert agency["value"] == pytest.approx(0.45)
    assert agency["rest_of_service"] == pytest.approx(0.05)  # the other seven team-shifts
    assert agency["denominator"] == pytest.approx(100.0)
    handover = cell[cell["measure"] == "handover_completion"].iloc[0]
    assert handover["value"] == pytest.approx(0.6) and handover["rest_of_service"] == pytest.approx(1.0)
    whole_team = table[(table["team"] == "Ash") & table["shift"].isna() & (table["month"] == MONTHS[-1])
                       & (table["measure"] == "agency_share")].iloc[0]
    assert whole_team["value"] == pytest.approx(0.25)  # (45 + 5) of 200 hours
    whole_shift = table[table["team"].isna() & (table["shift"] == "Night") & (table["month"] == MONTHS[-1])
                        & (table["measure"] == "agency_share")].iloc[0]
    assert whole_shift["rest_of_service"] == pytest.approx(0.05)  # every early shift


def test_night_shift_on_agency_with_missed_handovers_is_fragile_and_named(store):
    bad = {"agency": 0.4, "missed_handovers": 4}
    insert(store, "rota", steady_rota({("Ash", "Night", month): bad for month in MONTHS[-5:]}))
    findings = fragility_findings(store, AS_OF, default_settings())

    assert [(f.team, f.shift) for f in findings] == [("Ash", "Night")]  # not the whole of Ash, nor every night
    finding = findings[0]
    assert finding.kind == "fragility" and finding.service == SERVICE
    assert finding.status == "concern"  # a gap of 35 points is well over twice the 10-point margin
    assert finding.confidence == "limited"  # both measures come from the rota alone
    assert finding.key_question == "Safe"
    assert finding.period_start == date(2026, 6, 1) and finding.period_end == date(2026, 10, 31)
    assert "Ash night shifts" in finding.summary and "since Jun 2026 (5 months)" in finding.summary
    assert "40% of hours (5% elsewhere)" in finding.summary
    assert {e.measure for e in finding.evidence} == {"agency share of hours", "handover completion"}
    assert all("team = 'Ash', shift = 'Night'" in e.rows for e in finding.evidence)


def test_one_bad_month_or_a_broken_run_is_not_fragile(store):
    insert(store, "rota", steady_rota({
        ("Ash", "Night", MONTHS[-1]): {"agency": 0.5},                                         # one month only
        **{("Birch", "Early", m): {"agency": 0.5} for m in (MONTHS[-4], MONTHS[-3], MONTHS[-1])},  # broken run
        **{("Cedar", "Early", m): {"agency": 0.5} for m in MONTHS[1:5]},                       # recovered since
    }))
    assert fragility_findings(store, AS_OF, default_settings()) == []


def test_a_run_just_over_the_margin_is_fragile_not_concern(store):
    insert(store, "rota", steady_rota({("Birch", "Early", m): {"agency": 0.17} for m in MONTHS[-3:]}))
    [finding] = fragility_findings(store, AS_OF, default_settings())
    assert (finding.team, finding.shift, finding.status) == ("Birch", "Early", "fragile")


def test_weak_nights_on_several_units_are_reported_as_the_shift(store):
    bad = {"agency": 0.4}
    insert(store, "rota", steady_rota({(team, "Night", m): bad for team in ("Ash", "Birch") for m in MONTHS[-4:]}))
    findings = fragility_findings(store, AS_OF, default_settings())
    assert [(f.team, f.shift) for f in findings] == [(None, "Night")]
    assert findings[0].summary.startswith("Night shifts at Elm Court have been worse")


def test_small_team_feedback_is_limited_evidence_until_there_are_enough_responses(store):
    # Three months of one response each: worse every month, but 3 responses are fewer than the minimum of 10.
    rows = [r for m in MONTHS for team in TEAMS[1:] for r in feedback_month(m, team, 8, 0.9)]
    small = [r for m in MONTHS[-3:] for r in feedback_month(m, "Ash", 1, 0.25)]
    insert(store, "feedback", rows + small)
    [finding] = fragility_findings(store, AS_OF, default_settings())
    assert (finding.status, finding.confidence) == ("not_enough_evidence", "limited")
    assert finding.summary.startswith("Limited evidence (3 responses over 3 months, fewer than 10): ")

    more = [r for m in MONTHS[-3:] for r in feedback_month(m, "Ash", 3, 0.25, first=3)]  # now 4 a month
    insert(store, "feedback", more)
    [finding] = fragility_findings(store, AS_OF, default_settings())
    assert (finding.team, finding.subject, finding.status) == ("Ash", "feedback score", "concern")


def test_scattered_complaints_do_not_make_a_team_fragile_but_repeated_clusters_do(store):
    insert(store, "rota", steady_rota())
    insert(store, "complaints", [r for m in MONTHS[::2] for r in complaints_month(m, "Ash", 1)])
    assert fragility_findings(store, AS_OF, default_settings()) == []

    insert(store, "complaints", [r for m in MONTHS[-3:] for r in complaints_month(m, "Birch", 3)])
    [finding] = fragility_findings(store, AS_OF, default_settings())
    assert (finding.team, finding.shift, finding.subject) == ("Birch", None, "complaints per 1,000 planned hours")
    assert "complaints ran at 15.0 per 1,000 planned hours (0.6 elsewhere)" in finding.summary


@pytest.mark.parametrize("ash, rest, fragile", [
    (1, 0, True),    # one a month for eight months while no other team has any: 8 against 0 is not chance
    (2, 1, False),   # twice the rest's rate, but 16 against 24 over three teams' hours is chance's reach
    (4, 1, True),    # 32 against 24
])
def test_a_run_of_extra_complaints_must_be_beyond_counting_chance(store, ash, rest, fragile):
    insert(store, "rota", steady_rota())
    insert(store, "complaints", [r for m in MONTHS for team in TEAMS
                                 for r in complaints_month(m, team, ash if team == "Ash" else rest)])
    found = [(f.team, f.subject) for f in fragility_findings(store, AS_OF, default_settings())]
    assert found == ([("Ash", "complaints per 1,000 planned hours")] if fragile else [])


@pytest.mark.parametrize(("shortest", "longest", "expected"), [
    (3, 3, 1), (3, 5, 1), (3, 6, 2), (3, 11, 2), (3, 12, 3), (3, 24, 4), (3, 2, 1)])
def test_a_scan_counts_one_look_for_each_doubling_of_the_window(shortest, longest, expected):
    assert scan_looks(shortest, longest) == expected


def test_the_best_of_several_windows_is_judged_as_luckier_than_one(store):
    # Ash: two complaints a month for eight months, 16 against the other three teams' 14. Over the eight months
    # alone chance would give that about 1 time in 1,200, inside the 1 in 1,000 a window needs; but it is the best
    # of windows of 3 to 8 months, two looks (3-5 months, 6-8), and so not beyond chance.
    rest = [1, 1, 2, 2, 2, 2, 2, 2]
    insert(store, "rota", steady_rota())
    insert(store, "complaints", [r for m in MONTHS for r in complaints_month(m, "Ash", 2)]
           + [r for i, m in enumerate(MONTHS) for r in complaints_month(m, TEAMS[1 + i % 3], rest[i])])
    assert poisson_compare(16.0, 8.0, 14.0, 24.0).p_higher == pytest.approx(0.000819, abs=1e-6)
    assert fragility_findings(store, AS_OF, default_settings()) == []
    settings = default_settings()
    settings["thresholds"]["fragility_max_chance"] = 0.002
    assert [f.team for f in fragility_findings(store, AS_OF, settings)] == ["Ash"]


def test_complaints_are_compared_per_month_where_there_is_no_rota(store):
    rows = [r for m in MONTHS for team in TEAMS for r in complaints_month(m, team, 4 if team == "Hazel" else 1)]
    insert(store, "complaints", rows)
    [finding] = fragility_findings(store, AS_OF, default_settings())
    assert (finding.team, finding.subject) == ("Hazel", "complaints per month")
    assert finding.evidence[0].value == pytest.approx(4.0) and finding.evidence[0].comparison == pytest.approx(1.0)


def test_two_sources_pointing_at_one_place_give_high_confidence(store):
    insert(store, "rota", steady_rota({("Cedar", "Night", m): {"filled": 0.8} for m in MONTHS[-3:]}))
    insert(store, "audits", [r for m in MONTHS for team in TEAMS for shift in SHIFTS
                             for r in audit_month(m, team, shift, 6 if (team, shift) == ("Cedar", "Night")
                                                  and m in MONTHS[-3:] else 10)])
    [finding] = fragility_findings(store, AS_OF, default_settings())
    assert (finding.team, finding.shift, finding.confidence) == ("Cedar", "Night", "high")
    assert {e.source for e in finding.evidence} == {"rota", "audits"}


def test_settings_change_the_margin(store):
    insert(store, "rota", steady_rota({("Birch", "Early", m): {"agency": 0.17} for m in MONTHS[-3:]}))
    settings = default_settings()
    settings["thresholds"]["fragility_gap"] = 0.15
    assert fragility_findings(store, AS_OF, settings) == []
    settings["thresholds"]["fragility_gap"] = 0.1
    settings["thresholds"]["fragility_min_periods"] = 4
    assert fragility_findings(store, AS_OF, settings) == []


def test_empty_store_gives_nothing(store):
    assert measure_table(store, Scope(), default_settings()).empty
    assert fragility_findings(store, Scope(), default_settings()) == []


# --- the demo data ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(demo_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return demo_con


def test_demo_finds_willow_nights_and_names_the_shift(demo):
    findings = fragility_findings(demo, Scope(), default_settings())
    places = [(f.service, f.team, f.shift) for f in findings]
    assert (OAKWOOD, "Willow Unit", "Night") in places
    # The weakness is named where it sits: not the whole of Willow Unit, nor every night shift.
    assert (OAKWOOD, "Willow Unit", None) not in places and (OAKWOOD, None, "Night") not in places
    [willow] = [f for f in findings if (f.team, f.shift) == ("Willow Unit", "Night")]
    assert willow.subject == "agency share of hours and handover completion"
    assert willow.period_start == demo_months(date(2026, 10, 31))[WILLOW_NIGHTS_FROM - 1]
    assert willow.key_question == "Safe" and willow.status == "concern"


def test_demo_clean_teams_have_no_fragility(demo):
    findings = fragility_findings(demo, Scope(), default_settings())
    clean = {(OAKWOOD, "Cedar Unit"), (RIVERSIDE, "North Team")}
    assert not [f for f in findings if (f.service, f.team) in clean]


def test_demo_measure_table_has_a_team_by_shift_grid(demo):
    table = measure_table(demo, Scope(), default_settings())
    latest = table[(table["month"] == date(2026, 10, 1)) & (table["measure"] == "agency_share")
                   & (table["service"] == OAKWOOD) & table["team"].notna() & table["shift"].notna()]
    grid = latest.pivot(index="team", columns="shift", values="value")
    assert grid.shape == (4, 3)
    assert grid.stack().idxmax() == ("Willow Unit", "Night")


@pytest.mark.parametrize("night_share, named", [
    (1.0, ("Ash", "Night")),   # every extra complaint on nights: the night shifts are the place
    (0.4, ("Ash", None)),      # most name no shift: the team is the place, though nights alone also stand out
])
def test_a_teams_extra_complaints_are_named_where_most_of_them_are(store, night_share, named):
    insert(store, "rota", steady_rota())
    rows = []
    for m in MONTHS:
        for team in TEAMS:
            rows += complaints_month(m, team, 5 if team == "Ash" else 1)
    for n, row in enumerate(r for r in rows if r["service"] == SERVICE and r["team"] == "Ash"):
        row["shift"] = "Night" if n % 5 < round(5 * night_share) else None
    insert(store, "complaints", rows)
    found = [(f.team, f.shift) for f in fragility_findings(store, AS_OF, default_settings())]
    assert found == [named]


# --- runs on thin figures, and where a weakness is named (analytics.fragility_runs) ------------------------

@pytest.mark.parametrize("recent, start", [
    # Ash's audit compliance in the last four months (met of 10 on each of its two shifts; 10 of 10 elsewhere).
    ([(6, 6), (6, 6), (10, 9), (6, 6)], MONTHS[-4]),   # 95% one month, a little behind: the run goes on
    ([(6, 6), (6, 6), (10, 10), (6, 6)], None),        # level with the rest one month: the run is one month
    ([(10, 10), (6, 6), (6, 6), (6, 6)], MONTHS[-3]),  # every month behind by the margin: the run as ever
])
def test_a_month_a_little_behind_does_not_end_a_run_but_one_level_with_the_rest_does(store, recent, start):
    levels = dict(zip(MONTHS[-4:], recent))
    insert(store, "audits", [r for m in MONTHS for team in TEAMS for n, shift in enumerate(SHIFTS)
                             for r in audit_month(m, team, shift, levels[m][n] if team == "Ash" and m in levels
                                                  else 10)])
    found = fragility_findings(store, AS_OF, default_settings())
    assert [(f.team, f.shift, f.period_start) for f in found] == ([("Ash", None, start)] if start else [])


def test_a_month_without_responses_is_passed_over_not_an_end(store):
    rows = [r for m in MONTHS for team in TEAMS[1:] for r in feedback_month(m, team, 8, 0.9)]
    rows += [r for m in MONTHS[:-4] for r in feedback_month(m, "Ash", 4, 0.9)]
    rows += [r for m in (MONTHS[-4], MONTHS[-3], MONTHS[-1]) for r in feedback_month(m, "Ash", 4, 0.5)]
    insert(store, "feedback", rows)  # none from Ash in MONTHS[-2]
    [finding] = fragility_findings(store, AS_OF, default_settings())
    assert (finding.team, finding.period_start, finding.status) == ("Ash", MONTHS[-4], "concern")
    assert "since Jul 2026 (4 months)" in finding.summary
    assert "the 3 months with figures of 4" in finding.evidence[0].detail


def test_months_merely_behind_before_the_spell_are_not_told_as_part_of_it(store):
    insert(store, "rota", steady_rota({("Birch", "Early", m): {"agency": 0.4 if m in MONTHS[-3:] else 0.07}
                                       for m in MONTHS}))
    [finding] = fragility_findings(store, AS_OF, default_settings())
    assert (finding.team, finding.shift, finding.period_start) == ("Birch", "Early", MONTHS[-3])


@pytest.mark.parametrize("ash_night, other_nights, named", [
    (0.4, 0.1, ("Ash", "Night")),   # one unit's nights far behind: named there, not as every night
    (0.26, 0.22, (None, "Night")),  # every night weak; Ash's just over the margin against the others: the shift
])
def test_one_flagged_team_shift_is_named_only_where_the_weakness_is_its_own(store, ash_night, other_nights, named):
    insert(store, "rota", steady_rota({(team, "Night", m): {"agency": ash_night if team == "Ash" else other_nights}
                                       for team in TEAMS for m in MONTHS[-4:]}))
    found = [(f.team, f.shift) for f in fragility_findings(store, AS_OF, default_settings())]
    assert found == [named]
