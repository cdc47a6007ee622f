"""Masked weaknesses: a good headline hiding a failing item, shift or team, and nothing when there is none."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from canonical_rows import insert

from analytics.demo_files import OAKWOOD, RIVERSIDE, SIGNED_ITEM
from analytics.headline_vs_detail import headline_pairs, looks_acceptable, masked_weaknesses
from analytics.scope import Scope
from analytics.service_wide import merge_service_wide
from analytics.settings import default_settings
from analytics.store import connect

SERVICE = "Elm House"
TEAMS = ("Ash Unit", "Birch Unit", "Hazel Unit")
SHIFTS = ("Early", "Night")
MONTHS = (5, 6, 7, 8, 9, 10)  # the six recent cycles up to 31 October 2026
AS_OF = Scope(as_of=date(2026, 10, 31))
SIGNED = "Care plan reviewed and signed"
PASSING_ITEMS = tuple(f"Care plan check {n}" for n in range(14))


def care_plan_audits(signed_failing: set[int], other_failing: int = 0, teams: tuple[str, ...] = TEAMS,
                     failing_teams: tuple[str, ...] = TEAMS, items: tuple[str, ...] = PASSING_ITEMS) -> list[dict]:
    """One care plan audit per team a month, two records each: 15 items, the signed item failing in the given
    months on `failing_teams`."""
    rows = []
    for team in teams:
        for month in MONTHS:
            for n, item in enumerate((SIGNED, *items)):
                for record in (1, 2):
                    met = (month not in signed_failing or team not in failing_teams) if item == SIGNED \
                        else n > other_failing
                    rows.append({"audit_date": date(2026, month, 12), "service": SERVICE, "team": team,
                                 "audit_type": "Care plan", "section": "Review" if n < 2 else "Records", "item": item,
                                 "answer": "Yes" if met else "No", "answer_class": "met" if met else "not_met",
                                 "answer_score": 1.0 if met else 0.0, "audit_ref": f"{team}-{month}-{record}",
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
    # Headline 86 of 90 answers met; the item 2 of 6 cycles (twice over: two records an audit).
    assert "the care plan audit averaged 96%" in finding.summary
    assert ("below 75% in 4 of 6 months on Ash Unit, Birch Unit and Hazel Unit and scored 33% overall, 62 points "
            "lower") in finding.summary
    headline, item, *teams = finding.evidence
    assert [e.measure for e in teams] == [f"item compliance on {team}" for team in TEAMS]
    assert headline.value == pytest.approx(86 / 90) and item.value == pytest.approx(2 / 6)
    assert item.comparison == pytest.approx(86 / 90) and f"item = '{SIGNED}'" in item.rows


def test_the_theme_of_a_masked_item_is_not_reported_twice(con, settings):
    insert(con, "audits", care_plan_audits({5, 7, 8, 10}))
    assert [f.subject for f in masked_weaknesses(con, AS_OF, settings)] == [SIGNED]


def test_one_bad_month_for_an_item_is_not_masked(con, settings):
    insert(con, "audits", care_plan_audits({8}))
    assert masked_weaknesses(con, AS_OF, settings) == []


def test_a_headline_well_short_of_good_hides_nothing(con, settings):
    # Four more items failing every month pull the headline to 70%: the weakness is in plain sight.
    insert(con, "audits", care_plan_audits({5, 7, 8, 10}, other_failing=4))
    assert masked_weaknesses(con, AS_OF, settings) == []
    pairs = headline_pairs(con, AS_OF, settings)
    assert len(pairs) == 1 + len(TEAMS)  # the service's headline and each team's
    assert not pairs["headline_good"].any() and not pairs["masked"].any()


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


def test_a_fill_rate_well_short_of_good_masks_nothing(con, settings):
    # The service fills 80% of its hours: the news is the headline itself, not Ash Unit's nights at 60%.
    rows = [dict(r, actual_hours=r["actual_hours"] * 0.8) for r in rota({"fill": 0.75})]
    insert(con, "rota", rows)
    assert masked_weaknesses(con, AS_OF, settings) == []


def test_an_agency_shift_is_masked_whatever_the_fill_rate(con, settings):
    # Each headline is judged on its own line: the service's agency share (12%) hides Ash Unit's nights at 40%.
    rows = [dict(r, actual_hours=r["actual_hours"] * 0.8) for r in rota({"agency": 0.4})]
    insert(con, "rota", rows)
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.team, finding.shift, finding.subject) == ("Ash Unit", "Night", "agency share of hours")


def test_a_good_average_rating_hiding_one_team(con, settings):
    insert(con, "feedback", feedback({"Ash Unit": (20, 0.6), "Birch Unit": (30, 1.0), "Hazel Unit": (30, 0.9)}))
    findings = masked_weaknesses(con, AS_OF, settings)
    assert [(f.team, f.status) for f in findings] == [("Ash Unit", "concern")]
    assert "Ash Unit's average rating was 60% over 20 responses" in findings[0].summary
    assert "and 1 more of the averages above it hide the same gap" in findings[0].summary  # overall and family


def test_a_small_team_is_limited_evidence_never_a_concern(con, settings):
    insert(con, "feedback", feedback({"Ash Unit": (3, 0.2), "Birch Unit": (30, 1.0), "Hazel Unit": (30, 0.9)}))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.team, finding.status, finding.confidence) == ("Ash Unit", "not_enough_evidence", "limited")
    assert finding.summary.startswith("Limited evidence (3 responses, fewer than 10)")


def test_an_average_rating_well_short_of_good_masks_nothing(con, settings):
    insert(con, "feedback", feedback({"Ash Unit": (20, 0.3), "Birch Unit": (30, 0.7), "Hazel Unit": (30, 0.6)}))
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


# --- every headline a person sees ------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "line", "higher_is_better", "acceptable"), [
    (0.95, 0.9, True, True),     # good
    (0.85, 0.9, True, True),     # short of good by less than the gap: reads as acceptable
    (0.80, 0.9, True, True),     # exactly the gap short
    (0.79, 0.9, True, False),    # further short: the headline is the news itself
    (0.10, 0.2, False, True),    # a share where lower is better, under its concern line
    (0.25, 0.2, False, True),
    (0.30, 0.2, False, False),
])
def test_a_headline_looks_acceptable_within_the_gap_of_its_line(value, line, higher_is_better, acceptable):
    assert bool(looks_acceptable(value, line, higher_is_better, 0.1)) is acceptable


def test_an_85_percent_headline_hiding_an_item_at_40_percent_is_masked(con, settings):
    # Four items, the signed one passing 40% of records: the headline reads 85%.
    rows = care_plan_audits(set(MONTHS), items=PASSING_ITEMS[:3])
    signed = [r for r in rows if r["item"] == SIGNED]
    for n, row in enumerate(signed):
        met = n % 5 < 2
        row.update(answer="Yes" if met else "No", answer_class="met" if met else "not_met",
                   answer_score=1.0 if met else 0.0)
    insert(con, "audits", rows)
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.subject, finding.team, finding.status) == (SIGNED, None, "concern")
    assert "averaged 85%" in finding.summary and "scored 42% overall" in finding.summary


def test_an_item_failing_on_every_team_hidden_only_by_some_teams_headlines_is_one_finding_naming_them(con, settings):
    # The signed item fails every month on all three teams. Ash and Birch fail six more items: their headlines
    # (47%) and the service's (62%) are the news themselves; Hazel's (93%) reads as acceptable and hides it.
    weak = care_plan_audits(set(MONTHS), other_failing=6, teams=("Ash Unit", "Birch Unit"))
    insert(con, "audits", weak + care_plan_audits(set(MONTHS), teams=("Hazel Unit",)))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.kind, finding.team, finding.subject, finding.status) == \
        ("masked_weakness", None, SIGNED, "concern")
    assert ("while the care plan audit read as acceptable on Hazel Unit (93%) over the same months: a weakness "
            "that team's headline hides") in finding.summary
    assert "on Ash Unit, Birch Unit and Hazel Unit and scored 0% overall" in finding.summary
    headline = finding.evidence[0]
    assert headline.measure == "headline compliance on Hazel Unit" and headline.value == pytest.approx(84 / 90)
    assert "team = 'Hazel Unit'" in headline.rows


def test_a_teams_own_headline_hiding_an_item_on_that_team(con, settings):
    # The signed item fails every month on Ash Unit only: one team of three is Ash Unit's weakness, not the
    # service's, though the service's item (67%) is below the line too.
    insert(con, "audits", care_plan_audits(set(MONTHS), failing_teams=("Ash Unit",)))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.kind, finding.service, finding.team, finding.subject) == \
        ("masked_weakness", SERVICE, "Ash Unit", SIGNED)
    assert finding.status == "not_enough_evidence"  # 12 answers, fewer than min_audit_answers (20)
    assert "At Ash Unit at Elm House the care plan audit averaged 93%" in finding.summary
    assert all("team = 'Ash Unit'" in e.rows for e in finding.evidence)
    pairs = headline_pairs(con, AS_OF, settings).set_index("headline_measure")
    assert pairs.loc["Ash Unit's care plan audit compliance", "masked"]
    assert not pairs.loc["Birch Unit's care plan audit compliance", "masked"]


def survey(team_questions: dict[str, dict[str, float]], responses: int = 30) -> list[dict]:
    """`responses` responses per team, each answering every question at the team's score for it (0-1), with a
    little spread so the standard error is real."""
    rows = []
    for team, questions in team_questions.items():
        for n in range(responses):
            wobble = (n % 3 - 1) * 0.05
            for question, score in questions.items():
                value = min(max(score + wobble, 0.0), 1.0)
                rows.append({"feedback_date": date(2026, MONTHS[n % 6], 15), "service": SERVICE, "team": team,
                             "respondent_type": "Family", "question": question, "rating": str(value),
                             "rating_value": value, "rating_scale": "0-1", "rating_score": value,
                             "response_id": f"{team}-{n}"})
    return rows


ON_TIME, KIND, INFORMED = "Visits are on time", "Carers are kind", "I am kept informed"


def test_one_question_failing_on_one_team_is_named_with_team_and_question(con, settings):
    # 'Visits are on time' at 35% on Ash Unit; the service's average rating holds at 82%.
    good = {ON_TIME: 0.85, KIND: 0.9, INFORMED: 0.85}
    insert(con, "feedback", survey({"Ash Unit": {ON_TIME: 0.35, KIND: 0.9, INFORMED: 0.85},
                                    "Birch Unit": good, "Hazel Unit": good}))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    assert (finding.team, finding.subject, finding.status) == ("Ash Unit", f"average rating for '{ON_TIME}'",
                                                               "concern")
    assert "Ash Unit's average rating for 'Visits are on time' was 35% over 30 responses" in finding.summary


def test_a_question_weak_across_the_service_under_a_good_average(con, settings):
    teams = {team: {ON_TIME: 0.55, KIND: 0.95, INFORMED: 0.9} for team in TEAMS}
    insert(con, "feedback", survey(teams))
    findings = masked_weaknesses(con, AS_OF, settings)
    assert [(f.team, f.subject) for f in findings] == [(team, f"average rating for '{ON_TIME}'")
                                                       for team in (None, *TEAMS)]
    assert "across all teams, the average rating for 'Visits are on time' was 55%" in findings[0].summary
    # Run together, the teams' findings join the service's (analytics.service_wide).
    [wide] = merge_service_wide(findings, {SERVICE: set(TEAMS)}, settings)
    assert wide.team is None and len(wide.evidence) == sum(len(f.evidence) for f in findings)


def test_questions_a_little_apart_are_not_masked(con, settings):
    teams = {team: {ON_TIME: 0.8, KIND: 0.88, INFORMED: 0.84} for team in TEAMS}
    insert(con, "feedback", survey(teams))
    assert masked_weaknesses(con, AS_OF, settings) == []


def test_rota_figures_are_the_measures_figures(con, settings):
    from analytics.measures import monthly, over_window
    insert(con, "rota", rota({"agency": 0.4, "handover": 0.6}))
    [finding] = masked_weaknesses(con, AS_OF, settings)
    window = (date(2026, 5, 1), date(2026, 10, 31))
    for evidence, measure in zip(finding.evidence[1:], ("agency_share", "handover_completion")):
        place = over_window(monthly(con, AS_OF, measure, ("service", "team", "shift"), *window, settings,
                                    only={"team": "Ash Unit", "shift": "Night"}), ["service"], measure)
        assert evidence.value == pytest.approx(place["value"].iloc[0])


TYPES = ("Family", "Friend", "Professional", "Person supported")


def by_type(team_types: dict[str, dict[str, tuple[float, float]]], responses: int = 16) -> list[dict]:
    """`responses` ratings per team and respondent type, alternating between the type's two scores (0-1)."""
    rows = []
    for team, types in team_types.items():
        for kind, (low, high) in types.items():
            for n in range(responses):
                score = (low, high)[n % 2]
                rows.append({"feedback_date": date(2026, MONTHS[n % 6], 15), "service": SERVICE, "team": team,
                             "respondent_type": kind, "rating": str(score), "rating_value": score,
                             "rating_scale": "0-1", "rating_score": score, "response_id": f"{team}-{kind}-{n}"})
    return rows


