"""Whether a rise over a service is the service's or a few teams': the spread rule, as a table."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.rise_spread import held_by, service_wide_rise, teams_risen
from analytics.settings import default_settings

THRESHOLDS = default_settings()["thresholds"]  # half the teams, and more than one; chance 1%


def teams(*rows: tuple[str, float, float, bool]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["team", "recent", "expected", "own"])
    return frame.assign(exposure=1 / len(rows))


NEVER = lambda rest: False  # the rest of the service never rises on its own
ALWAYS = lambda rest: True


@pytest.mark.parametrize(("rows", "count", "rest", "expected"), [
    # two teams, three new complaints split two and one: an even spread gives that easily
    ((("A", 2, 0, False), ("B", 1, 0, False)), 2, NEVER, True),
    # one of three teams up: not a service-wide share of the teams, whatever the rest does
    ((("A", 9, 0, True), ("B", 0, 1, False), ("C", 0, 1, False)), 3, ALWAYS, False),
    # one team's ten and a stray one elsewhere: held by that team, the rest not rising
    ((("A", 10, 0, True), ("B", 1, 0, False)), 2, NEVER, False),
    # ... unless the rest of the service rises beyond chance too
    ((("A", 10, 0, True), ("B", 1, 0, False)), 2, ALWAYS, True),
    # two of five teams each rising on their own and one stray complaint: those two teams' rise
    ((("A", 4, 0, True), ("B", 3, 0, True), ("C", 1, 0, False)), 5, NEVER, False),
    # three of five rising on their own: service-wide by the share of teams alone
    ((("A", 4, 0, True), ("B", 3, 0, True), ("C", 3, 0, True)), 5, NEVER, True),
    # one team's four and two teams at one mention each where their earlier rates give about one: those two have
    # not risen, so the rise is on one team of four, not the service's
    ((("A", 4, 0.5, True), ("B", 1, 0.94, False), ("C", 1, 0.9, False), ("D", 0, 1, False)), 4, ALWAYS, False),
    # ... and the same with the two a mention further up is on three of four
    ((("A", 4, 0.5, True), ("B", 2, 0.94, False), ("C", 2, 0.9, False), ("D", 0, 1, False)), 4, NEVER, True),
])
def test_service_wide_rise(rows, count, rest, expected):
    frame = teams(*rows).assign(exposure=1 / count)
    assert service_wide_rise(frame, count, THRESHOLDS, rest) is expected


@pytest.mark.parametrize(("held", "total", "share", "expected"), [
    (8, 10, 1 / 3, True),    # 0.3% by chance
    (5, 7, 1 / 2, False),    # 23% by chance
    (0, 5, 1 / 2, False),    # nothing held
    (3, 3, 1.0, False),      # all the exposure: nothing to be held beyond it
])
def test_held_by_is_a_one_sided_binomial(held, total, share, expected):
    leading = pd.DataFrame({"recent": [held], "exposure": [share]})
    everyone = pd.DataFrame({"recent": [total]})
    assert held_by(leading, everyone, THRESHOLDS) is expected


@pytest.mark.parametrize(("recent", "expected", "risen"), [
    (1, 0.0, True),     # new where there was none
    (1, 0.94, False),   # what its earlier rate gives
    (1, 0.5, False),    # half a mention above: not a whole one
    (2, 0.94, True),
    (3, 2.0, True),
    (0, 0.0, False),
])
def test_a_team_has_risen_by_one_more_than_its_earlier_rate_gives(recent, expected, risen):
    frame = pd.DataFrame({"team": ["A"], "recent": [recent], "expected": [expected]})
    assert (len(teams_risen(frame)) == 1) is risen
