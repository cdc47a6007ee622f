"""Embedded or not yet: improvements that held, spread and show in spot checks, and those that did not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.embedded_improvement import (
    DRIFTING_BACK,
    EMBEDDED,
    NOT_EMBEDDED,
    NOT_YET_HELD,
    SCHEDULED_ONLY,
    SOME_SHIFTS,
    SOME_TEAMS,
    embedding_findings,
    improvement_table,
)
from analytics.scope import Scope
from analytics.settings import default_settings
from analytics.store import connect

SERVICE = "Elm Court"
TEAMS = ("Ash", "Birch", "Hazel")
SHIFTS = ("Early", "Late", "Night")
MEDICATION = "Medication"
SETTINGS = default_settings()


def month(index: int) -> date:
    """The first day of the index-th month from January 2025."""
    return date(2025 + index // 12, index % 12 + 1, 1)


def answers(when: date, compliance: float, count: int, team: str, shift: str | None = None,
            audit_type: str = MEDICATION, spot_check: bool | None = False) -> list[dict]:
    """`count` audit answers on one day, round(compliance × count) of them met, the rest not met."""
    met = round(compliance * count)
    return [{"audit_date": when.replace(day=10 if not spot_check else 20), "service": SERVICE, "team": team,
             "shift": shift, "audit_type": audit_type, "section": "MAR", "item": f"Item {i}",
             "answer": "Yes" if i < met else "No", "answer_class": "met" if i < met else "not_met",
             "answer_score": 1.0 if i < met else 0.0, "audit_ref": f"{team}-{when:%Y%m}",
             "auditor": "Quality lead", "spot_check": spot_check} for i in range(count)]


def levels(before: float, after: float, months_before: int, months_after: int) -> list[float]:
    """A monthly compliance series that steps from one level to another."""
    return [before] * months_before + [after] * months_after


def audit_rows(scheduled: list[float], spot: list[float] | None = None, *, teams: dict[str, list[float]] | None = None,
               shifts: dict[str, list[float]] | None = None, count: int = 12) -> list[dict]:
    """Scheduled (and optionally spot-check) audits per team per month; a team named in `teams` is at its own
    series in both, a shift named in `shifts` at its own in the scheduled audits."""
    rows = []
    for index, level in enumerate(scheduled):
        for team in TEAMS:
            team_level = (teams or {}).get(team, scheduled)[index]
            for shift in SHIFTS if shifts else (None,):
                shift_level = shifts[shift][index] if shifts and shift in shifts else team_level
                rows += answers(month(index), shift_level, count // (3 if shifts else 1), team, shift)
            if spot is not None:
                spot_level = teams[team][index] if teams and team in teams else spot[index]
                rows += answers(month(index), spot_level, 8, team, spot_check=True)
    return rows


def insert_audits(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Insert audit answers with the bookkeeping columns filled as ingest would."""
    frame = pd.DataFrame(rows)
    frame.insert(0, "row_key", range(1, len(frame) + 1))
    frame.insert(1, "row_hash", 0)
    frame.insert(2, "batch_id", 1)
    frame.insert(3, "source_row", range(2, len(frame) + 2))
    frame["spot_check"] = frame["spot_check"].astype("boolean")
    con.register("new_rows", frame)
    con.execute("INSERT INTO audits BY NAME SELECT * FROM new_rows")
    con.unregister("new_rows")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "t.duckdb")
    yield connection
    connection.close()


def table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return improvement_table(con, Scope(), SETTINGS)


def only_row(con: duckdb.DuckDBPyConnection) -> dict:
    found = table(con)
    assert len(found) == 1, found
    return found.iloc[0].to_dict()


def test_an_improvement_held_everywhere_and_in_spot_checks_is_embedded(store):
    insert_audits(store, audit_rows(levels(0.7, 0.95, 6, 6), levels(0.7, 0.95, 6, 6)))
    row = only_row(store)
    assert row["classification"] == EMBEDDED and row["reason"] == ""
    assert row["step_month"] == month(6)
    assert row["baseline"] == pytest.approx(0.7, abs=0.05) and row["recent"] == pytest.approx(0.95, abs=0.05)
    assert row["cycles_held"] == 6
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert (finding.kind, finding.status, finding.confidence) == ("embedded_improvement", "strong", "high")
    assert (finding.key_question, finding.quality_statement) == ("Safe", "Medicines optimisation")
    assert (finding.service, finding.team, finding.subject) == (SERVICE, None, MEDICATION)
    assert "70%" in finding.summary and "Jul 2025" in finding.summary and "spot checks" in finding.summary
    assert any("spot_check = true" in evidence.rows for evidence in finding.evidence)


