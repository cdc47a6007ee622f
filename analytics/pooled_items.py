"""An audit item failing across a service, judged on all its teams' answers together.

With one audit a team a month of one to four records, an item passing 55-60% on every team is rarely beyond chance
against the failing line on any one team, so deciding "service-wide" from each team's own evidence misses it. The
service's pooled row (every team's answers of the item, month by month) is judged here, items only (a theme pools
its passing items with the failing one):

1. `pooled_verdict`: the pooled months classify as recurring or persistent (`repeat_findings.classify_cycles`), the
   answers since the service first failed the item (the span) number at least `min_audit_answers` and score below
   `item_failing_compliance`, and either that is beyond chance against the failing line (the exact binomial tail
   at most `item_failing_chance`), or beyond chance against the item's own earlier level: its answers in the
   months before the span, back to `spc_window_months` (a trend chart's months), at least `min_audit_answers` of
   them, with Fisher's exact test (`chance.signal_chance`) at most `item_failing_chance`.
2. `spread_on_teams`: the failure is the service's, not one team's: at least `service_wide_share_of_teams` of the
   teams audited on the item in the recent cycles (and more than one) score below the failing line over the span,
   and the teams left when the leading ones are set aside (those with a clear pattern of their own, else the team
   short of the most answers) fell beyond chance against their own earlier level (`item_failing_chance`).

An item found so, and not already service-wide on its teams' own evidence, is one repeat finding for the service
(`pooled_finding`); the teams' own findings about it fold into it, but for a team whose own answers show it clearly
(`repeat_findings.repeat_findings`). Where its audit type's headline for the service looks acceptable it is also a
masked weakness, set against the answers since it first failed (`pooled_masked_finding`). Every figure says its
months and its answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from . import measures
from .chance import signal_chance
from .compliance import audit_compliance
from .findings import Evidence, Finding, chance_words, confidence_from_sources, in_a_list, percent
from .key_questions import classify
from .repeat_findings import (
    PATTERNS,
    audit_name,
    failing_chance,
    is_service_wide,
    kinds_showing,
    recent_window,
    subject_phrase,
    teams_table,
)
from .run_cache import shared
from .scope import Scope, months_back, period_label

ITEM = ["service", "audit_type", "subject"]


@dataclass(frozen=True)
class PooledItem:
    """A failing item the service's pooled answers show: the span since it first failed, the months before it,
    and each team's share of it."""

    row: dict[str, Any]          # the service's row of the repeat table
    first: date                  # the first month of the span
    verdict: tuple[str, float]   # ("line" or "fall", its chance)
    span: tuple[float, float]    # score, answers since it first failed
    past: tuple[float, float]    # score, answers in the months before
    past_start: date
    teams: pd.DataFrame          # per team: team, score, answers (span), past_score, past_answers, clear


def fall_chance(score: float, answers: float, past_score: float, past_answers: float) -> float:
    """The chance of answers this far below their own earlier level (one-sided Fisher's exact test)."""
    return float(signal_chance("audit_compliance", {"numerator": np.array([score]), "denominator": np.array([answers])},
                               {"numerator": np.array([past_score]), "denominator": np.array([past_answers])},
                               high=False))


def pooled_verdict(classification: str, score: float, answers: float, past_score: float, past_answers: float,
                   settings: dict[str, Any]) -> tuple[str, float] | None:
    """('line', chance) where the pooled span fails beyond chance against the failing line, ('fall', chance) where
    it is below the line and beyond chance below the item's earlier level, None otherwise (see the module)."""
    thresholds = settings["thresholds"]
    limit, most = thresholds["item_failing_compliance"], thresholds["item_failing_chance"]
    if classification not in PATTERNS or not measures.enough("audit_compliance", answers, settings) \
            or score >= limit * answers:
        return None
    line = float(failing_chance(score, answers, limit))
    if line <= most:
        return "line", line
    if not measures.enough("audit_compliance", past_answers, settings):
        return None
    fall = fall_chance(score, answers, past_score, past_answers)
    return ("fall", fall) if fall <= most else None


def spread_on_teams(teams: pd.DataFrame, thresholds: dict[str, Any]) -> bool:
    """Whether a pooled failure is the service's (see the module). `teams`: one row per team audited on the item
    in the recent cycles, with its span's score and answers, its earlier past_score and past_answers, and clear
    (a clear pattern of its own)."""
    if teams.empty:
        return False
    below = (teams["answers"] > 0) & (teams["score"] < thresholds["item_failing_compliance"] * teams["answers"])
    if not is_service_wide(int(below.sum()), len(teams), thresholds):
        return False
    clear = teams["clear"].astype(bool)
    leading = teams[clear] if clear.any() else teams.loc[[(teams["answers"] - teams["score"]).idxmax()]]
    rest = teams.drop(index=leading.index)
    if rest["answers"].sum() <= 0 or rest["past_answers"].sum() <= 0:
        return False
    chance = fall_chance(rest["score"].sum(), rest["answers"].sum(), rest["past_score"].sum(),
                         rest["past_answers"].sum())
    return chance <= thresholds["item_failing_chance"]


