"""Where a weakness sits: a team's shift named instead of its team only where the weakness is the shift's own
(analytics.fragility_runs.most_specific)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.fragility_runs import Signal, most_specific

MONTHS = tuple(date(2025, m, 1) for m in range(1, 7))
MARGIN = 0.1


def signal(team: str | None, shift: str | None, gap: float, months: tuple[date, ...] = MONTHS) -> Signal:
    return Signal("Elm Court", team, shift, "audit_compliance", months, 0.9 - gap, 0.9, gap, 100.0)


def table(team_late: float, team_other: float) -> pd.DataFrame:
    """Each month: the team audited on its Late shift (10 answers met at `team_late`) and its other shifts (10 at
    `team_other`); the rest of the service at 90% of 50 answers."""
    places = (("Ash", None, 10 * team_late + 10 * team_other, 20.0), ("Ash", "Late", 10 * team_late, 10.0))
    return pd.DataFrame([{"service": "Elm Court", "measure": "audit_compliance", "month": month, "team": team,
                          "shift": shift, "num": num, "den": den, "rest_num": 45.0, "rest_den": 50.0}
                         for month in MONTHS for team, shift, num, den in places])


@pytest.mark.parametrize("late, other, cell_gap, kept", [
    (0.6, 0.74, 0.3, "team"),      # the team's other shifts behind by 0.16 too: the team's weakness
    (0.6, 0.9, 0.3, "shift"),      # the other shifts level with the rest: the Late shift's own
    (0.6, 0.82, 0.3, "shift"),     # the other shifts behind, but by less than the margin
    (0.72, 0.76, 0.12, "team"),    # the shift no further behind than the team: the team's (the rule before)
])
def test_one_team_shift_is_named_only_where_the_weakness_is_its_own(late, other, cell_gap, kept):
    team_gap = 0.9 - (late + other) / 2
    found = most_specific([signal("Ash", None, team_gap), signal("Ash", "Late", cell_gap)], table(late, other),
                          MARGIN)
    assert [("team" if s.shift is None else "shift") for s in found] == [kept]


def test_without_the_comparisons_the_further_behind_shift_is_named():
    found = most_specific([signal("Ash", None, 0.23), signal("Ash", "Late", 0.3)])
    assert [s.shift for s in found] == ["Late"]


def test_two_weak_shifts_of_a_team_are_the_team():
    found = most_specific([signal("Ash", None, 0.2), signal("Ash", "Late", 0.3), signal("Ash", "Early", 0.3)],
                          table(0.6, 0.9), MARGIN)
    assert [(s.team, s.shift) for s in found] == [("Ash", None)]


TEAMS = ("Ash", "Beech", "Cedar", "Elm", "Fir", "Oak")


def service_table(shares: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Each month, 10 handovers on every team's shift at its share in `shares` (95% where not given), with each
    team, each shift and each team's shift beside the rest of the service."""
    cells = {(team, shift): shares.get((team, shift), 0.95) * 10 for team in TEAMS for shift in ("Early", "Night")}
    total = sum(cells.values())
    def row(team: str | None, shift: str | None) -> dict:
        num = sum(v for (t, s), v in cells.items() if team in (None, t) and shift in (None, s))
        den = 10.0 * sum(1 for t, s in cells if team in (None, t) and shift in (None, s))
        return {"team": team, "shift": shift, "num": num, "den": den, "rest_num": total - num,
                "rest_den": 10.0 * len(cells) - den}
    places = [row(t, None) for t in TEAMS] + [row(None, s) for s in ("Early", "Night")] + [
        row(t, s) for t, s in cells]
    return pd.DataFrame([{"service": "Elm Court", "measure": "handover_completion", "month": month, **place}
                         for month in MONTHS for place in places])


def flagged(table: pd.DataFrame, places: list[tuple[str | None, str | None]]) -> list[Signal]:
    """A handover signal for each place, its gap read from the table's first month."""
    first = table[table["month"] == MONTHS[0]]
    found = []
    for team, shift in places:
        row = first[(first["team"].isna() if team is None else first["team"] == team)
                    & (first["shift"].isna() if shift is None else first["shift"] == shift)].iloc[0]
        value, rest = row["num"] / row["den"], row["rest_num"] / row["rest_den"]
        found.append(Signal("Elm Court", team, shift, "handover_completion", MONTHS, value, rest, rest - value,
                            row["den"] * len(MONTHS)))
    return found


@pytest.mark.parametrize("weak, kept", [
    (("Ash", "Beech"), [("Ash", "Night"), ("Beech", "Night")]),  # two teams' nights of six: theirs
    (("Ash", "Beech", "Cedar"), [(None, "Night")]),               # half the nights: the night shift's
    (("Ash", "Beech", "Cedar", "Elm", "Fir", "Oak"), [(None, "Night")]),
])
def test_weak_nights_on_a_few_teams_are_named_and_on_most_are_the_night_shift(weak, kept):
    table = service_table({(team, "Night"): 0.55 for team in weak})
    found = most_specific(flagged(table, [(None, "Night")] + [(team, "Night") for team in weak]), table, MARGIN)
    assert sorted((s.team, s.shift) for s in found) == sorted(kept)


def test_a_team_shift_inside_the_shift_pattern_is_the_shift_s_and_its_team_is_judged_without_it():
    # Every team's early shift is weak; Beech's night too, its own. Beech as a whole is behind only by both.
    table = service_table({**{(team, "Early"): 0.6 for team in TEAMS}, ("Beech", "Night"): 0.55})
    places = [(None, "Early"), ("Beech", None), ("Beech", "Night")] + [(team, "Early") for team in TEAMS]
    found = most_specific(flagged(table, places), table, MARGIN)
    assert sorted((s.team or "", s.shift or "") for s in found) == [("", "Early"), ("Beech", "Night")]


def test_a_team_weak_only_by_its_shift_in_a_shift_pattern_is_left_to_that_pattern():
    table = service_table({(team, "Early"): 0.6 for team in TEAMS})
    places = [(None, "Early"), ("Beech", None)] + [(team, "Early") for team in TEAMS]
    found = most_specific(flagged(table, places), table, MARGIN)
    assert [(s.team, s.shift) for s in found] == [(None, "Early")]
