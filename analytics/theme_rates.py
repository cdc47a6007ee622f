"""How a theme moves at a place: its share of what people wrote recently against before, and the emerging rule.

A theme is emerging at a place when, in complaints, in feedback or (for a team) in both read together, its share
of the texts there in the last `emerging_recent_months` months is at least `emerging_theme_ratio` times its share
before, on at least `emerging_theme_min_mentions` recent mentions, and more than chance would give (a one-sided
binomial test at `emerging_theme_max_chance`). Read together, 2 complaints and 4 comments on laundry in a team that
had none are six recent mentions, as a person reading both would count them, where each source alone is short of
the floor; each source must mention the theme recently and be up, complaints by their share or by how often they
come a month. It emerges across a service, rather than on the teams where it meets the rule, where the service meets
it and the rise is the service's (`rise_spread`, as for complaint categories). Its trend says the
same: a theme emerging anywhere in view is never "stable".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from .distributions import binom_sf
from .rise_spread import service_wide_rise
from .scope import month_start, months_back, period_label

BOTH = "complaints and feedback"  # a team's texts of both sources read together


@dataclass(frozen=True)
class Window:
    """The recent months and the months before them, back to the first text."""

    first: date
    recent_start: date
    end: date
    recent_months: int
    earlier_months: int

    @staticmethod
    def of(texts: pd.DataFrame, end: date, recent_months: int) -> Window:
        recent_start = months_back(end, recent_months - 1)
        first = min(month_start(texts["month"].min().date()), recent_start)
        earlier = (recent_start.year - first.year) * 12 + recent_start.month - first.month
        return Window(first, recent_start, end, recent_months, earlier)

    def is_recent(self, months: pd.Series) -> pd.Series:
        """True for the months in the recent window."""
        return months >= pd.Timestamp(self.recent_start)

    @property
    def recent_label(self) -> str:
        return period_label(self.recent_start, self.end)

    @property
    def earlier_label(self) -> str:
        return period_label(self.first, self.recent_start - timedelta(days=1))


def shares_at(texts: pd.DataFrame, keys: tuple[str, ...], window: Window) -> pd.DataFrame:
    """Per place (`keys`) and theme: recent and earlier mentions, their share of all texts there, and the ratio.
    Rows in the order of the places and then the themes; texts with a place missing left out."""
    recent = window.is_recent(texts["month"]).to_numpy(dtype=bool)
    # Counted with bincount over place and theme codes: a page judges six groupings at once, and pandas' groupby
    # and merge per grouping cost more than the counting.
    place = texts.groupby(list(keys), sort=True, dropna=True).ngroup().fillna(-1).to_numpy(dtype=np.int64) \
        if keys else np.zeros(len(texts), dtype=np.int64)
    theme_code, themes = pd.factorize(texts["theme"], sort=True, use_na_sentinel=True)
    places = int(place.max()) + 1 if len(place) else 0
    placed = place >= 0
    recent_total = np.bincount(place[placed], weights=recent[placed], minlength=places).astype(np.int64)
    all_total = np.bincount(place[placed], minlength=places).astype(np.int64)
    themed, stride = placed & (theme_code >= 0), max(len(themes), 1)
    pair = place[themed] * stride + theme_code[themed]
    pairs, first, counts = np.unique(pair, return_index=True, return_counts=True)
    recent_count = np.bincount(np.searchsorted(pairs, pair), weights=recent[themed],
                               minlength=len(pairs)).astype(np.int64)
    at_place, of_theme = pairs // stride, pairs % stride
    rows = np.flatnonzero(themed)[first]
    rates = pd.DataFrame({**{key: texts[key].to_numpy()[rows] for key in keys},
                          "theme": np.asarray(themes, dtype=object)[of_theme],
                          "recent": recent_count, "earlier": counts - recent_count,
                          "recent_total": recent_total[at_place],
                          "earlier_total": all_total[at_place] - recent_total[at_place]})
    rates["recent_share"] = rates["recent"] / rates["recent_total"].where(rates["recent_total"] > 0)
    rates["earlier_share"] = rates["earlier"] / rates["earlier_total"].where(rates["earlier_total"] > 0)
    rates["ratio"] = share_ratio(rates)
    return rates


def share_ratio(rates: pd.DataFrame) -> np.ndarray:
    """The recent share of the texts over the earlier share; infinite where a theme with no earlier mention among
    earlier texts is mentioned now (as new as a theme can be)."""
    recent = rates["recent"] / rates["recent_total"].where(rates["recent_total"] > 0)
    earlier = rates["earlier"] / rates["earlier_total"].where(rates["earlier_total"] > 0)
    return np.where((rates["earlier"] == 0) & (rates["earlier_total"] > 0) & (rates["recent"] > 0), np.inf,
                    recent / earlier)


def is_rising(rates: pd.DataFrame, thresholds: dict[str, Any], chance: pd.Series | None = None) -> pd.Series:
    """The emerging rule: recent share at least `emerging_theme_ratio` times the earlier, on enough mentions,
    and more mentions than the earlier share would give by chance (a one-sided binomial test; `chance`, the rates'
    `rise_chance`, where the caller has it already)."""
    chance = rise_chance(rates) if chance is None else chance
    return (rates["recent"] >= thresholds["emerging_theme_min_mentions"]) & share_up(rates, thresholds) \
        & (chance <= thresholds.get("emerging_theme_max_chance", 0.01))


def share_up(rates: pd.DataFrame, thresholds: dict[str, Any]) -> pd.Series:
    """The theme's recent share of the texts at least `emerging_theme_ratio` times its earlier share."""
    return rates["ratio"] >= thresholds["emerging_theme_ratio"]