def test_an_improvement_only_in_scheduled_audits_is_not_embedded(store):
    insert_audits(store, audit_rows(levels(0.7, 0.95, 6, 6), levels(0.7, 0.7, 6, 6)))
    row = only_row(store)
    assert (row["classification"], row["reason"]) == (NOT_EMBEDDED, SCHEDULED_ONLY)
    assert row["scheduled_recent"] == pytest.approx(0.95, abs=0.05)
    assert row["spot_check_recent"] == pytest.approx(0.75)  # 6 of 8 met
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert (finding.kind, finding.status, finding.confidence) == ("not_embedded", "improving", "qualified")
    assert "spot checks" in finding.summary and "scheduled audits" in finding.summary


def test_heavy_spot_checks_that_did_not_move_cannot_hide_a_scheduled_rise(store):
    """Many unmoved spot checks dilute the all-audits rise below the gain; the scheduled audits still show it."""
    rows = audit_rows(levels(0.75, 0.95, 6, 6), levels(0.75, 0.75, 6, 6), count=6)
    rows += [answer for index in range(12) for team in TEAMS
             for answer in answers(month(index), 0.75, 16, team, spot_check=True)]
    insert_audits(store, rows)
    row = only_row(store)
    assert row["audits_compared"] == "scheduled audits"
    assert (row["classification"], row["reason"]) == (NOT_EMBEDDED, SCHEDULED_ONLY)


def test_a_service_without_spot_checks_is_not_called_only_in_scheduled_audits(store):
    insert_audits(store, audit_rows(levels(0.7, 0.95, 6, 6)))
    row = only_row(store)
    assert row["classification"] == EMBEDDED and row["spot_checks_missing"]
    assert "spot checks" in row["explanation"]
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert finding.kind == "embedded_improvement" and finding.confidence == "limited"
    assert "no recent unannounced spot checks" in finding.summary


def test_a_single_good_month_is_not_an_improvement(store):
    insert_audits(store, audit_rows(levels(0.7, 1.0, 11, 1), levels(0.7, 1.0, 11, 1)))
    assert table(store).empty
    assert embedding_findings(store, Scope(), SETTINGS) == []


def test_a_steady_service_shows_no_improvement(store):
    insert_audits(store, audit_rows([0.9, 0.85, 0.92, 0.88, 0.9, 0.93, 0.87, 0.9, 0.91, 0.86, 0.9, 0.89]))
    assert table(store).empty


def test_an_improvement_of_two_cycles_is_not_yet_held(store):
    insert_audits(store, audit_rows(levels(0.7, 0.95, 10, 2), levels(0.7, 0.95, 10, 2)))
    row = only_row(store)
    assert (row["classification"], row["reason"]) == (NOT_EMBEDDED, NOT_YET_HELD)
    assert row["cycles_held"] == 2
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert finding.status == "improving" and "only 2 monthly cycles" in finding.summary


def test_an_improvement_falling_back_is_drifting(store):
    series = levels(0.7, 0.95, 6, 6) + [0.75, 0.72]
    insert_audits(store, audit_rows(series, series))
    row = only_row(store)
    assert (row["classification"], row["reason"]) == (NOT_EMBEDDED, DRIFTING_BACK)
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert (finding.status, finding.confidence) == ("fragile", "qualified")
    assert "drifting back" in finding.summary and "since Dec 2025 it has fallen back to 82%" in finding.summary


def test_one_bad_month_inside_a_held_improvement_is_isolated(store):
    series = levels(0.7, 0.95, 6, 3) + [0.75] + [0.95] * 4
    insert_audits(store, audit_rows(series, series))
    row = only_row(store)
    assert row["classification"] == EMBEDDED and row["cycles_held"] == 4


def test_a_team_still_at_the_earlier_level_is_named(store):
    improved = levels(0.7, 0.95, 6, 6)
    insert_audits(store, audit_rows(improved, improved, teams={"Hazel": [0.7] * 12}))
    row = only_row(store)
    assert (row["classification"], row["reason"]) == (NOT_EMBEDDED, SOME_TEAMS)
    assert row["teams_behind"] == ["Hazel"]
    assert row["team_recent"]["Hazel"] == pytest.approx(0.7, abs=0.05)
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert "Hazel is still at the earlier level" in finding.summary


