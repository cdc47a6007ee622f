"""Ratings an acceptable average hides: part (c) of analytics.headline_vs_detail, which sets these pairs beside
the audit and rota ones.

The service's average rating (line `feedback_good_score`), its rating per question and per respondent type, and each
team's own average, are set against the team's average, the team's rating per question and per respondent type,
and a question across the whole service: masked where the detail is `fragility_gap` or more below the headline and
`feedback_margin_se` standard errors below it (not chance). A question that stands out from the team's own average
names the finding; a question weak across the service because of a few of its teams is theirs. Fewer responses
than the feedback score's minimum make a flag limited evidence, never a concern.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from . import measures
from .findings import Evidence, Finding, limited, percent
from .headline_vs_detail import is_named, looks_acceptable, points_text, rows_text
from .key_questions import classify
from .repeat_findings import is_service_wide
from .scope import Scope, period_label


def _means(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
           window: tuple[date, date], by: tuple[str, ...]) -> pd.DataFrame:
    """The feedback score over the window per group of `by`, with its responses and standard error."""
    monthly = measures.monthly(con, scope, "feedback_score", by, *window, settings).dropna(subset=list(by))
    means = measures.over_window(monthly, list(by), "feedback_score")
    if means.empty:
        return means.assign(se=pd.Series(dtype=float))
    variance = (means["squares"] / means["n"] - means["value"] ** 2).clip(lower=0)
    means["se"] = np.sqrt(variance / means["n"])
    return means


def _detail_label(facet_kind: str | None, facet: object) -> str:
    if facet_kind is None:
        return "average rating"
    if facet_kind == "respondent_type":
        return f"average rating from {facet} respondents"
    return f"average rating for '{facet}'"


def _pair(detail: pd.DataFrame, headline: pd.DataFrame, on: list[str], facet_kind: str | None,
          headline_label: Any) -> pd.DataFrame:
    """Details set against the headline above them (joined on `on`)."""
    top = headline[[*on, "value", "n"]].rename(columns={"value": "headline_value", "n": "headline_responses"})
    pairs = detail.rename(columns={"value": "sub_value", "n": "responses"}).merge(top, on=on)
    if "team" not in pairs:
        pairs["team"] = None
    pairs["facet_kind"] = facet_kind
    pairs["facet"] = pairs[facet_kind] if facet_kind else None
    pairs["sub_measure"] = [_detail_label(facet_kind, f) for f in pairs["facet"]]
    pairs["headline_measure"] = [headline_label(p) for p in pairs.to_dict("records")]
    return pairs


def rating_pairs(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                 window: tuple[date, date]) -> pd.DataFrame:
    thresholds = settings["thresholds"]
    mean = {by: _means(con, scope, settings, window, by) for by in (
        ("service",), ("service", "team"), ("service", "question"), ("service", "team", "question"),
        ("service", "respondent_type"), ("service", "team", "respondent_type"))}
    if mean[("service",)].empty:
        return pd.DataFrame()
    service = mean[("service",)]

    def overall(pair: dict[str, Any]) -> str:  # the service's headline
        return "average rating"

    frames = [
        _pair(mean[("service", "team")], service, ["service"], None, overall),
        _pair(mean[("service", "team", "respondent_type")], mean[("service", "respondent_type")],
              ["service", "respondent_type"], "respondent_type",
              lambda p: f"average rating from {p['respondent_type']} respondents"),
        _pair(mean[("service", "team", "question")], mean[("service", "question")], ["service", "question"],
              "question", lambda p: f"average rating for '{p['question']}'"),
        _pair(mean[("service", "team", "question")], service, ["service"], "question", overall),
        _pair(mean[("service", "team", "question")], mean[("service", "team")], ["service", "team"], "question",
              lambda p: f"{p['team']}'s own average rating"),
        _pair(mean[("service", "question")], service, ["service"], "question", overall)]
    pairs = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    if pairs.empty:
        return pd.DataFrame()
    pairs["team"] = pairs["team"].astype(object).where(pairs["team"].notna(), None)
    gap = thresholds["fragility_gap"]
    pairs["headline_good"] = looks_acceptable(pairs["headline_value"], thresholds["feedback_good_score"], True, gap)
    pairs["gap"] = pairs["headline_value"] - pairs["sub_value"]
    pairs["looks"] = looks(pairs)
    # Beyond chance: `fragility_gap` or more below, and `feedback_margin_se` standard errors (more where a team's
    # ratings are split several ways and the lowest part is the one tested).
    pairs["margin_se"] = margin_for(thresholds["feedback_margin_se"], pairs["looks"])
    pairs["clear"] = (pairs["gap"] >= gap - 1e-9) & (pairs["gap"] >= pairs["margin_se"] * pairs["se"]) \
        & (pairs["responses"] >= 2)
    pairs["flagged"] = pairs["headline_good"] & pairs["clear"]
    pairs["source"], pairs["shift"] = "feedback", None
    pairs["where"] = [team if is_named(team) else "all teams" for team in pairs["team"]]
    pairs["months_flagged"], pairs["months"] = None, None
    pairs["why"] = [(f"The {p['headline_measure']} ({percent(p['headline_value'])}) reads as acceptable, while "
                     f"{p['where']}'s {p['sub_measure']} over {p['responses']:,.0f} responses is "
                     f"{points_text(p['gap'])} below it; {points_text(gap)} or more, beyond chance"
                     + (f" (allowing for the {p['looks']} respondent types compared)" if p["looks"] > 1 else "")
                     + ", counts.") for p in pairs.to_dict("records")]
    return pairs


def looks(pairs: pd.DataFrame) -> pd.Series:
    """How many ratings of the same kind each pair's chance is one of: a team's ratings split by respondent type
    are as many looks as the types compared (the lowest of four parts is lower than one part by chance alone);
    every other pair is one look."""
    split = pairs["facet_kind"].eq("respondent_type") & pairs["team"].notna()
    testable = pairs[split & (pairs["responses"] >= 2)]  # a part of one response is never flagged
    counts = testable.groupby(["service", "team"])["facet"].nunique().rename("looks")
    found = pairs[["service", "team"]].merge(counts, how="left", left_on=["service", "team"], right_index=True)
    return pd.Series(found["looks"].to_numpy(), index=pairs.index).where(split, 1).fillna(1).astype(int)


def margin_for(margin_se: float, looks: pd.Series) -> pd.Series:
    """Standard errors a gap must clear so that the lowest of `looks` parts is as unlikely by chance as one part
    at `margin_se` (one-sided, Bonferroni): 2.0 for one look, about 2.5 for four."""
    return pd.Series(-ndtri(ndtr(-margin_se) / looks.to_numpy(float)), index=looks.index)


def rating_findings(pairs: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> list[Finding]:
    if pairs.empty:
        return []
    own = pairs[pairs["headline_measure"].str.endswith("'s own average rating") & pairs["clear"]]
    standing_out = set(zip(own["service"], own["team"], own["facet"]))
    flagged = pairs[pairs["flagged"]].assign(place=lambda f: f["team"].fillna(""))
    # A question weak across the service because of a few of its teams is theirs, not the service's.
    questions = pairs[pairs["team"].notna() & (pairs["facet_kind"] == "question")]
    spread = questions.groupby(["service", "facet"]).agg(teams=("team", "nunique"))
    weak_on = flagged[flagged["team"].notna() & (flagged["facet_kind"] == "question")] \
        .groupby(["service", "facet"])["team"].nunique()
    few = {key for key, count in weak_on.items()
           if not is_service_wide(int(count), int(spread.loc[key, "teams"]), settings["thresholds"])}
    flagged = flagged[np.array([is_named(team) or (s, f) not in few for s, f, team in
                                zip(flagged["service"], flagged["facet"], flagged["team"])], dtype=bool)]
    return [_finding(place, standing_out, settings, window)
            for _, place in flagged.groupby(["service", "place"], sort=True)]


def _named_pair(place: pd.DataFrame, standing_out: set[tuple], settings: dict[str, Any]) -> pd.Series:
    """The pair a finding is named for: a question that stands out from the team's own average (whether or not
    that average looks acceptable), else the team's average against the service's, else the widest gap. Pairs on
    enough responses to judge come first: a part of three responses must not make a team's weakness on thirty
    read as limited evidence."""
    enough = np.array([measures.enough("feedback_score", n, settings) for n in place["responses"]], dtype=bool)
    if enough.any():
        place = place[enough]
    question = place[np.array([(s, t, f) in standing_out and kind == "question" for s, t, f, kind in
                               zip(place["service"], place["team"], place["facet"], place["facet_kind"])], dtype=bool)]
    overall = place[place["facet_kind"].isna()]
    for candidates in (question, overall, place):
        if not candidates.empty:
            return candidates.sort_values("gap", ascending=False).iloc[0]
    raise ValueError("a finding needs at least one pair")


def _finding(place: pd.DataFrame, standing_out: set[tuple], settings: dict[str, Any],
             window: tuple[date, date]) -> Finding:
    thresholds = settings["thresholds"]
    place = place.sort_values("gap", ascending=False)
    named = _named_pair(place, standing_out, settings)
    team = named["team"] if is_named(named["team"]) else None
    text = named["facet"] if named["facet_kind"] == "question" else None
    key_question, statement = classify(text, settings["key_questions"]) or \
        (settings.get("feedback_key_question"), None)
    others = len(place) - 1
    where = f"{team}'s" if team else "across all teams, the"
    summary = (f"At {named['service']} the {named['headline_measure']} was {percent(named['headline_value'])} "
               f"of the top score from {period_label(*window)}, but {where} {named['sub_measure']} was "
               f"{percent(named['sub_value'])} over {named['responses']:,.0f} responses, "
               f"{points_text(named['gap'])} lower"
               + (f" (and {others} more of the averages above it hide the same gap)" if others else "")
               + ": a weakness the average hides.")
    evidence = []
    for _, pair in place.iterrows():
        filters = {pair["facet_kind"]: pair["facet"]} if pair["facet_kind"] else {}
        evidence.append(Evidence(
            "feedback", pair["sub_measure"], float(pair["sub_value"]), comparison=float(pair["headline_value"]),
            period=period_label(*window),
            rows=rows_text("feedback", pair["service"], window, team=pair["team"], **filters),
            detail=(f"{pair['responses']:,.0f} responses from {pair['where']} against the "
                    f"{pair['headline_measure']} ({pair['headline_responses']:,.0f} responses); gap "
                    f"{points_text(pair['gap'])}, {pair['gap'] / pair['se']:.1f} standard errors"
                    if pair["se"] > 0 else f"{pair['responses']:,.0f} responses, every one alike; gap "
                    f"{points_text(pair['gap'])}")))
    finding = Finding(
        kind="masked_weakness", service=named["service"], team=team, shift=None,
        key_question=key_question, quality_statement=statement, subject=named["sub_measure"],
        status="concern" if named["sub_value"] < thresholds["feedback_good_score"] else "fragile",
        confidence="limited", period_start=window[0], period_end=window[1], summary=summary,
        evidence=tuple(evidence))
    if not measures.enough("feedback_score", named["responses"], settings):
        return limited(finding, f"{named['responses']:,.0f} responses, fewer than "
                                f"{measures.minimum('feedback_score', settings):.0f}")
    return finding