def rise_chance(rates: pd.DataFrame) -> pd.Series:
    """How often the earlier share alone would give at least the recent mentions among the recent texts (a
    one-sided binomial test): the chance the emerging rule judges, and the one its findings quote."""
    # The earlier share gets one mention and one non-mention added, so a theme new on a handful of texts is not
    # taken to have had no chance of appearing.
    earlier = (rates["earlier"] + 1) / (rates["earlier_total"] + 2)
    return pd.Series(binom_sf(rates["recent"] - 1, rates["recent_total"], earlier), index=rates.index)


def up_beside(rates: pd.DataFrame, window: Window, thresholds: dict[str, Any]) -> pd.Series:
    """Whether a source's mentions of a theme are up, as reading a team's two sources together asks of each: its
    share of the texts up by `emerging_theme_ratio`, or, for complaints, its mentions a month up by as much. A team
    whose 3 complaints in two years were all about staff attitude and whose 5 in four months include 4 about it has
    the theme more often, though its share of the complaints fell: complaints are what rises."""
    return share_up(rates, thresholds) | count_up(rates, window, thresholds)


def count_up(rates: pd.DataFrame, window: Window, thresholds: dict[str, Any]) -> pd.Series:
    """Complaints about the theme a month, recent against earlier, up by `emerging_theme_ratio` (never feedback,
    whose volume follows the surveys sent)."""
    source = rates["source"] if "source" in rates else rates.index.to_series(index=rates.index)
    recent, earlier = a_month(rates, window)
    up = (recent > 0) & ((earlier == 0) | (recent >= thresholds["emerging_theme_ratio"] * earlier))
    return (source == "complaints") & up


def a_month(rates: pd.DataFrame | pd.Series, window: Window) -> tuple[Any, Any]:
    """The theme's mentions a month, recent and earlier."""
    return rates["recent"] / window.recent_months, rates["earlier"] / max(window.earlier_months, 1)


def emerging_places(texts: pd.DataFrame, window: Window, settings: dict[str, Any]) -> pd.DataFrame:
    """Where each theme is emerging: its service, where it meets the rule in complaints or feedback there and the
    rise is the service's (`rise_spread`), else each team where it meets the rule; with the shift, where it meets
    the rule on one named shift there and is up on no other. Columns theme, service, team, shift."""
    columns = ["theme", "service", "team", "shift"]
    if not window.earlier_months:
        return pd.DataFrame(columns=columns)
    thresholds = settings["thresholds"]
    teams = judged(texts, ("service", "team"), window, thresholds)
    services = judged(texts, ("service",), window, thresholds)
    wide = _service_wide(texts, teams, services[services["meets"]], window, thresholds)
    teams = pd.concat([teams, _together(texts, teams, window, thresholds)])
    teams = teams.loc[teams["meets"], ["theme", "service", "team"]].drop_duplicates()
    teams = teams[~teams.set_index(["theme", "service"]).index.isin(wide.set_index(["theme", "service"]).index)]
    named = texts[texts["shift"].isin(settings["shifts"])]
    shifts = pd.concat([judged(named, ("service", "team", "shift"), window, thresholds),
                        judged(named, ("service", "shift"), window, thresholds).assign(team=None)], ignore_index=True)
    shifts = shifts[shifts["up"]]
    shifts_up = shifts.groupby(["theme", "service", "team"], dropna=False)["shift"].transform("nunique")
    located = shifts.loc[shifts["meets"] & (shifts_up == 1), columns].drop_duplicates()
    places = pd.concat([teams, wide.assign(team=None)], ignore_index=True)
    return places.merge(located, on=["theme", "service", "team"], how="left")[columns]