@pytest.mark.parametrize(("types", "looks", "clear"), [
    # Ash Unit's families rate it 70% (half 50%, half 90%: 5 points of standard error) against 81% from the
    # service's families: 2.1 standard errors, beyond chance for one part, not for the lowest of four.
    (("Family",), 1, True),
    (TYPES, 4, False),
])
def test_the_lowest_of_several_respondent_types_must_clear_more_chance(con, settings, types, looks, clear):
    from analytics.hidden_ratings import rating_pairs

    ash = {kind: (0.5, 0.9) if kind == "Family" else (0.86, 0.86) for kind in types}
    insert(con, "feedback", by_type({"Ash Unit": ash, "Birch Unit": {"Family": (0.86, 0.86)},
                                     "Hazel Unit": {"Family": (0.86, 0.86)}}))
    pairs = rating_pairs(con, AS_OF, settings, (date(2026, 5, 1), date(2026, 10, 31)))
    family = pairs[(pairs["team"] == "Ash Unit") & (pairs["facet"] == "Family")].iloc[0]
    assert family["gap"] == pytest.approx(0.86 * 2 / 3 + 0.7 / 3 - 0.7) and family["se"] == pytest.approx(0.05)
    assert (family["looks"], bool(family["clear"])) == (looks, clear)
    assert ("allowing for the 4 respondent types compared" in family["why"]) == (looks == 4)


