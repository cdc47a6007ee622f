"""Themes in free text: what each theme holds here, how it is moving, and where it is emerging.

The themes come from the store's model (`theme_store.store_themes`), fitted once per data version on every text in
the store, so the scope only chooses which texts are counted: a filter never renames a theme, and a service's
themes and emerging-theme findings are the same alone or with other services.

A theme is emerging in a team (or a service) when, in complaints or in feedback, its share of what people wrote there
in the last `emerging_recent_months` months is at least `emerging_theme_ratio` times its share before, on at least
`emerging_theme_min_mentions` recent mentions, and more than chance would give (`emerging_theme_max_chance`)
(`theme_rates`). The earlier months of a service start at its own first text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from . import theme_words as words
from .findings import Evidence, Finding, confidence_from_sources, percent
from .key_questions import classify
from .rising_categories import category_findings
from .scope import Scope
from .service_wide import CERTAINTY, SEVERITY
from .theme_model import PRAISE
from .theme_rates import (
    BOTH,
    Window,
    count_up,
    emerging_places,
    is_rising,
    rise_chance,
    share_up,
    shares_at,
    trend,
    up_beside,
)
from .theme_store import TEXT_COLUMNS, store_themes

EXAMPLES = 3
EXAMPLE_LENGTH = 120

_TABLE_COLUMNS = ["theme", "volume", "complaints", "feedback", "category", "category_share", "mean_sentiment",
                  "recent_mentions", "earlier_mentions", "recent_rate", "earlier_rate", "recent_per_month",
                  "earlier_per_month", "trend", "emerging_in", "monthly", "top_teams", "top_shifts", "examples"]
PLACE_COLUMNS = ["theme", "service", "team", "shift"]
MONTH_COLUMNS = ["service", "team", "shift", "theme", "month", "mentions"]


def theme_mentions(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """One row per themed text: source, date, month, service, team, shift, category, theme, text, rating_score."""
    return _themed(con, scope, settings).dropna(subset=["theme"]).reset_index(drop=True)


def theme_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                places: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per theme: volume by source, the provider's commonest category for it (to group themes by),
    sentiment, recent against earlier rate, trend, where it is emerging and concentrated, and examples.
    `places`: `theme_places` for the scope where already worked out (the stored run's), else found here."""
    texts = _themed(con, scope, settings)
    mentions = texts.dropna(subset=["theme"])
    if mentions.empty:
        return pd.DataFrame(columns=_TABLE_COLUMNS)
    thresholds = settings["thresholds"]
    window = _window(texts, scope.end(con), settings)
    overall = shares_at(texts, (), window).set_index("theme")
    emerging = _in_order(places if places is not None else emerging_places(texts, window, settings))
    teams = _concentrations(texts, "team")
    shifts = _concentrations(texts[texts["shift"].isin(settings["shifts"])], "shift")
    rows = []
    for theme, group in mentions.groupby("theme", sort=False):
        rate = overall.loc[theme]
        where = emerging[emerging["theme"] == theme]
        category = group["category"].dropna()
        rows.append({
            "theme": theme, "volume": len(group),
            "complaints": int((group["source"] == "complaints").sum()),
            "feedback": int((group["source"] == "feedback").sum()),
            "category": category.mode().iloc[0] if not category.empty else None,
            "category_share": category.value_counts(normalize=True).iloc[0] if not category.empty else None,
            "mean_sentiment": group["rating_score"].mean(),
            "recent_mentions": int(rate["recent"]), "earlier_mentions": int(rate["earlier"]),
            "recent_rate": rate["recent_share"], "earlier_rate": rate["earlier_share"],
            "recent_per_month": rate["recent"] / window.recent_months,
            "earlier_per_month": rate["earlier"] / window.earlier_months if window.earlier_months else None,
            "trend": trend(rate["ratio"], float(thresholds["emerging_theme_ratio"]), not where.empty),
            "emerging_in": _places_text(where),
            "monthly": group.groupby("month").size().sort_index().to_dict(),
            "top_teams": teams.get(theme, ""),
            "top_shifts": shifts.get(theme, ""),
            "examples": _examples(group),
        })
    return pd.DataFrame(rows, columns=_TABLE_COLUMNS).sort_values("volume", ascending=False, ignore_index=True)


