"""Every analytic together on the demo data: the planted patterns found and placed, clean teams quiet."""

import json
from datetime import date

import pandas as pd
import pytest

from analytics.__main__ import main
from analytics.findings import KINDS
from analytics.insights import run_insights
from analytics.narrative import record_view
from analytics.scope import Scope
from analytics.store import connect

CLEAN = {("Oakwood House", "Cedar Unit"), ("Riverside Homecare", "North Team")}


@pytest.fixture(scope="module")
def demo_db(demo_db_copy):
    return demo_db_copy


@pytest.fixture(scope="module")
def insights(demo_db):
    con = connect(demo_db)
    yield run_insights(con)
    con.close()


def found(insights, kind, **where):
    return [f for f in insights.findings if f.kind == kind and all(getattr(f, k) == v for k, v in where.items())]


def test_the_signed_care_plan_item_is_a_persistent_service_wide_pattern_under_a_good_headline(insights):
    item = "Care plan reviewed and signed in the last month"
    [repeat] = found(insights, "repeat_finding", service="Oakwood House", team=None, subject=item)
    assert repeat.status == "concern" and "pattern" in repeat.summary
    [masked] = found(insights, "masked_weakness", service="Oakwood House", subject=item)
    assert "hides" in masked.summary


def test_willow_nights_are_fragile_under_a_good_fill_rate(insights):
    fragile = found(insights, "fragility", service="Oakwood House", team="Willow Unit", shift="Night")
    assert fragile and fragile[0].key_question == "Safe"
    masked = found(insights, "masked_weakness", team="Willow Unit", shift="Night")
    assert masked and "fill rate" in masked[0].summary


def test_beech_green_audits_beside_worsening_family_experience_is_an_assurance_gap(insights):
    [gap] = found(insights, "assurance_gap", service="Oakwood House", team="Beech Unit")
    assert gap.confidence == "qualified" and {e.source for e in gap.evidence} >= {"audits", "feedback"}


def test_medication_is_embedded_and_infection_control_is_not(insights):
    [embedded] = found(insights, "embedded_improvement", service="Oakwood House")
    assert "Medication" in embedded.subject or "MAR" in embedded.subject
    [not_embedded] = found(insights, "not_embedded", service="Oakwood House")
    assert "nfection" in not_embedded.subject and "spot checks" in not_embedded.summary


def test_late_calls_emerge_in_town_team(insights):
    emerging = found(insights, "emerging_theme", service="Riverside Homecare", team="Town Team")
    assert any("call" in f.subject.lower() or "late" in f.subject.lower() for f in emerging)


def test_clean_teams_raise_no_concern(insights):
    concerns = [f for f in insights.findings if (f.service, f.team) in CLEAN and f.status == "concern"]
    assert concerns == []
    register = insights.register
    clean_rows = register[[(s, t) in CLEAN for s, t in zip(register["service"], register["team"])]]
    assert not clean_rows.empty and "concern" not in set(clean_rows["status"])
    assert (clean_rows["status"] == "strong").sum() >= 4


def test_the_register_is_balanced_and_every_row_is_explained(insights):
    register = insights.register
    assert {"strong", "concern"} <= set(register["status"])
    assert set(register["key_question"]) == {"Safe", "Effective", "Caring", "Responsive", "Well-led"}
    assert register["summary"].str.len().gt(20).all()
    assert set(register["confidence"]) <= {"high", "qualified", "limited"}


def test_every_finding_says_what_rows_it_rests_on(insights):
    assert insights.findings
    for finding in insights.findings:
        assert finding.kind in KINDS
        assert finding.evidence, finding.summary
        assert all(e.rows or e.detail for e in finding.evidence), finding.summary
        assert finding.period_start <= finding.period_end


def test_judging_as_of_an_earlier_date_uses_only_the_data_before_it(demo_db):
    con = connect(demo_db)
    try:
        earlier = run_insights(con, Scope(as_of=date(2025, 12, 31)))
    finally:
        con.close()
    assert earlier.as_of == date(2025, 12, 31)
    assert all(f.period_end <= date(2025, 12, 31) for f in earlier.findings)
    assert not found(earlier, "embedded_improvement")  # medication had not yet held for three cycles


def test_a_leaders_optimistic_view_is_set_against_the_evidence(demo_db, tmp_path):
    con = connect(demo_db)
    try:
        view = record_view(con, "Oakwood House", "Safe", "strong",
                           "Staffing is stable on every unit, says Mrs Jane Smith", "manager", team="Willow Unit")
        result = run_insights(con, Scope(services=("Oakwood House",)))
        con.cursor().execute("DELETE FROM leader_views WHERE view_id = ?", [view])
    finally:
        con.close()
    [mismatch] = found(result, "narrative_mismatch", team="Willow Unit")
    assert "more optimistic than the evidence" in mismatch.summary
    assert "\"Staffing is stable on every unit, says Mrs [name]\"" in mismatch.summary  # quoted, masked
    assert mismatch.period_start <= mismatch.period_end == result.as_of
    [judged] = mismatch.evidence  # said in words, as every evidence item is: no table or column names
    assert (judged.measure, judged.rows) == ("judged strong", f"leaders' judgement #{view}, recorded on the Board report")
    assert {f.service for f in result.findings} == {"Oakwood House"}


def test_cli_insights_json(demo_db, capsys):
    assert main(["--db", str(demo_db), "insights", "--json", "--service", "Riverside Homecare"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["findings"] and {f["service"] for f in output["findings"]} == {"Riverside Homecare"}
    first = output["findings"][0]
    assert {"kind", "service", "team", "shift", "key_question", "theme_or_item", "status", "confidence", "period",
            "evidence", "summary"} <= set(first)
    assert pd.DataFrame(output["register"])["status"].notna().all()


def test_insights_on_an_empty_store(tmp_path):
    con = connect(tmp_path / "empty.duckdb")
    try:
        result = run_insights(con)
    finally:
        con.close()
    assert result.findings == [] and result.register.empty


def test_cli_refresh_works_out_what_is_stale_then_finds_nothing_to_do(demo_db, capsys):
    """After an upgrade the stored findings are worked out again by `refresh`, with progress (here the latest
    month's are let go, as a new release's would no longer match), and a second run finds them up to date."""
    con = connect(demo_db)
    try:
        con.cursor().execute("DELETE FROM insight_runs WHERE as_of = (SELECT max(as_of) FROM insight_runs)")
    finally:
        con.close()
    assert main(["--db", str(demo_db), "refresh"]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 done" in out and "brought the stored findings up to date: 2 service-month runs" in out
    assert main(["--db", str(demo_db), "refresh"]) == 0
    assert "the stored findings were up to date" in capsys.readouterr().out