@pytest.mark.parametrize(("looks", "margin"), [(1, 2.0), (2, 2.278), (4, 2.531), (5, 2.608)])
def test_the_margin_grows_with_the_looks(looks, margin):
    import pandas as pd

    from analytics.hidden_ratings import margin_for

    assert margin_for(2.0, pd.Series([looks]))[0] == pytest.approx(margin, abs=1e-3)


def test_looks_count_a_teams_respondent_types_with_two_responses_or_more():
    import pandas as pd

    from analytics.hidden_ratings import looks

    pairs = pd.DataFrame({
        "service": ["S"] * 6, "team": ["A", "A", "A", "A", None, "B"],
        "facet_kind": ["respondent_type"] * 3 + [None, "respondent_type", "question"],
        "facet": ["Family", "Friend", "Advocate", None, "Family", "Q1"], "responses": [5, 2, 1, 8, 40, 9]})
    assert looks(pairs).tolist() == [2, 2, 2, 1, 1, 1]


@pytest.mark.parametrize(("responses", "named"), [
    ((30, 3), "average rating for 'Overall'"),   # the part on enough responses names it, so it is judged
    ((4, 3), "average rating from Friend respondents"),  # all too few: the widest gap, as limited evidence
])
def test_a_finding_is_named_for_a_part_on_enough_responses_first(settings, responses, named):
    import pandas as pd

    from analytics.hidden_ratings import _named_pair

    place = pd.DataFrame({"service": ["S", "S"], "team": ["Ash", "Ash"], "facet_kind": ["question", "respondent_type"],
                          "facet": ["Overall", "Friend"], "gap": [0.12, 0.3], "responses": list(responses),
                          "sub_measure": ["average rating for 'Overall'", "average rating from Friend respondents"]})
    assert _named_pair(place, set(), settings)["sub_measure"] == named