def test_a_small_team_is_not_judged_on_a_handful_of_answers(store):
    improved = levels(0.7, 0.95, 6, 6)
    rows = audit_rows(improved, improved)
    rows += [answer for index in range(12) for answer in answers(month(index), 0.5, 2, "Rowan bungalow")]
    insert_audits(store, rows)
    row = only_row(store)
    assert row["classification"] == EMBEDDED and row["teams_behind"] == []


def test_a_team_already_at_the_improved_level_is_not_behind(store):
    improved = levels(0.7, 0.95, 6, 6)
    insert_audits(store, audit_rows(improved, improved, teams={"Hazel": [0.96] * 12}))
    row = only_row(store)
    assert row["teams_behind"] == [] and row["classification"] == EMBEDDED


def test_a_shift_still_at_the_earlier_level_is_named(store):
    improved = levels(0.7, 0.95, 6, 6)
    insert_audits(store, audit_rows(improved, improved, shifts={"Night": [0.7] * 12}, count=30))
    row = only_row(store)
    assert (row["classification"], row["reason"]) == (NOT_EMBEDDED, SOME_SHIFTS)
    assert row["shifts_behind"] == ["Night"]
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert "Night shifts are still at the earlier level" in finding.summary


def test_scope_limits_the_services(store):
    insert_audits(store, audit_rows(levels(0.7, 0.95, 6, 6), levels(0.7, 0.95, 6, 6)))
    assert improvement_table(store, Scope(services=("Another service",)), SETTINGS).empty
    empty = connect(":memory:")
    assert improvement_table(empty, Scope(), SETTINGS).empty
    empty.close()


# --- the demo data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_store(demo_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return demo_con


def test_demo_medication_improvement_is_embedded(demo_store):
    found = improvement_table(demo_store, Scope(), SETTINGS).set_index(["service", "audit_type"])
    mar = found.loc[("Oakwood House", "Medication (MAR)")]
    assert mar["classification"] == EMBEDDED
    assert mar["spot_check_recent"] >= 0.9 and mar["scheduled_recent"] >= 0.9
    assert mar["cycles_held"] >= 3


def test_demo_infection_control_improvement_is_only_in_scheduled_audits(demo_store):
    found = improvement_table(demo_store, Scope(), SETTINGS).set_index(["service", "audit_type"])
    ipc = found.loc[("Oakwood House", "Infection control")]
    assert (ipc["classification"], ipc["reason"]) == (NOT_EMBEDDED, SCHEDULED_ONLY)
    assert ipc["scheduled_recent"] - ipc["spot_check_recent"] >= 0.1


def test_demo_findings_name_only_the_planted_improvements(demo_store):
    findings = {(f.service, f.subject): f for f in embedding_findings(demo_store, Scope(), SETTINGS)}
    assert set(findings) == {("Oakwood House", "Medication (MAR)"), ("Oakwood House", "Infection control")}
    mar, ipc = findings[("Oakwood House", "Medication (MAR)")], findings[("Oakwood House", "Infection control")]
    assert (mar.kind, mar.status, mar.confidence) == ("embedded_improvement", "strong", "high")
    assert (ipc.kind, ipc.status, ipc.confidence) == ("not_embedded", "improving", "qualified")
    assert ipc.quality_statement == "Infection prevention and control"
    assert all(f.team is None for f in findings.values())


# --- every level: a team's or shift's own improvement, and spot checks apart from any improvement ----------------


def test_one_teams_own_improvement_is_named_when_the_service_shows_none(store):
    # Ash steps from 70% to 95%; Birch and Hazel stay near 80%, so the service rises by less than the gain.
    steady = [0.8] * 12
    insert_audits(store, audit_rows(steady, teams={"Ash": levels(0.7, 0.95, 6, 6), "Birch": steady,
                                                    "Hazel": steady}, count=12))
    row = only_row(store)
    assert (row["team"], row["shift"], row["classification"]) == ("Ash", None, EMBEDDED)
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert (finding.kind, finding.team, finding.subject) == ("embedded_improvement", "Ash", MEDICATION)
    assert finding.summary.startswith("On Ash at Elm Court: Medication compliance rose from 67% to 92%")
    assert all("team = 'Ash'" in e.rows for e in finding.evidence[:2])