def pooled_items(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], table: pd.DataFrame,
                 window: tuple[date, date]) -> list[PooledItem]:
    """The items the repeat table's pooled service rows show failing across the service, where their teams' own
    evidence does not already make them service-wide."""
    thresholds = settings["thresholds"]
    limit = thresholds["item_failing_compliance"]
    candidates = table[(table["level"] == "item") & table["team"].isna() & table["shift"].isna()
                       & table["classification"].isin(PATTERNS) & (table["spread"] != "service-wide")
                       & (table["span_score"] < limit * table["span_answers"])]
    if candidates.empty:
        return []
    start, end = window
    past_start = months_back(end, thresholds["spc_window_months"] - 1)
    months = audit_compliance(con, scope, ("service", "audit_type", "item", "team"), min(past_start, start), end,
                              settings["partial_credit"]).rename(columns={"item": "subject"})
    months["month"] = months["month"].dt.date
    wanted = pd.MultiIndex.from_frame(candidates[ITEM])
    months = months[pd.MultiIndex.from_frame(months[ITEM]).isin(wanted)]
    found = []
    for row in candidates.astype(object).to_dict("records"):
        item = months[(months["service"] == row["service"]) & (months["audit_type"] == row["audit_type"])
                      & (months["subject"] == row["subject"])]
        pooled = item.groupby("month")[["score", "answers"]].sum().sort_index()
        recent = pooled[pooled.index >= start]
        failing = recent.index[recent["score"] < limit * recent["answers"]]
        if not len(failing):
            continue
        first = failing[0]
        span, past = pooled[pooled.index >= first], pooled[pooled.index < first]
        verdict = pooled_verdict(row["classification"], span["score"].sum(), span["answers"].sum(), past["score"].sum(),
                                 past["answers"].sum(), settings)
        if verdict is None:
            continue
        teams = _team_spans(item, table, row, first, start)
        if spread_on_teams(teams, thresholds):
            found.append(PooledItem(row, first, verdict, (span["score"].sum(), span["answers"].sum()),
                                    (past["score"].sum(), past["answers"].sum()),
                                    past.index.min() if len(past) else past_start, teams))
    return found


@shared
def failing_across_services(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]
                            ) -> list[PooledItem]:
    """`pooled_items` from the scope's own repeat table: what the repeat findings, the repeat table and the masked
    weaknesses each ask, answered once in a run (run_cache)."""
    window = recent_window(con, scope, settings)
    table = teams_table(con, scope, settings) if window else None
    return [] if window is None or table.empty else pooled_items(con, scope, settings, table, window)


def _team_spans(item: pd.DataFrame, table: pd.DataFrame, row: dict[str, Any], first: date,
                start: date) -> pd.DataFrame:
    """Per team audited on the item in the recent cycles: its span's and earlier answers, and whether its own
    answers show a clear pattern."""
    own = table[(table["service"] == row["service"]) & (table["audit_type"] == row["audit_type"])
                & (table["level"] == "item") & (table["subject"] == row["subject"]) & table["team"].notna()
                & table["shift"].isna()]
    audited = item[(item["month"] >= start) & item["team"].notna()]["team"].unique()
    teams = pd.DataFrame({"team": sorted(audited)})
    in_span = item["month"] >= first
    span = item[in_span].groupby("team")[["score", "answers"]].sum()
    past = item[~in_span].groupby("team")[["score", "answers"]].sum() \
        .rename(columns={"score": "past_score", "answers": "past_answers"})
    teams = teams.join(span, on="team").join(past, on="team").fillna(0.0)
    clear = set(own.loc[own["evidence"] == "clear", "team"])
    teams["clear"] = teams["team"].isin(clear)
    return teams


def pooled_finding(found: PooledItem, window: tuple[date, date], settings: dict[str, Any]) -> Finding:
    """The service-wide repeat finding for an item its pooled answers show failing."""
    row = found.row
    what = subject_phrase("item", row["subject"], row["audit_type"])
    return Finding(
        kind="repeat_finding", service=row["service"], team=None, shift=None,
        **_classified(row, settings), subject=row["subject"],
        status="concern" if row["classification"] == "persistent" else "fragile",
        confidence=confidence_from_sources(kinds_showing(pd.DataFrame([row]), settings["thresholds"]), agree=True),
        period_start=window[0], period_end=window[1],
        summary=(f"At {row['service']}, {what} {_scored(found, window, settings)}: a {row['classification']}, "
                 "service-wide pattern CQC would expect leaders to have seen."),
        evidence=_evidence(found, window, settings))


