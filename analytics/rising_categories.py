"""Complaint categories rising: the provider's own reading of its complaints, compared recent against earlier.

A category is rising at a place (a team, or a whole service) when its complaints in the last
`emerging_recent_months` complete months are more than chance would give at its earlier monthly rate (an exact
Poisson comparison: given the category's complaints in both periods, the recent count is binomial with the recent
months' share of the months, one-sided chance at most `emerging_theme_max_chance`), and its monthly rate is at
least `emerging_theme_ratio` times the earlier. Where the place's other complaints rose beyond chance too, its count
must have risen that many times more than theirs (the odds ratio of its share), and beyond what chance gives at the
share of the others that came recently (`share_chance`; where the others had none before, there is no mix to
compare with). So a month when every kind of complaint surges is not read as one category emerging (five laundry
complaints among 54, where there were none among 24), while a category already most of the complaints can still be
seen to rise.

A category rising across a service is one service-wide finding naming the teams it rose on: the service's count
rises beyond chance and the rise is the service's, not a few teams' (`rise_spread`: up on a service-wide share of
the teams, `service_wide_share_of_teams`, and not held by the teams rising on their own, or by the one with the
largest rise, beyond an even spread, unless the other teams rise too). Otherwise each team where it rises is a
finding. Below `emerging_theme_min_mentions` recent complaints, the floor a text theme needs, it is limited
evidence, a pointer rather than a concern.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .distributions import binom_sf
from .findings import Evidence, Finding, chance_words, limited, percent
from .key_questions import classify
from .measures import monthly
from .rise_spread import service_wide_rise, teams_risen
from .scope import Scope, month_end, months_back, period_label

PLACE = ["service", "team"]
COLUMNS = ["service", "team", "category", "recent", "earlier", "recent_total", "earlier_total", "recent_months",
           "earlier_months", "chance", "by_share", "rising"]


def rising_chance(recent: np.ndarray, earlier: np.ndarray, recent_months: float | np.ndarray,
                  earlier_months: float | np.ndarray) -> np.ndarray:
    """The chance of at least `recent` of the recent + earlier complaints falling in the recent months if the
    monthly rate never changed (the exact conditional test of two Poisson rates). 1 where there were none.
    `recent_months` and `earlier_months` may be any exposures of the two periods, one per row."""
    recent, earlier = np.asarray(recent, dtype=float), np.asarray(earlier, dtype=float)
    recent_exposure = np.asarray(recent_months, dtype=float)
    share = recent_exposure / (recent_exposure + earlier_months)
    return np.where(recent > 0, binom_sf(recent - 1, recent + earlier, share), 1.0)


def share_chance(recent: np.ndarray, earlier: np.ndarray, recent_total: np.ndarray,
                 earlier_total: np.ndarray) -> np.ndarray:
    """The chance of at least `recent` of the category's complaints falling in the recent months if they came as
    the place's other complaints did: `rising_chance` with the others' complaints as the periods' exposures, half a
    complaint added to each. 1 where there were none."""
    recent, earlier = np.asarray(recent, dtype=float), np.asarray(earlier, dtype=float)
    return rising_chance(recent, earlier, np.asarray(recent_total, dtype=float) - recent + 0.5,
                         np.asarray(earlier_total, dtype=float) - earlier + 0.5)


def share_ratio(recent: np.ndarray, earlier: np.ndarray, recent_total: np.ndarray,
                earlier_total: np.ndarray) -> np.ndarray:
    """How many times more the category's complaints rose than the place's other complaints: its recent count over
    its earlier one, against theirs (the odds ratio of its share, half a complaint added to the others' counts),
    so a category already most of the complaints can still be seen to rise; inf where it had none before."""
    recent, earlier = np.asarray(recent, dtype=float), np.asarray(earlier, dtype=float)
    others = (np.asarray(recent_total, dtype=float) - recent + 0.5) / (np.asarray(earlier_total, dtype=float)
                                                                       - earlier + 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(earlier > 0, recent / np.where(earlier > 0, earlier, 1.0) / others,
                        np.where(recent > 0, np.inf, 0.0))


def rate_ratio(recent: np.ndarray, earlier: np.ndarray, recent_months: int, earlier_months: int) -> np.ndarray:
    """The recent monthly rate over the earlier (inf where there were none before)."""
    recent, earlier = np.asarray(recent, dtype=float), np.asarray(earlier, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(earlier > 0, (recent / recent_months) / np.where(earlier > 0, earlier, 1.0) * earlier_months,
                        np.where(recent > 0, np.inf, 0.0))


def category_rates(counts: pd.DataFrame, keys: list[str], recent_start: date,
                   thresholds: dict[str, Any]) -> pd.DataFrame:
    """Per place (`keys`) and category: complaints in the recent and earlier months, totals, chance and rising."""
    if counts.empty:
        return pd.DataFrame(columns=COLUMNS)
    recent = counts["month"] >= recent_start
    months = counts["month"].drop_duplicates()
    recent_months, earlier_months = int((months >= recent_start).sum()), int((months < recent_start).sum())
    frame = counts.assign(recent=counts["numerator"].where(recent, 0.0),
                          earlier=counts["numerator"].where(~recent, 0.0))
    rates = frame.groupby([*keys, "category"], as_index=False)[["recent", "earlier"]].sum()
    totals = frame.groupby(keys, as_index=False)[["recent", "earlier"]].sum() \
        .rename(columns={"recent": "recent_total", "earlier": "earlier_total"})
    rates = rates.merge(totals, on=keys)
    rates["recent_months"], rates["earlier_months"] = recent_months, earlier_months
    if not recent_months or not earlier_months:
        return rates.assign(chance=1.0, by_share=False, rising=False)
    counts = [rates[column].to_numpy(dtype=float) for column in ("recent", "earlier", "recent_total", "earlier_total")]
    rates["chance"], rates["rising"], rates["by_share"] = rises(*counts, recent_months, earlier_months, thresholds)
    return rates


def rises(recent: np.ndarray, earlier: np.ndarray, recent_total: np.ndarray, earlier_total: np.ndarray,
          recent_months: int, earlier_months: int, thresholds: dict[str, Any]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rule (see the module docstring) for counts of a category and of all complaints at places: the chance
    of its rise, whether it rises, and whether that chance is the one against the others' share (`share_chance`)
    rather than against the category's own monthly rate."""
    ratio, chance = thresholds["emerging_theme_ratio"], thresholds["emerging_theme_max_chance"]
    others_rose = rising_chance(recent_total - recent, earlier_total - earlier, recent_months, earlier_months) <= chance
    by_month = rising_chance(recent, earlier, recent_months, earlier_months)
    # Others with none before show no mix to compare with (nine of twelve complaints new on a quiet team).
    mixed = others_rose & (earlier_total - earlier > 0)
    against_others = share_chance(recent, earlier, recent_total, earlier_total)
    by_share = mixed & (against_others > by_month)
    found = np.where(by_share, against_others, by_month)
    outpaced = np.where(others_rose, share_ratio(recent, earlier, recent_total, earlier_total),
                        rate_ratio(recent, earlier, recent_months, earlier_months)) >= ratio
    return found, (found <= chance) & outpaced, by_share


def rising_categories(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]
                      ) -> tuple[pd.DataFrame, tuple[date, date, date]] | None:
    """The rising categories, one row per finding (team None: service-wide, with the teams it rose on), and the
    window (first month, first recent month, last month); None without complaints."""
    counts = monthly(con, scope, "complaints", by=("service", "team", "category"), settings=settings)
    counts = counts[counts["category"].notna() & (counts["category"].astype(str).str.strip() != "")]
    if counts.empty:
        return None
    thresholds = settings["thresholds"]
    last = counts["month"].max()
    recent_start = months_back(last, int(thresholds["emerging_recent_months"]) - 1)
    window = (counts["month"].min(), recent_start, last)
    teams = category_rates(counts[counts["team"].notna()], PLACE, recent_start, thresholds)
    services = category_rates(counts, ["service"], recent_start, thresholds)
    found = []
    team_count = counts[counts["team"].notna()].groupby("service")["team"].nunique()
    for row in services[services["rising"]].itertuples(index=False):
        on_teams = teams[(teams["service"] == row.service) & (teams["category"] == row.category)]
        spread = on_teams.assign(expected=on_teams["earlier"] * row.recent_months / row.earlier_months,
                                 exposure=1 / max(int(team_count.get(row.service, 0)), 1), own=on_teams["rising"])
        if service_wide_rise(spread, int(team_count.get(row.service, 0)), thresholds,
                             lambda rest, r=row: _rest_rising(rest, r.recent_months, r.earlier_months, thresholds)):
            found.append({**row._asdict(), "team": None, "teams": sorted(teams_risen(spread)["team"])})
    wide = {(f["service"], f["category"]) for f in found}
    for row in teams[teams["rising"]].itertuples(index=False):
        if (row.service, row.category) not in wide:
            found.append({**row._asdict(), "teams": [row.team]})
    return pd.DataFrame(found, columns=[*COLUMNS, "teams"]), window


