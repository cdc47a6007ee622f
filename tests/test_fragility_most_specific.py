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