def theme_places(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Where each theme is emerging in the scope (theme_rates.emerging_places), as the theme table reads it: columns
    theme, service, team, shift. Each place is one service's, judged on that service's texts alone, so the places of
    several services are those of each."""
    texts = _themed(con, scope, settings)
    if texts["theme"].isna().all():
        return pd.DataFrame(columns=PLACE_COLUMNS)
    return emerging_places(texts, _window(texts, scope.end(con), settings), settings)[PLACE_COLUMNS]


def theme_months(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """How many texts of each theme each team's shift had each month: columns service, team, shift, theme, month,
    mentions (a place missing where the text names none)."""
    mentions = theme_mentions(con, scope, settings)
    return mentions.groupby(MONTH_COLUMNS[:-1], dropna=False, sort=True).size().rename("mentions") \
        .reset_index()[MONTH_COLUMNS].astype({"mentions": "int64"})


def _window(texts: pd.DataFrame, end: date, settings: dict[str, Any]) -> Window:
    """The last `emerging_recent_months` months to `end`, and the months before them back to the first text."""
    return Window.of(texts, end, int(settings["thresholds"]["emerging_recent_months"]))


def _in_order(places: pd.DataFrame) -> pd.DataFrame:
    """Places by service, a service-wide place first, then teams and shifts by name: the same order whether they
    were found for several services at once or read back a service at a time."""
    return places.sort_values(["service", "team", "shift"], na_position="first", kind="stable")


def theme_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """Emerging themes: each complaint category rising on a team or across a service (the provider's own reading,
    `rising_categories`), and each theme of the texts rising clearly in a team, or across a service
    (`theme_rates.emerging_places`). One finding per subject and place: a text theme about a category already found
    rising at the place is left out where the category rose service-wide; where the category rose at the theme's
    place, a theme named after it stands for it (the theme holds complaints and comments alike), and a theme named
    otherwise ("Visits are late" for complaints filed under Communication) adds its evidence to the category's
    finding, which keeps the provider's name for what rose."""
    categories = category_findings(con, scope, settings)
    themes = _text_theme_findings(con, scope, settings)
    wide = {(f.service, f.subject) for f in categories if f.team is None}
    themes = [(f, category, told) for f, category, told in themes
              if f.team is None or (f.service, category) not in wide]
    named = {(f.service, f.team, category) for f, category, _ in themes if _named_after(f.subject, category)}
    rose = {(f.service, f.team, f.subject): i for i, f in enumerate(categories)}
    kept = []
    for theme, category, told in themes:
        at = (theme.service, theme.team, category)
        if at in rose and at not in named:
            categories[rose[at]] = _with_theme(categories[rose[at]], theme, told())
        else:
            kept.append(theme)
    return [f for f in categories if (f.service, f.team, f.subject) not in named] + kept


def _named_after(theme: str, category: str | None) -> bool:
    """Whether a theme's name is the category's ("Call times: call was an hour late")."""
    return bool(category) and (theme == category or theme.startswith(f"{category}: "))


def _with_theme(category: Finding, theme: Finding, told: Finding | None = None) -> Finding:
    """A rising category's finding with the evidence of a text theme rising with it at its place: the more serious
    status and the surer confidence of the two; a category on too few complaints alone takes the theme's, whose
    mentions are enough. `told`: the theme's finding as the category's summary goes on to tell it (without a
    second chance for the complaints, which the category's own test has given), where not `theme`."""
    told = told or theme
    if category.status == "not_enough_evidence" and theme.status != "not_enough_evidence":
        category = replace(category, status=theme.status, summary=category.summary.split("): ", 1)[-1])
    return replace(category, status=min(category.status, theme.status, key=SEVERITY.index),
                   confidence=min(category.confidence, theme.confidence, key=CERTAINTY.index),
                   summary=f"{category.summary} {told.summary}", evidence=category.evidence + theme.evidence)


def _text_theme_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]
                         ) -> list[tuple[Finding, str | None, Callable[[], Finding]]]:
    """Each text theme rising clearly in a team, or a service where no team stands out, with the complaint category
    commonest in the theme there, and how to tell it within that category's finding (`_finding` with the complaints'
    chance left to the category's). Each service is judged on its own texts, from its own first month."""
    texts = _themed(con, scope, settings)
    end = scope.end(con)
    readable: dict[str, tuple[pd.DataFrame, Window]] = {}
    for service, own in texts.dropna(subset=["service"]).groupby("service", sort=True):
        window = _window(own, end, settings)
        if not own["theme"].isna().all() and window.earlier_months:
            readable[service] = own.reset_index(drop=True), window
    if not readable:
        return []
    # The rule reads only the recent months, the same for every service, and each place's own texts: so every
    # service is judged in one pass, as each would be on its own (a service's earlier months start at its own first).
    together = pd.concat([own for own, _ in readable.values()], ignore_index=True)
    every_place = emerging_places(together, _window(together, end, settings), settings)
    found: list[tuple[Finding, str | None, Callable[[], Finding]]] = []
    for service, (own, window) in readable.items():
        places = every_place[every_place["service"] == service]
        if places.empty:
            continue
        local = _Places(own)
        categories = own.dropna(subset=["theme", "category"]).groupby("theme")["category"] \
            .agg(lambda values: values.mode().iloc[0])
        found += [(_finding(own, place, window, settings, local),
                   _category_at(local, place, window) or categories.get(place.theme),
                   partial(_finding, own, place, window, settings, local, ("complaints",)))
                  for place in places.itertuples(index=False)]
    return found