def team_rises(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> dict[tuple, dict[str, Any]]:
    """By (service, team): the team's clearest complaint category rising on the team itself (its own finding, on at
    least `emerging_theme_min_mentions` recent complaints: a concern, not a pointer), the counts and the months it is
    read over. A rise against a category's own longer past, which a few months either side may be too short to show."""
    found = rising_categories(con, scope, settings)
    if found is None:
        return {}
    rows, (_, recent_start, last) = found
    least = int(settings["thresholds"]["emerging_theme_min_mentions"])
    rows = rows[rows["team"].notna() & (rows["recent"] >= least)].sort_values("chance", kind="stable")
    rises: dict[tuple, dict[str, Any]] = {}
    for row in rows.to_dict("records"):
        rises.setdefault((row["service"], row["team"]), {
            "rising_category": row["category"], "rising_recent": float(row["recent"]),
            "rising_earlier": float(row["earlier"]), "rising_months": period_label(recent_start, month_end(last)),
            "rising_earlier_months": int(row["earlier_months"]), "rising_chance": float(row["chance"])})
    return rises


def _rest_rising(rest: pd.DataFrame, recent_months: int, earlier_months: int, thresholds: dict[str, Any]) -> bool:
    """Whether the teams left, taken together, rise by the rule a place's category rises by."""
    counts = (np.array([float(rest[column].sum())])
              for column in ("recent", "earlier", "recent_total", "earlier_total"))
    return bool(rises(*counts, recent_months, earlier_months, thresholds)[1][0])


def category_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """An emerging_theme finding per rising complaint category, on a team or service-wide."""
    found = rising_categories(con, scope, settings)
    if found is None:
        return []
    rows, window = found
    return [_finding(row, window, settings) for row in rows.to_dict("records")]


def _finding(row: dict[str, Any], window: tuple[date, date, date], settings: dict[str, Any]) -> Finding:
    first, recent_start, last = window
    end = month_end(last)
    recent, earlier = period_label(recent_start, end), period_label(first, recent_start - timedelta(days=1))
    category, team = row["category"], row["team"] if isinstance(row["team"], str) else None
    place = f"in {team} at {row['service']}" if team else f"across {row['service']}"
    teams = "" if team else (f", on {', '.join(row['teams'])}" if row["teams"] else "")
    per_month = row["earlier"] / row["earlier_months"]
    summary = (f"Complaints about '{category}' are rising {place}{teams}: {row['recent']:.0f} of "
               f"{row['recent_total']:.0f} complaints in {recent} ({percent(_share(row, 'recent'))}), against "
               f"{row['earlier']:.0f} of {row['earlier_total']:.0f} ({percent(_share(row, 'earlier'))}) in the "
               f"{row['earlier_months']} months before, {per_month:.2f} a month; {_against(row)}, "
               f"{rise_words(row['chance'])}.")
    rows = (f"complaints: service = {row['service']!r}{f', team = {team!r}' if team else ''}, category = "
            f"{category!r}, received_date {first:%d/%m/%Y} to {end:%d/%m/%Y}")
    evidence = Evidence(
        source="complaints", measure=f"share of complaints about '{category}'", value=_share(row, "recent"),
        comparison=_share(row, "earlier"), period=f"{recent} against {earlier}", rows=rows,
        detail=(f"{row['recent']:.0f} of {row['recent_total']:.0f} in the last {row['recent_months']} months; "
                f"{row['earlier']:.0f} of {row['earlier_total']:.0f} in the {row['earlier_months']} before; "
                f"{_test(row)}: {rise_words(row['chance'])}"))
    key_question = classify(category, settings["key_questions"])
    finding = Finding(
        kind="emerging_theme", service=row["service"], team=team, shift=None,
        key_question=key_question[0] if key_question else None,
        quality_statement=key_question[1] if key_question else None,
        subject=category, status="concern", confidence="limited", period_start=recent_start, period_end=end,
        summary=summary, evidence=(evidence,))
    # A few complaints can rise beyond chance from a near-empty history: below the floor a text theme needs, a pointer.
    least = int(settings["thresholds"]["emerging_theme_min_mentions"])
    if row["recent"] < least:
        return limited(finding, f"{row['recent']:.0f} complaints about it in {recent}, fewer than {least}")
    return finding


def _share(row: dict[str, Any], half: str) -> float | None:
    total = row[f"{half}_total"]
    return float(row[half] / total) if total else None


def _against(row: dict[str, Any]) -> str:
    """What the rise is measured against: the category's own earlier rate, or, where every kind of complaint rose
    and that explains it better, the share of the others that came recently."""
    return "beside the other complaints, which rose too" if row["by_share"] else "at the earlier rate"


def _test(row: dict[str, Any]) -> str:
    if row["by_share"]:
        return ("the other complaints rose too, so it is compared with them: exact binomial test of its recent "
                "count at the share of theirs that came recently")
    return "exact Poisson comparison of the monthly rates"


def rise_words(chance: float) -> str:
    """'a rise this large would come by chance less than 1 time in 1,000'."""
    return f"a rise this large would come by chance {chance_words(chance)}"
