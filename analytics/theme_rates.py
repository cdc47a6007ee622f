"""How a theme moves at a place: its share of what people wrote recently against before, and the emerging rule.

A theme is emerging at a place when, in complaints or in feedback, its share of the texts there in the last
`emerging_recent_months` months is at least `emerging_theme_ratio` times its share before, on at least
`emerging_theme_min_mentions` recent mentions, and more than chance would give (a one-sided binomial test at
`emerging_theme_max_chance`). Its trend says the same: a theme emerging anywhere in view is never "stable".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from .scope import month_start, months_back, period_label


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
    """Per place (`keys`) and theme: recent and earlier mentions, their share of all texts there, and the ratio."""
    recent = window.is_recent(texts["month"])
    flagged = texts[[*keys, "theme"]].assign(recent=recent, earlier=~recent, everywhere="")
    by = list(keys) or ["everywhere"]
    totals = flagged.groupby(by)[["recent", "earlier"]].sum()
    rates = (flagged.dropna(subset=["theme"]).groupby([*by, "theme"])[["recent", "earlier"]].sum().reset_index()
             .merge(totals.add_suffix("_total").reset_index(), on=by))
    rates["recent_share"] = rates["recent"] / rates["recent_total"].where(rates["recent_total"] > 0)
    rates["earlier_share"] = rates["earlier"] / rates["earlier_total"].where(rates["earlier_total"] > 0)
    # No earlier mention where there were earlier texts: as new as a theme can be.
    rates["ratio"] = np.where((rates["earlier"] == 0) & (rates["earlier_total"] > 0) & (rates["recent"] > 0),
                              np.inf, rates["recent_share"] / rates["earlier_share"])
    return rates.drop(columns="everywhere", errors="ignore")


def is_rising(rates: pd.DataFrame, thresholds: dict[str, Any]) -> pd.Series:
    """The emerging rule: recent share at least `emerging_theme_ratio` times the earlier, on enough mentions,
    and more mentions than the earlier share would give by chance (a one-sided binomial test)."""
    # The earlier share gets one mention and one non-mention added, so a theme new on a handful of texts is not
    # taken to have had no chance of appearing.
    earlier = (rates["earlier"] + 1) / (rates["earlier_total"] + 2)
    by_chance = binom.sf(rates["recent"] - 1, rates["recent_total"], earlier)
    return (rates["recent"] >= thresholds["emerging_theme_min_mentions"]) \
        & (rates["ratio"] >= thresholds["emerging_theme_ratio"]) \
        & (by_chance <= thresholds.get("emerging_theme_max_chance", 0.01))


def emerging_places(texts: pd.DataFrame, window: Window, settings: dict[str, Any]) -> pd.DataFrame:
    """Where each theme is emerging: each team where it meets the rule in complaints or feedback, else its service;
    with the shift, where it meets the rule on one named shift there and is up on no other. Columns theme, service,
    team, shift."""
    columns = ["theme", "service", "team", "shift"]
    if not window.earlier_months:
        return pd.DataFrame(columns=columns)
    thresholds = settings["thresholds"]
    teams = judged(texts, ("service", "team"), window, thresholds)
    teams = teams.loc[teams["meets"], ["theme", "service", "team"]].drop_duplicates()
    services = judged(texts, ("service",), window, thresholds)
    services = services.loc[services["meets"], ["theme", "service"]].drop_duplicates()
    with_teams = teams.set_index(["theme", "service"]).index
    services = services[~services.set_index(["theme", "service"]).index.isin(with_teams)]
    named = texts[texts["shift"].isin(settings["shifts"])]
    shifts = pd.concat([judged(named, ("service", "team", "shift"), window, thresholds),
                        judged(named, ("service", "shift"), window, thresholds).assign(team=None)], ignore_index=True)
    shifts = shifts[shifts["up"]]
    shifts_up = shifts.groupby(["theme", "service", "team"], dropna=False)["shift"].transform("nunique")
    located = shifts.loc[shifts["meets"] & (shifts_up == 1), columns].drop_duplicates()
    places = pd.concat([teams, services.assign(team=None)], ignore_index=True)
    return places.merge(located, on=["theme", "service", "team"], how="left")[columns]


def judged(texts: pd.DataFrame, keys: tuple[str, ...], window: Window, thresholds: dict[str, Any]) -> pd.DataFrame:
    """The rates per source, place and theme, with whether each meets the emerging rule and whether it is up at all."""
    rates = shares_at(texts, ("source", *keys), window)
    return rates.assign(meets=is_rising(rates, thresholds), up=rates["ratio"] >= thresholds["emerging_theme_ratio"])


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
