"""How an emerging theme's rise is told: its shares of each source's texts in words, how often chance would give
the rise (the test analytics.theme_rates judges), and the evidence rows a reader can check (analytics.themes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .findings import Evidence, chance_words, percent
from .measures import DATE_COLUMNS
from .rising_categories import rise_words
from .theme_rates import BOTH, Window, a_month

SOURCE_WORDS = {"complaints": "complaints", "feedback": "feedback comments", BOTH: "complaints and feedback comments"}
_TEXT_COLUMN = {"complaints": "summary", "feedback": "comment"}


def summary(theme: str, where: dict[str, str], shift: str | None, by_source: pd.DataFrame, rising: pd.Index,
             rating: float, window: Window, together: pd.DataFrame | None = None, unquoted: tuple[str, ...] = ()
             ) -> str:
    """One sentence: which sources rise about the theme where, by how much and how far beyond chance, and how
    comments on it rate."""
    place = f"in {where['team']} at {where['service']}" if "team" in where else f"across {where['service']}"
    return (f"{' and '.join(SOURCE_WORDS[s] for s in rising).capitalize()} about '{theme}' are rising {place}"
            f"{f', most of all on {shift} shifts' if shift else ''}: "
            + " and ".join(share_phrase(source, by_source.loc[source], window) for source in rising)
            + chance_clause(by_source.loc[rising], together, window, unquoted)
            + "".join(f", while {SOURCE_WORDS[source]} on it make {percent(rate['recent_share'])} against "
                      f"{percent(as_float(rate['earlier_share']))} before"
                      for source, rate in by_source.drop(index=rising).iterrows())
            + (f"; comments on it rate {percent(rating)} on average." if not np.isnan(rating) else "."))


def filters_text(where: dict[str, str]) -> str:
    return "".join(f", {key} = '{value}'" for key, value in where.items())


def chance_clause(rising: pd.DataFrame, together: pd.DataFrame | None, window: Window,
                   unquoted: tuple[str, ...] = ()) -> str:
    """How far beyond chance the rise judged is: each rising source's (but the `unquoted`), or, where the rule was
    met only on both read together, theirs (unless a source of them is unquoted)."""
    if together is not None and not together.empty:
        if unquoted:
            return ""
        rate = together.iloc[0]
        return (f"; read together, {share_phrase(BOTH, rate, window)}, and at the earlier share "
                f"{rise_words(rate['chance'])}")
    if len(rising) == 1 and not unquoted:
        return f"; at the earlier share, {rise_words(rising['chance'].iloc[0])}"
    quoted = rising.drop(index=list(unquoted), errors="ignore")
    if quoted.empty:
        return ""
    (first, rate), *others = quoted.iterrows()
    return (f"; at the earlier share{'s' if others else ''}, {rise_words(rate['chance'])} in "
            f"{SOURCE_WORDS[first]}"
            + "".join(f" and {chance_words(rate['chance'])} in {SOURCE_WORDS[source]}" for source, rate in others))


def rise_test(rate: pd.Series, together: pd.DataFrame | None = None, judged: bool = True) -> str:
    """How often chance gives a source's rise (`rate`), as its evidence says it; where the rule was met only on
    both sources read together, that reading's counts and chance instead. Nothing for a source not judged."""
    test = "one-sided binomial test of the recent mentions at the earlier share (one mention and one non-mention " \
           "added to it)"
    if not judged:
        return ""
    if together is not None and not together.empty:
        both = together.iloc[0]
        return (f"; read with the other source's texts, {int(both['recent'])} of {int(both['recent_total'])} "
                f"recently and {int(both['earlier'])} of {int(both['earlier_total'])} before, {test}: "
                f"{rise_words(both['chance'])}")
    return f"; {test}: {rise_words(rate['chance'])}"


def share_evidence(source: str, rate: pd.Series, where: dict[str, str], theme: str, window: Window,
                    test: str = "") -> Evidence:
    """The theme's share of one source's texts at a place, recent against earlier, and the `test` of its rise."""
    return Evidence(
        source=source, measure=f"share of {SOURCE_WORDS[source]} in the theme", value=float(rate["recent_share"]),
        comparison=as_float(rate["earlier_share"]), period=f"{window.recent_label} against {window.earlier_label}",
        rows=f"{source}{filters_text(where)}, {DATE_COLUMNS[source]} {window.first} to {window.end}, "
             f"{_TEXT_COLUMN[source]} in theme '{theme}'",
        detail=f"{int(rate['recent'])} of {int(rate['recent_total'])} in the last {window.recent_months} months; "
               f"{int(rate['earlier'])} of {int(rate['earlier_total'])} before{_a_month(rate, window)}{test}")


def _a_month(rate: pd.Series, window: Window) -> str:
    """For complaints up a month but not as a share (`by_count`), their rates a month, which are what rose."""
    if not rate.get("by_count", False):
        return ""
    recent, earlier = a_month(rate, window)
    return f" ({recent:.1f} a month against {earlier:.1f})"


def share_phrase(source: str, rate: pd.Series, window: Window) -> str:
    """E.g. "12 of 16 complaints in Jul 2026 to Oct 2026 (75%), against 1 of 6 (17%) in the 14 months before"; for
    complaints up a month but not as a share (`by_count`), "4 complaints in ..., against 3 in the 27 months before"."""
    if rate.get("by_count", False):
        return (f"{int(rate['recent'])} {SOURCE_WORDS[source]} in {window.recent_label}, against "
                f"{int(rate['earlier'])} in the {window.earlier_months} months before")
    return (f"{int(rate['recent'])} of {int(rate['recent_total'])} {SOURCE_WORDS[source]} in {window.recent_label} "
            f"({percent(rate['recent_share'])}), against {int(rate['earlier'])} of {int(rate['earlier_total'])} "
            f"({percent(as_float(rate['earlier_share']))}) in the {window.earlier_months} months before")


def as_float(value: float) -> float | None:
    return None if pd.isna(value) else float(value)
