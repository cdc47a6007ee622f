"""Masked weaknesses: a good headline hiding a failing item, shift or team, and nothing when there is none."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from canonical_rows import insert

from analytics.demo_files import OAKWOOD, RIVERSIDE, SIGNED_ITEM
from analytics.headline_vs_detail import headline_pairs, masked_weaknesses
from analytics.scope import Scope
from analytics.settings import default_settings
from analytics.store import connect

SERVICE = "Elm House"
TEAMS = ("Ash Unit", "Birch Unit", "Hazel Unit")
SHIFTS = ("Early", "Night")
MONTHS = (5, 6, 7, 8, 9, 10)  # the six recent cycles up to 31 October 2026
AS_OF = Scope(as_of=date(2026, 10, 31))
SIGNED = "Care plan reviewed and signed"
PASSING_ITEMS = tuple(f"Care plan check {n}" for n in range(14))


def care_plan_audits(signed_failing: set[int], other_failing: int = 0) -> list[dict]:
    """One care plan audit per team a month: 15 items, the signed item failing in the given months."""
    rows = []
    for team in TEAMS:
        for month in MONTHS:
            for n, item in enumerate((SIGNED, *PASSING_ITEMS)):
                met = month not in signed_failing if item == SIGNED else n > other_failing
                rows.append({"audit_date": date(2026, month, 12), "service": SERVICE, "team": team,
                             "audit_type": "Care plan", "section": "Review" if n < 2 else "Records", "item": item,
                             "answer": "Yes" if met else "No", "answer_class": "met" if met else "not_met",
                             "answer_score": 1.0 if met else 0.0, "audit_ref": f"{team}-{month}",
                             "spot_check": False})
    return rows


def rota(weak: dict[str, float] | None = None, weak_months: tuple[int, ...] = MONTHS, *,
         hours: bool = True) -> list[dict]:
    """Ten shifts a month per team and shift; `weak` overrides Ash Unit's Night figures in `weak_months`."""
    weak = weak or {}
    rows = []
    for team in TEAMS:
        for shift in SHIFTS:
            for month in MONTHS:
                figures = weak if (team, shift) == ("Ash Unit", "Night") and month in weak_months else {}
                for day in range(1, 11):
                    actual = 30.0 * figures.get("fill", 0.98)
                    row = {"rota_date": date(2026, month, day), "service": SERVICE, "team": team, "shift": shift,
                           "role": "Carer", "agency_hours": actual * figures.get("agency", 0.05),
                           "handover_completed": day > 10 * (1 - figures.get("handover", 1.0))}
                    row |= {"planned_hours": 30.0, "actual_hours": actual} if hours else \
                        {"planned_staff": 10.0, "actual_staff": round(10 * figures.get("fill", 1.0))}
                    rows.append(row)
    return rows


def feedback(team_scores: dict[str, tuple[int, float]]) -> list[dict]:
    """`responses` family ratings per team, all scoring `score`, spread over the recent months."""
    rows = []
    for team, (responses, score) in team_scores.items():
        for n in range(responses):
            rows.append({"feedback_date": date(2026, MONTHS[n % 6], 15), "service": SERVICE, "team": team,
                         "respondent_type": "Family", "rating": str(score), "rating_value": score,
                         "rating_scale": "0-1", "rating_score": score, "response_id": f"{team}-{n}"})
    return rows


@pytest.fixture
def con(tmp_path: Path):
    connection = connect(tmp_path / "t.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def settings() -> dict:
    return default_settings()


def test_a_good_audit_headline_hiding_a_failing_item_is_a_masked_weakness(con, settings):
    insert(con, "audits", care_plan_audits({5, 7, 8, 10}))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert finding.kind == "masked_weakness" and finding.subject == SIGNED
    assert (finding.service, finding.team, finding.shift, finding.status) == (SERVICE, None, None, "concern")
    # Headline 86 of 90 answers met; the item 2 of 6 cycles.
    assert "the care plan audit averaged 96%" in finding.summary
    assert "below 75% in 4 of 6 months and scored 33% overall, 62 points lower" in finding.summary
    headline, item = finding.evidence
    assert headline.value == pytest.approx(86 / 90) and item.value == pytest.approx(2 / 6)
    assert item.comparison == pytest.approx(86 / 90) and f"item = '{SIGNED}'" in item.rows


def test_the_theme_of_a_masked_item_is_not_reported_twice(con, settings):
    insert(con, "audits", care_plan_audits({5, 7, 8, 10}))
    assert [f.subject for f in masked_weaknesses(con, AS_OF, settings)] == [SIGNED]


def test_one_bad_month_for_an_item_is_not_masked(con, settings):
    insert(con, "audits", care_plan_audits({8}))
    assert masked_weaknesses(con, AS_OF, settings) == []


def test_a_headline_that_is_not_good_hides_nothing(con, settings):
    # Three more items failing every month pull the headline to 76%: the weakness is in plain sight.
    insert(con, "audits", care_plan_audits({5, 7, 8, 10}, other_failing=3))
    assert masked_weaknesses(con, AS_OF, settings) == []
    [pair] = headline_pairs(con, AS_OF, settings).to_dict("records")
    assert not pair["headline_good"] and not pair["masked"]


def test_a_good_fill_rate_hiding_agency_nights_and_missed_handovers(con, settings):
    insert(con, "rota", rota({"agency": 0.4, "handover": 0.6}))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.team, finding.shift, finding.status) == ("Ash Unit", "Night", "concern")
    assert finding.key_question == "Safe"
    assert "the fill rate was 98%" in finding.summary and "Ash Unit's Night shift" in finding.summary
    assert "agency staff worked 40% of hours (at least 20% in 6 of 6 months)" in finding.summary
    assert "handover was completed on 60% of shifts (below 90% in 6 of 6 months)" in finding.summary
    assert {e.measure for e in finding.evidence} == {"fill rate", "agency share of hours", "handover completion"}


