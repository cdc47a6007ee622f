"""Complaint categories rising on a team or across a service: the exact Poisson comparison, the spread rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from canonical_rows import insert

from analytics.findings import chance_words
from analytics.rising_categories import category_findings, rate_ratio, rising_chance, share_chance, share_ratio
from analytics.scope import Scope
from analytics.settings import default_settings
from analytics.store import connect

AS_OF = Scope(as_of=date(2026, 6, 30))
SERVICE = "Elm Court"
TEAMS = ("Ash Unit", "Birch Unit", "Cedar Unit")
MONTHS = [date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(7, 31)]  # Jul 2024 to Jun 2026


@pytest.mark.parametrize(("recent", "earlier", "expected"), [
    (0, 5, 1.0),                 # none recently: nothing rising
    (1, 0, 4 / 24),              # one new complaint: the recent months' share of the months
    (3, 0, (4 / 24) ** 3),       # three new ones, none before
    (2, 10, None),               # the earlier rate would give two in four months easily
])
def test_rising_chance_is_the_exact_conditional_poisson_test(recent, earlier, expected):
    chance = float(rising_chance(np.array([recent]), np.array([earlier]), 4, 20)[0])
    if expected is None:
        assert chance > 0.3
    else:
        assert chance == pytest.approx(expected)


@pytest.mark.parametrize(("recent", "earlier", "expected"), [
    (0, 0, 0.0), (2, 0, np.inf), (4, 20, 1.0), (8, 20, 2.0)])
def test_rate_ratio_compares_monthly_rates(recent, earlier, expected):
    assert float(rate_ratio(np.array([recent]), np.array([earlier]), 4, 20)[0]) == expected


@pytest.mark.parametrize(("recent", "earlier", "recent_total", "earlier_total", "expected"), [
    (14, 12, 16, 17, (14 / 12) / (2.5 / 5.5)),   # most of the complaints already, and still rising past the rest
    (6, 4, 37, 20, (6 / 4) / (31.5 / 16.5)),     # up with every other kind of complaint: below 1
    (3, 0, 5, 10, np.inf),                       # new
    (0, 0, 5, 10, 0.0),
])
def test_share_ratio_is_the_odds_ratio_of_the_categorys_share(recent, earlier, recent_total, earlier_total, expected):
    ratio = float(share_ratio(np.array([recent]), np.array([earlier]), np.array([recent_total]),
                              np.array([earlier_total]))[0])
    assert ratio == pytest.approx(expected)


@pytest.mark.parametrize(("recent", "earlier", "recent_total", "earlier_total", "expected"), [
    (5, 0, 54, 24, (49.5 / 74) ** 5),   # five of a surge of 54, none of 24 before: as the others came
    (9, 0, 12, 8, (3.5 / 12) ** 9),     # nine of twelve new, the others steady: far beyond them
    (0, 3, 10, 10, 1.0),                # none recently
])
def test_share_chance_compares_the_category_with_the_places_other_complaints(recent, earlier, recent_total,
                                                                              earlier_total, expected):
    chance = float(share_chance(np.array([recent]), np.array([earlier]), np.array([recent_total]),
                                np.array([earlier_total]))[0])
    assert chance == pytest.approx(expected)


def complaints(counts: dict[tuple[str, str], dict[int, int]]) -> list[dict]:
    """`counts[(team, category)][month index]` complaints, on the 10th of each month."""
    rows = []
    for (team, category), by_month in counts.items():
        for index, number in by_month.items():
            for _ in range(number):
                rows.append({"reference": f"C{len(rows) + 1}", "received_date": MONTHS[index].replace(day=10),
                             "service": SERVICE, "team": team, "category": category,
                             "summary": f"A complaint about {category.lower()}."})
    return rows


def background() -> dict[tuple[str, str], dict[int, int]]:
    """A food complaint every third month on each team, all along."""
    return {(team, "Food"): {i: 1 for i in range(0, 24, 3)} for team in TEAMS}


@pytest.fixture
def con(tmp_path: Path):
    connection = connect(tmp_path / "t.duckdb")
    yield connection
    connection.close()


def test_a_category_new_on_one_team_is_a_team_finding(con):
    counts = background() | {("Ash Unit", "Laundry"): {20: 1, 21: 2, 22: 2, 23: 3}}
    insert(con, "complaints", complaints(counts))
    [finding] = category_findings(con, AS_OF, default_settings())
    assert (finding.kind, finding.service, finding.team, finding.subject) == (
        "emerging_theme", SERVICE, "Ash Unit", "Laundry")
    assert finding.status == "concern" and finding.period_start == date(2026, 3, 1)
    assert "8 of 9 complaints in Mar 2026 to Jun 2026" in finding.summary
    assert "category = 'Laundry'" in finding.evidence[0].rows


def test_a_category_rising_on_most_teams_is_one_service_wide_finding(con):
    counts = background() | {(team, "Call bells"): {20: 1, 22: 1, 23: 2} for team in TEAMS}
    insert(con, "complaints", complaints(counts))
    [finding] = category_findings(con, AS_OF, default_settings())
    assert (finding.team, finding.subject) == (None, "Call bells")
    assert "across Elm Court, on Ash Unit, Birch Unit, Cedar Unit" in finding.summary


def test_one_teams_rise_with_a_stray_complaint_elsewhere_stays_the_teams(con):
    counts = background() | {("Ash Unit", "Call bells"): {20: 2, 21: 2, 22: 3, 23: 3},
                             ("Birch Unit", "Call bells"): {22: 1}}
    insert(con, "complaints", complaints(counts))
    assert [(f.team, f.subject) for f in category_findings(con, AS_OF, default_settings())] == [
        ("Ash Unit", "Call bells")]


def test_a_steady_category_and_a_couple_of_stray_complaints_are_not_rising(con):
    counts = background() | {("Birch Unit", "Laundry"): {5: 1, 23: 1}, ("Cedar Unit", "Medication"): {22: 1}}
    insert(con, "complaints", complaints(counts))
    assert category_findings(con, AS_OF, default_settings()) == []


def test_no_complaints_no_findings(con):
    assert category_findings(con, AS_OF, default_settings()) == []


def test_two_teams_sharing_a_new_category_is_the_services_rise(con):
    # Three new complaints in four months, none in twenty before, two on one team and one on the other: no team
    # holds more than an even spread would give it, so the rise is the service's (an exact tie is not needed).
    counts = background() | {("Ash Unit", "Laundry"): {21: 1, 23: 1}, ("Birch Unit", "Laundry"): {22: 1},
                             ("Ash Unit", "Medication"): {2: 1}}
    insert(con, "complaints", complaints(counts))
    settings = default_settings()
    settings["thresholds"]["emerging_theme_max_chance"] = 0.05  # three complaints: chance 0.5% at this scale
    [finding] = category_findings(con, AS_OF, settings)
    assert (finding.team, finding.subject) == (None, "Laundry")
    assert "on Ash Unit, Birch Unit" in finding.summary
    assert finding.status == "not_enough_evidence"  # three complaints: a pointer, not a concern


@pytest.mark.parametrize(("recent", "status"), [(4, "not_enough_evidence"), (5, "concern")])
def test_a_rise_on_fewer_complaints_than_a_theme_needs_is_limited_evidence(con, recent, status):
    months = {20 + i % 4: 0 for i in range(recent)}
    for i in range(recent):
        months[20 + i % 4] += 1
    insert(con, "complaints", complaints(background() | {("Ash Unit", "Laundry"): months}))
    [finding] = category_findings(con, AS_OF, default_settings())
    assert (finding.team, finding.status) == ("Ash Unit", status)
    assert finding.summary.startswith("Limited evidence (4 complaints about it in Mar 2026 to Jun 2026, fewer "
                                      "than 5)") is (recent == 4)


def test_every_kind_of_complaint_surging_is_not_one_category_emerging(con):
    # Food triples with everything else on Ash Unit: its rate rose beyond chance, but its share of the complaints
    # did not, so it is not a category emerging (the surge itself is for the signals to report).
    counts = background() | {("Ash Unit", "Food"): {i: 1 for i in range(0, 20, 2)} | {20: 2, 21: 2, 22: 2, 23: 2},
                             ("Ash Unit", "Laundry"): {i: 1 for i in range(1, 20, 2)} | {20: 2, 21: 2, 22: 2, 23: 2}}
    insert(con, "complaints", complaints(counts))
    assert [f for f in category_findings(con, AS_OF, default_settings()) if f.team == "Ash Unit"] == []


def test_a_category_new_within_a_surge_of_every_kind_of_complaint_is_not_rising(con):
    # Ash Unit's complaints of every kind go from one every few months to eight a month; three laundry complaints
    # among them, where there were none, rise no more than the rest did (seed 47 of the detection benchmark).
    surge = {("Ash Unit", f"Kind {k}"): {20 + m: 2 for m in range(4)} for k in range(4)}
    surge[("Ash Unit", "Kind 0")] |= {3: 1, 9: 1}  # and two of them before
    counts = background() | surge | {("Ash Unit", "Laundry"): {21: 1, 22: 1, 23: 1}}
    insert(con, "complaints", complaints(counts))
    assert "Laundry" not in {f.subject for f in category_findings(con, AS_OF, default_settings())}


def test_a_category_most_of_a_quiet_teams_new_complaints_still_rises(con):
    # Birch Unit had no complaints for twenty months; now nine about call bells and three others: the others rose
    # too, but with none before there is no mix to compare with, and the rate's rise is what is tested.
    counts = {("Birch Unit", "Call bells"): {20: 2, 21: 2, 22: 2, 23: 3},
              ("Birch Unit", "Food"): {21: 1, 22: 1, 23: 1},
              ("Ash Unit", "Food"): {i: 1 for i in range(0, 24, 3)}}
    insert(con, "complaints", complaints(counts))
    assert ("Birch Unit", "Call bells") in {(f.team, f.subject) for f in category_findings(con, AS_OF,
                                                                                             default_settings())}



def test_a_category_outpacing_a_surge_says_it_was_compared_with_the_other_complaints(con):
    # Ash Unit's other complaints went from one to six a month; laundry from two in twenty months to five a month.
    # Its chance is the one against the others' rise, and the finding says so rather than quoting its own earlier
    # rate.
    counts = background() | {("Ash Unit", "Kind 0"): {i: 1 for i in range(20)} | {20 + m: 6 for m in range(4)},
                             ("Ash Unit", "Laundry"): {3: 1, 9: 1} | {20 + m: 5 for m in range(4)}}
    insert(con, "complaints", complaints(counts))
    laundry = next(f for f in category_findings(con, AS_OF, default_settings())
                   if (f.team, f.subject) == ("Ash Unit", "Laundry"))
    # 20 of 45 recent complaints and 2 of 29 before (the others: 24 + a food complaint, and 20 + 7).
    chance = float(share_chance(np.array([20]), np.array([2]), np.array([45]), np.array([29]))[0])
    assert "20 of 45 complaints" in laundry.summary
    assert f"beside the other complaints, which rose too, a rise this large would come by chance " \
           f"{chance_words(chance)}" in laundry.summary
    assert laundry.evidence[0].detail.endswith(
        "so it is compared with them: exact binomial test of its recent count at the share of theirs that came "
        f"recently: a rise this large would come by chance {chance_words(chance)}")


def test_a_category_rising_on_its_own_quotes_its_earlier_rate(con):
    counts = background() | {("Ash Unit", "Laundry"): {3: 1} | {20 + m: 3 for m in range(4)}}
    insert(con, "complaints", complaints(counts))
    laundry = next(f for f in category_findings(con, AS_OF, default_settings()) if f.subject == "Laundry")
    assert "a month; at the earlier rate, a rise this large" in laundry.summary
    assert "exact Poisson comparison of the monthly rates: " in laundry.evidence[0].detail