def test_one_shifts_own_improvement_is_named_when_the_service_shows_none(store):
    steady = [0.8] * 12
    insert_audits(store, audit_rows(steady, shifts={"Night": levels(0.7, 0.9, 6, 6)}, count=30))
    row = only_row(store)
    assert (row["team"], row["shift"]) == (None, "Night")
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert (finding.team, finding.shift) == (None, "Night") and finding.summary.startswith("On the Night shift")


def test_a_team_step_on_too_few_answers_is_not_an_improvement(store):
    steady = [0.8] * 12
    rows = audit_rows(steady)
    rows += [a for index, level in enumerate(levels(0.5, 1.0, 6, 6)) for a in answers(month(index), level, 2, "Oak")]
    insert_audits(store, rows)
    assert table(store).empty


def test_a_team_improvement_is_not_repeated_where_the_service_improved(store):
    improved = levels(0.7, 0.95, 6, 6)
    insert_audits(store, audit_rows(improved, improved))
    assert list(table(store)["team"]) == [None]


@pytest.mark.parametrize(("scheduled", "spot", "expected"), [
    (0.95, 0.70, True),    # 25 points apart on 72 spot answers: a gap
    (0.95, 0.90, False),   # 5 points: within `spot_check_gap`
    (0.90, 0.80, True),    # exactly the gap, well beyond chance on these answers
    (0.80, 0.95, False),   # spot checks better than scheduled audits: nothing slips
])
def test_a_gap_between_scheduled_audits_and_spot_checks_is_a_finding_of_its_own(store, scheduled, spot, expected):
    insert_audits(store, audit_rows([scheduled] * 12, [spot] * 12, count=40))
    assert table(store).empty  # no improvement first
    findings = embedding_findings(store, Scope(), SETTINGS)
    assert [(f.kind, f.team, f.subject, f.status) for f in findings] == \
        ([("not_embedded", None, MEDICATION, "fragile")] if expected else [])
    if expected:
        assert "unannounced spot checks found" in findings[0].summary
        assert [e.rows.endswith("spot_check = true") for e in findings[0].evidence] == [False, True]


def test_a_spot_check_gap_on_too_few_answers_is_no_finding(store):
    rows = audit_rows([0.95] * 12)
    rows += [a for index in range(12) for a in answers(month(index), 0.5, 1, "Ash", spot_check=True)]
    insert_audits(store, rows)  # 6 spot answers in the recent months
    assert embedding_findings(store, Scope(), SETTINGS) == []


def test_one_teams_spot_check_gap_is_named(store):
    rows = audit_rows([0.95] * 12, [0.95] * 12, teams={"Hazel": [0.95] * 12}, count=40)
    rows = [r for r in rows if not (r["team"] == "Hazel" and r["spot_check"])]
    rows += [a for index in range(12) for a in answers(month(index), 0.6, 8, "Hazel", spot_check=True)]
    insert_audits(store, rows)
    [finding] = embedding_findings(store, Scope(), SETTINGS)
    assert (finding.kind, finding.team) == ("not_embedded", "Hazel")
    assert finding.summary.startswith("At Hazel at Elm Court, scheduled Medication audits averaged 95%")


def test_an_improvement_only_in_scheduled_audits_is_not_reported_twice(store):
    insert_audits(store, audit_rows(levels(0.7, 0.95, 6, 6), levels(0.7, 0.7, 6, 6)))
    assert [f.kind for f in embedding_findings(store, Scope(), SETTINGS)] == ["not_embedded"]


def test_recent_spot_checks_too_few_are_judged_since_the_step(store):
    # Two spot answers a month: too few in three recent cycles, enough in the six since the step.
    rows = audit_rows(levels(0.7, 0.95, 6, 6))
    rows += [a for index in range(12) for team in ("Ash", "Birch")
             for a in answers(month(index), 0.5, 2, team, spot_check=True)]
    insert_audits(store, rows)
    row = only_row(store)
    assert (row["classification"], row["reason"], row["spot_check_answers"]) == (NOT_EMBEDDED, SCHEDULED_ONLY, 24)


def test_no_audits_in_the_recent_months_give_no_gap(store):
    insert_audits(store, audit_rows([0.95] * 12, [0.6] * 12, count=40))
    assert embedding_findings(store, Scope(as_of=date(2024, 6, 30)), SETTINGS) == []