def test_a_shift_filling_well_below_a_good_service_fill_rate(con, settings):
    insert(con, "rota", rota({"fill": 0.8}, weak_months=(5, 6, 8, 9)))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.team, finding.shift) == ("Ash Unit", "Night")
    assert "(at least 10 points below the service in 4 of 6 months)" in finding.summary


def test_staff_counts_stand_in_for_hours_when_hours_are_absent(con, settings):
    insert(con, "rota", rota({"fill": 0.8}, hours=False))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.team, finding.shift) == ("Ash Unit", "Night")
    assert "At Elm House the fill rate was 97%" in finding.summary and "the fill rate was 80%" in finding.summary


def test_a_weak_shift_in_one_or_two_months_is_not_masked(con, settings):
    insert(con, "rota", rota({"agency": 0.4, "handover": 0.5}, weak_months=(7, 9)))
    assert masked_weaknesses(con, AS_OF, settings) == []


def test_a_fill_rate_that_is_not_good_masks_nothing(con, settings):
    rows = [dict(r, actual_hours=r["actual_hours"] * 0.9) for r in rota({"agency": 0.4})]
    insert(con, "rota", rows)
    assert masked_weaknesses(con, AS_OF, settings) == []


def test_a_good_average_rating_hiding_one_team(con, settings):
    insert(con, "feedback", feedback({"Ash Unit": (20, 0.6), "Birch Unit": (30, 1.0), "Hazel Unit": (30, 0.9)}))
    findings = masked_weaknesses(con, AS_OF, settings)
    assert [(f.team, f.status) for f in findings] == [("Ash Unit", "concern")]
    assert "Ash Unit's was 60% over 20 responses" in findings[0].summary
    assert "and 1 more of the service's averages hide the same gap" in findings[0].summary  # overall and family


def test_a_small_team_is_not_called_out(con, settings):
    insert(con, "feedback", feedback({"Ash Unit": (3, 0.2), "Birch Unit": (30, 1.0), "Hazel Unit": (30, 0.9)}))
    assert masked_weaknesses(con, AS_OF, settings) == []


def test_an_average_rating_that_is_not_good_masks_nothing(con, settings):
    insert(con, "feedback", feedback({"Ash Unit": (20, 0.4), "Birch Unit": (30, 0.8), "Hazel Unit": (30, 0.7)}))
    assert masked_weaknesses(con, AS_OF, settings) == []


def test_headline_pairs_show_each_headline_with_its_worst_figure_beneath(con, settings):
    insert(con, "audits", care_plan_audits({5, 7, 8, 10}))
    insert(con, "rota", rota({"agency": 0.4, "handover": 0.6}))
    pairs = headline_pairs(con, AS_OF, settings).set_index(["source", "headline_measure"])
    audit = pairs.loc[("audits", "care plan audit compliance")]
    assert audit["sub_measure"] == SIGNED and audit["masked"] and audit["where"] == "all teams"
    assert audit["gap"] == pytest.approx(86 / 90 - 2 / 6)
    agency = pairs.loc[("rota", "agency share of hours")]
    assert agency["where"] == "Ash Unit, Night shift" and agency["masked"]
    assert agency["gap"] == pytest.approx(0.4 - (5 * 0.05 + 0.4) / 6)
    fill = pairs.loc[("rota", "fill rate")]
    assert not fill["masked"] and fill["headline_good"]
    assert set(pairs["period"]) == {"May 2026 to Oct 2026"}


def test_no_data_gives_no_pairs_and_no_findings(con, settings):
    assert masked_weaknesses(con, AS_OF, settings) == []
    assert headline_pairs(con, AS_OF, settings).empty


@pytest.fixture(scope="module")
def demo(demo_con):
    settings = default_settings()
    return masked_weaknesses(demo_con, Scope(), settings), headline_pairs(demo_con, Scope(), settings)


def test_demo_care_plan_headline_hides_the_signing_item(demo):
    findings, pairs = demo
    [signed] = [f for f in findings if f.subject == SIGNED_ITEM]
    assert (signed.service, signed.team) == (OAKWOOD, None)
    care_plan = pairs[(pairs["service"] == OAKWOOD) & (pairs["headline_measure"] == "care plan audit compliance")]
    assert care_plan.iloc[0]["masked"] and care_plan.iloc[0]["gap"] > 0.5


def test_demo_fill_rate_hides_willow_nights(demo):
    findings, _ = demo
    [willow] = [f for f in findings if any(e.source == "rota" for e in f.evidence)]
    assert (willow.service, willow.team, willow.shift) == (OAKWOOD, "Willow Unit", "Night")
    assert "agency staff" in willow.summary and "handover" in willow.summary


def test_demo_clean_teams_are_not_called_out(demo):
    findings, _ = demo
    assert not [f for f in findings if f.team in ("Cedar Unit", "North Team")]
    assert not [f for f in findings if f.service == RIVERSIDE and f.team is None]