def _category_at(places: _Places, place: Any, window: Window) -> str | None:
    """The category most of the theme's recent complaints at the place were filed under (None without any): what
    the theme is about there, whatever it is mostly about elsewhere."""
    where = {"service": place.service, **({"team": place.team} if isinstance(place.team, str) else {})}
    texts = places.at(where)
    filed = texts.loc[(texts["theme"] == place.theme) & window.is_recent(texts["month"]), "category"].dropna()
    return str(filed.mode().iloc[0]) if not filed.empty else None


class _Places:
    """The texts of each place, found by one grouping per set of columns rather than a scan per place."""

    def __init__(self, texts: pd.DataFrame) -> None:
        self.texts = texts
        self._positions: dict[tuple[str, ...], dict] = {}

    def at(self, where: dict[str, str]) -> pd.DataFrame:
        """`_at(texts, where)`."""
        columns = tuple(where)
        if columns not in self._positions:
            self._positions[columns] = self.texts.groupby(list(columns), sort=False).indices
        key = tuple(where.values())
        positions = self._positions[columns].get(key[0] if len(key) == 1 else key)
        return self.texts.iloc[positions if positions is not None else []]


def _themed(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Every informative text in scope up to its end, with its theme from the store's model (None where it has no
    word the themes know)."""
    end = scope.end(con)
    texts = store_themes(con, settings, scope.services)
    if end is None or texts.empty:
        return pd.DataFrame(columns=[*TEXT_COLUMNS, "theme"])
    kept = texts["date"] <= pd.Timestamp(end)
    if scope.services is not None:
        kept &= texts["service"].isin(scope.services)
    return texts[kept].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------- table parts


def _places_text(places: pd.DataFrame) -> str:
    """Where a theme is emerging, for the table: "Town Team (Riverside Homecare); Oakwood House"."""
    return "; ".join(" ".join(filter(None, (f"{p.team} ({p.service})" if p.team else p.service,
                                            f"{p.shift} shifts" if isinstance(p.shift, str) else None)))
                     for p in places.itertuples(index=False))


def _concentrations(texts: pd.DataFrame, column: str, top: int = 2) -> dict[str, str]:
    """Per theme, where it is over-represented: up to `top` places with the most mentions above their fair share
    (the places' text counts found once for every theme)."""
    places = texts.groupby(["service", column]).size()
    of_texts = (places / places.sum()).to_numpy()
    by_theme = texts.groupby(["theme", "service", column]).size()
    if by_theme.empty:
        return {}
    table = by_theme.unstack(["service", column], fill_value=0).reindex(columns=places.index, fill_value=0)
    found = {}
    for theme, counts in zip(table.index, table.to_numpy()):
        mentions = counts.sum()
        excess = counts - of_texts * mentions
        order = [i for i in np.argsort(-excess, kind="stable") if excess[i] > 0][:top]
        found[theme] = "; ".join(f"{places.index[i][1]} ({places.index[i][0]}): {percent(counts[i] / max(mentions, 1))}"
                                 f" of mentions, {percent(of_texts[i])} of texts" for i in order)
    return found


def _examples(group: pd.DataFrame) -> list[str]:
    """Two or three short, different texts from the theme, the most recent first."""
    texts = group.sort_values("date", ascending=False)["text"].str.strip()
    short = texts[texts.str.len() <= EXAMPLE_LENGTH].drop_duplicates()
    return (short if len(short) >= 2 else texts.drop_duplicates().str.slice(0, EXAMPLE_LENGTH)).head(EXAMPLES).tolist()


# ----------------------------------------------------------------------------------------------- findings


def _finding(texts: pd.DataFrame, place: Any, window: Window, settings: dict[str, Any],
             places: _Places | None = None, unquoted: tuple[str, ...] = ()) -> Finding:
    """The emerging_theme finding for one theme in one team (or service), with the evidence of each source; its
    summary quotes no chance for the `unquoted` sources."""
    thresholds = settings["thresholds"]
    theme = place.theme
    where = {"service": place.service, **({"team": place.team} if isinstance(place.team, str) else {})}
    shift = place.shift if isinstance(place.shift, str) else None
    at = places.at if places is not None else lambda where: _at(texts, where)
    local = at(where)
    by_source = _judged(local, theme, window, thresholds)
    # The sources whose rise meets the rule on its own; a source merely up, as chance could leave it, is told beside
    # them, not counted as agreeing. A team's theme can meet the rule only on its complaints and comments read
    # together (theme_rates._together): then the sources up are the rise, and that reading's chance is the one quoted.
    rising = by_source[by_source["meets"]]
    together = None
    if rising.empty:
        rising = by_source[up_beside(by_source, window, thresholds)]
        together = _judged(local.assign(source=BOTH), theme, window, thresholds)
    recent = local[(local["theme"] == theme) & window.is_recent(local["month"])]
    rating = recent["rating_score"].mean()
    # Complaints are negative by nature; feedback says how it feels through its ratings.
    negative = rating < thresholds["feedback_good_score"] if not np.isnan(rating) else \
        bool((recent["source"] == "complaints").any())
    summary = words.summary(theme, where, shift, by_source, rising.index, rating, window, together, unquoted)
    evidence = tuple(words.share_evidence(source, rate, where, theme, window,
                                          words.rise_test(rate, together, source in rising.index))
                     for source, rate in by_source.iterrows())
    if shift:
        on_shift = _judged(at({**where, "shift": shift}), theme, window, thresholds)
        evidence += tuple(words.share_evidence(source, rate, {**where, "shift": shift}, theme, window,
                                               words.rise_test(rate))
                          for source, rate in on_shift.loc[rising.index.intersection(on_shift.index)].iterrows())
    if not np.isnan(rating):
        evidence += (Evidence(source="feedback", measure="mean rating of the theme's recent comments",
                              value=float(rating), comparison=float(thresholds["feedback_good_score"]),
                              period=window.recent_label,
                              rows=f"feedback{words.filters_text(where)}, feedback_date {window.recent_start} to "
                                   f"{window.end}, comment in theme '{theme}'",
                              detail=f"{int(recent['rating_score'].notna().sum())} rated comments"),)
    category = recent["category"].dropna()
    key_question = (classify(category.mode().iloc[0] if not category.empty else None, settings["key_questions"])
                    or classify(theme, settings["key_questions"]))
    return Finding(
        kind="emerging_theme", service=place.service, team=where.get("team"), shift=shift,
        key_question=key_question[0] if key_question else None,
        quality_statement=key_question[1] if key_question else None,
        subject=theme, status=_status(theme, negative),
        confidence=confidence_from_sources(set(rising.index), agree=True), period_start=window.recent_start,
        period_end=window.end, summary=summary, evidence=evidence)


def _status(theme: str, negative: bool) -> str:
    """Rising praise, rated well, is good news; a rising problem is a concern, or fragile where ratings hold up."""
    if negative:
        return "concern"
    return "strong" if theme.startswith(PRAISE) else "fragile"


def _of_theme(rates: pd.DataFrame, theme: str) -> pd.DataFrame:
    """The rates of one theme (`rates.query("theme == @theme")` without the expression engine)."""
    return rates[rates["theme"] == theme]


def _judged(texts: pd.DataFrame, theme: str, window: Window, thresholds: dict[str, Any]) -> pd.DataFrame:
    """The theme's rates per source of the texts, indexed by source, with the chance of each rise and whether it
    meets the emerging rule on its own."""
    rates = _of_theme(shares_at(texts, ("source",), window), theme).set_index("source")
    by_count = count_up(rates, window, thresholds) & ~share_up(rates, thresholds)
    chance = rise_chance(rates)
    return rates.assign(chance=chance, meets=is_rising(rates, thresholds, chance), by_count=by_count)


def _at(texts: pd.DataFrame, where: dict[str, str]) -> pd.DataFrame:
    """The texts of one place: a service, a team of it, or a shift of that team."""
    return texts[(texts[list(where)] == pd.Series(where)).all(axis=1)]