def _together(texts: pd.DataFrame, teams: pd.DataFrame, window: Window, thresholds: dict[str, Any]) -> pd.DataFrame:
    """A team's complaints and comments read together, for a theme mentioned recently in both and up (`up_beside`)
    in each: a rise in both, not one source's rise carried by the other's volume (a surge of complaints of every
    kind makes any theme of them a larger share of the two read together)."""
    both = judged(texts.assign(source=BOTH), ("service", "team"), window, thresholds)
    keys = ["service", "team", "theme"]
    rising = teams[(teams["recent"] > 0) & up_beside(teams, window, thresholds)]
    in_both = rising.groupby(keys, dropna=False)["source"].nunique()
    in_both = in_both[in_both == 2]
    return both[both.set_index(keys).index.isin(in_both.index)]


def _service_wide(texts: pd.DataFrame, teams: pd.DataFrame, services: pd.DataFrame, window: Window,
                  thresholds: dict[str, Any]) -> pd.DataFrame:
    """The (theme, service) pairs meeting the rule over the service whose rise is the service's in each source
    meeting it there: a theme mixing one team's comments with another's complaints is those teams'."""
    recent = window.is_recent(texts["month"])
    team_count = texts[recent & texts["team"].notna()].groupby(["source", "service"])["team"].nunique()
    wide = []
    for row in services.itertuples(index=False):
        on_teams = teams[(teams["source"] == row.source) & (teams["service"] == row.service)
                         & (teams["theme"] == row.theme) & teams["team"].notna()]
        # How many comments a team gets is its exposure; complaints are what rises, so each team counts alike.
        exposure = on_teams["recent_total"] / max(row.recent_total, 1) if row.source == "feedback" else \
            1 / max(int(team_count.get((row.source, row.service), 0)), 1)
        spread = on_teams.assign(expected=on_teams["earlier_share"].fillna(0) * on_teams["recent_total"],
                                 exposure=exposure, own=on_teams["meets"])
        wide.append((row.theme, row.service, service_wide_rise(
            spread, int(team_count.get((row.source, row.service), 0)), thresholds,
            lambda rest, r=row, t=on_teams: _rest_rising(rest, t, r, thresholds))))
    wide = pd.DataFrame(wide, columns=["theme", "service", "wide"]).groupby(["theme", "service"], as_index=False)
    wide = wide["wide"].all()
    return wide.loc[wide["wide"], ["theme", "service"]]


def _rest_rising(rest: pd.DataFrame, on_teams: pd.DataFrame, service: Any, thresholds: dict[str, Any]) -> bool:
    """Whether the service's texts without the leading teams' (those of `on_teams` not in `rest`) rise by the
    emerging rule, less its floor of mentions, which is for a finding of its own."""
    gone = on_teams.drop(index=rest.index)
    left = pd.DataFrame([{column: getattr(service, column) - gone[column].sum()
                          for column in ("recent", "earlier", "recent_total", "earlier_total")}])
    left["ratio"] = share_ratio(left)
    return bool(is_rising(left, {**thresholds, "emerging_theme_min_mentions": 0}).iloc[0])


def judged(texts: pd.DataFrame, keys: tuple[str, ...], window: Window, thresholds: dict[str, Any]) -> pd.DataFrame:
    """The rates per source, place and theme, with whether each meets the emerging rule and whether it is up at all."""
    rates = shares_at(texts, ("source", *keys), window)
    return rates.assign(meets=is_rising(rates, thresholds), up=share_up(rates, thresholds))


def trend(ratio: float, rising: float, emerging: bool = False) -> str:
    """Emerging where the theme meets the emerging rule somewhere in view; else rising, falling or stable by the
    recent-to-earlier ratio, and new when it had no earlier mention."""
    if emerging:
        return "emerging"
    if np.isnan(ratio):
        return "stable"
    if np.isinf(ratio):
        return "new"
    return "rising" if ratio >= rising else "falling" if ratio <= 1 / rising else "stable"
