"""Whether a rise counted over a service is the service's, or a few teams': one rule for complaint categories
(`rising_categories`) and text themes (`theme_rates`).

A rise seen over a whole service is service-wide when it has risen on a service-wide share of its teams (by at least
one more than a team's own earlier rate gives, `teams_risen`; `is_service_wide`: at least
`service_wide_share_of_teams`, and more than one), and either the teams rising clearly
on their own are that share themselves, or the leading teams do not hold more of the service's recent count than an
even spread would put on them by chance (one-sided binomial at `emerging_theme_max_chance`), or the rest of the
service rises beyond chance without them. The leading teams are those rising on their own, or, where none does,
the team with the largest rise. A team's part of an even spread is its share of the exposure: an equal part of the
teams for counts of complaints, its share of the recent texts for a share of what people wrote.

So two teams sharing three new complaints, two and one, is the service's rise; one team's ten with a stray one
elsewhere is that team's; two teams of five each rising on their own, with one stray complaint on a third, are
those two teams.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .distributions import binom_sf
from .repeat_findings import is_service_wide

# One row per team of the service that has the subject: its recent count, the count its earlier rate gives over
# the recent months, its share of the service's exposure, and whether it rises on its own.
TEAM_COLUMNS = ["team", "recent", "expected", "exposure", "own"]


def service_wide_rise(teams: pd.DataFrame, team_count: int, thresholds: dict[str, Any],
                      rest_rising: Callable[[pd.DataFrame], bool]) -> bool:
    """Whether a rise the service shows as a whole is service-wide (see the module); `rest_rising` judges the teams
    left when the leading ones are set aside."""
    rose = teams_risen(teams)
    if not is_service_wide(len(rose), team_count, thresholds):
        return False
    own = teams[teams["own"].astype(bool)]
    if is_service_wide(len(own), team_count, thresholds):
        return True
    excess = teams["recent"] - teams["expected"]
    leading = own if not own.empty else teams.loc[[excess.idxmax()]]
    return not held_by(leading, teams, thresholds) or rest_rising(teams.drop(index=leading.index))


def teams_risen(teams: pd.DataFrame) -> pd.DataFrame:
    """The teams a rise is on: at least one more than their own earlier rate gives over the recent months. A team
    with one mention where its earlier rate gives 0.9 has not risen, and does not make a rise the service's."""
    return teams[teams["recent"] >= teams["expected"] + 1]


def held_by(leading: pd.DataFrame, teams: pd.DataFrame, thresholds: dict[str, Any]) -> bool:
    """Whether the leading teams hold more of the recent count than their share of the exposure would give them by
    chance."""
    total, held = float(teams["recent"].sum()), float(leading["recent"].sum())
    share = min(float(leading["exposure"].sum()), 1.0)
    if total <= 0 or held <= 0:
        return False
    return bool(binom_sf(held - 1, total, share) <= thresholds["emerging_theme_max_chance"])