def pooled_masked_finding(found: PooledItem, pair: dict[str, Any], window: tuple[date, date],
                          settings: dict[str, Any]) -> Finding | None:
    """The masked weakness an item failing across the service makes where its audit type's headline for the
    service (`pair`, from `headline_vs_detail`) looks acceptable and stands `fragility_gap` or more above the item's
    answers since it first failed; None otherwise."""
    thresholds = settings["thresholds"]
    score, answers = found.span
    gap = pair["headline_value"] - score / answers
    if not pair["headline_good"] or gap < thresholds["fragility_gap"] - 1e-9:
        return None
    row, start, end = found.row, *window
    rows = (f"audits: service = {row['service']!r}, audit_type = {row['audit_type']!r}, "
            f"{start:%d/%m/%Y} to {end:%d/%m/%Y}")
    headline = Evidence("audits", "headline compliance", float(pair["headline_value"]), period=period_label(start, end),
                        rows=rows, detail=f"{pair['months']} monthly cycles, {pair['headline_answers']:,.0f} answers")
    return Finding(
        kind="masked_weakness", service=row["service"], team=None, shift=None, **_classified(row, settings),
        subject=row["subject"], status="concern",
        confidence=confidence_from_sources(kinds_showing(pd.DataFrame([row]), thresholds), agree=True),
        period_start=start, period_end=end,
        summary=(f"At {row['service']} the {audit_name(row['audit_type'])} averaged {percent(pair['headline_value'])} "
                 f"from {period_label(start, end)}, but '{row['subject']}' {_scored(found, window, settings)}, "
                 f"{gap * 100:.0f} points lower: a weakness the headline hides."),
        evidence=(headline, *_evidence(found, window, settings)))


def _classified(row: dict[str, Any], settings: dict[str, Any]) -> dict[str, str | None]:
    text = " ".join(str(p) for p in (row["audit_type"], row["section"], row["subject"]) if pd.notna(p))
    key_question, statement = classify(text, settings["key_questions"]) or (None, None)
    return {"key_question": key_question, "quality_statement": statement}


def _below(found: PooledItem, limit: float) -> pd.DataFrame:
    teams = found.teams
    return teams[(teams["answers"] > 0) & (teams["score"] < limit * teams["answers"])]


def _reason(found: PooledItem, limit: float) -> str:
    how, chance = found.verdict
    if how == "line":
        return f"an item truly at {percent(limit)} would score this low {chance_words(chance)}"
    past_score, past_answers = found.past
    return (f"down from {percent(past_score / past_answers)} on {past_answers:,.0f} answers from "
            f"{_past_period(found)}, a fall chance alone gives {chance_words(chance)}")


def _past_period(found: PooledItem) -> str:
    return period_label(found.past_start, months_back(found.first, 1))


def _scored(found: PooledItem, window: tuple[date, date], settings: dict[str, Any]) -> str:
    """What the item scored across the service since it first failed, on which teams, and why not by chance."""
    limit = settings["thresholds"]["item_failing_compliance"]
    (score, answers), row, below = found.span, found.row, _below(found, limit)
    # Each team's own answers beside its name: on a few answers, a team below the line may be there by chance.
    named = [f"{team.team} {team.score:g} of {team.answers:g}" for team in below.itertuples(index=False)]
    named[0] += " answers met"
    listed = in_a_list(named)
    return (f"scored {percent(score / answers)} on {answers:,.0f} answers across the service from "
            f"{period_label(found.first, window[1])}, below {percent(limit)} on {len(below)} of the "
            f"{len(found.teams)} teams audited ({listed}) and in {row['cycles_failed']} of {row['cycles_audited']} "
            f"months; {_reason(found, limit)}")


def _evidence(found: PooledItem, window: tuple[date, date], settings: dict[str, Any]) -> tuple[Evidence, ...]:
    """The pooled answers since the item first failed, the months before, and each team below the line."""
    limit = settings["thresholds"]["item_failing_compliance"]
    row, end = found.row, window[1]
    (score, answers), (past_score, past_answers) = found.span, found.past
    span_period = period_label(found.first, end)
    item = f"audits: service = {row['service']!r}, audit_type = {row['audit_type']!r}, item = {row['subject']!r}"
    rows = f"{item}, audit_date {found.first:%d/%m/%Y} to {end:%d/%m/%Y}"
    evidence = [
        Evidence("audits", "item compliance, all teams", score / answers, comparison=limit, period=span_period,
                 rows=rows, detail=(f"{answers:,.0f} answers since it first failed in {found.first:%b %Y}; failed "
                                    f"in {row['cycles_failed']} of {row['cycles_audited']} monthly cycles from "
                                    f"{period_label(*window)} ({', '.join(row['failing_months'])}); "
                                    f"{_reason(found, limit)}")),
        Evidence("audits", "item compliance before, all teams", past_score / past_answers if past_answers else None,
                 period=_past_period(found),
                 rows=f"{item}, audit_date {found.past_start:%d/%m/%Y} to {found.first - timedelta(days=1):%d/%m/%Y}",
                 detail=f"{past_answers:,.0f} answers in the months before it first failed")]
    for team in _below(found, limit).itertuples(index=False):
        evidence.append(Evidence(
            "audits", f"item compliance on {team.team}", team.score / team.answers, comparison=limit,
            period=span_period, rows=f"{rows}, team = {team.team!r}",
            detail=f"{team.answers:,.0f} answers since the service first failed it"))
    return tuple(evidence)
