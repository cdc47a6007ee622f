"""Headline versus detail: a headline figure that looks acceptable hiding a weak item, team, shift or question.

A headline "looks acceptable" when it is at its good line or short of it by less than `fragility_gap`
(`looks_acceptable`): a reader sees nothing there that calls for a second look. A headline further below its line
is the news itself, and other analyses report it. Each headline a person sees is checked against what lies
beneath it:

(a) Audits: an audit type's compliance over the recent cycles, for the service and for each team (its line
    `headline_good_compliance`), against each of its items and themes there: masked when the item is below
    `item_failing_compliance` over the cycles and in at least `masked_min_share_of_cycles` of them (never on one
    bad month: at least `recurring_min_cycles`), at least `fragility_gap` below the headline, and beyond chance
    (the exact binomial chance of the answers at most `item_limited_chance`; above `item_failing_chance` or on
    fewer than `min_audit_answers` answers it is limited evidence). A team's finding stands only where the
    service's own headline does not already report the item; a theme only where none of its items is reported.
    An item failing across the service on all its teams' answers together (`pooled_items`) is set against the
    service's headline on its answers since it first failed. An item failing on most teams where the service's
    headline is itself too low to hide it, but some teams' own headlines hide it, is one finding for the service
    naming those teams.
(b) Rota: the service's fill rate, agency share and handover completion (lines `fill_rate_good`,
    `agency_share_concern`, `handover_completion_good`), each against each team's shift: masked where in most
    months (more than half, and at least `recurring_min_cycles`) the shift fills `fragility_gap` or more below
    the service, has agency staff working at least `agency_share_concern` of hours, or completes fewer than
    `handover_completion_good` of its handovers.
(c) Feedback: the service's average rating (line `feedback_good_score`), its rating per question and per
    respondent type, and each team's own average, against the team's average, the team's rating per question
    and per respondent type, and a question across the whole service: masked where the detail is `fragility_gap`
    or more below the headline and `feedback_margin_se` standard errors below it (not chance). A question that
    stands out from the team's own average names the finding (`hidden_ratings`).

Every figure comes from analytics.measures; fewer answers, shifts or responses than the measure's minimum make a
flag limited evidence, never a concern.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from . import measures
from .findings import Evidence, Finding, chance_words, confidence_from_sources, in_a_list, limited, percent
from .key_questions import classify
from .pooled_items import PooledItem, failing_across_services, pooled_masked_finding
from .repeat_findings import (
    CHECK_KINDS,
    SUBJECT,
    audit_name,
    failing_chance,
    is_service_wide,
    kinds_showing,
    monthly_subjects,
    place_months,
    recent_window,
    subject_sections,
)
from .scope import Scope, period_label

PAIR_COLUMNS = ["source", "service", "headline_measure", "headline_value", "headline_good", "sub_measure",
                "sub_value", "where", "team", "shift", "gap", "months_flagged", "months", "responses", "masked",
                "why", "period"]
# Each rota measure: its label, whether higher is better, and the threshold that is its good (or concern) line.
ROTA_MEASURES = {
    "fill_rate": ("fill rate", True, "fill_rate_good"),
    "agency_share": ("agency share of hours", False, "agency_share_concern"),
    "handover_completion": ("handover completion", True, "handover_completion_good"),
}


def looks_acceptable(value: Any, line: float, higher_is_better: bool, gap: float) -> Any:
    """Whether a headline reads as acceptable: on the good side of its line, or short of it by less than `gap`."""
    return value > line - gap - 1e-9 if higher_is_better else value < line + gap - 1e-9


def headline_pairs(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """One row per headline figure with the worst figure beneath it, where it is, the gap, if it hides a weakness
    and why."""
    from .hidden_ratings import rating_pairs  # builds on this module

    window = recent_window(con, scope, settings)
    if window is None:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    frames = [f for f in (_audit_pairs(con, scope, settings, window), _rota_pairs(con, scope, settings, window),
                          rating_pairs(con, scope, settings, window)) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    pairs = pd.concat(frames, ignore_index=True)
    pairs["period"] = period_label(*window)
    headline = ["source", "service", "headline_measure"]
    pairs["masked"] = pairs.groupby(headline)["flagged"].transform("any")
    # Show what a reader should see first: a flagged figure, else the widest gap.
    worst = pairs.sort_values(["flagged", "gap"], ascending=False).drop_duplicates(headline)
    return worst.sort_values(headline, ignore_index=True)[PAIR_COLUMNS]


def masked_weaknesses(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """Masked weaknesses from audits, rota and feedback, each with the headline, the detail and the gap.

    Audit and rota weaknesses are concerns; feedback is a concern where the detail is itself below
    `feedback_good_score`, else fragile. Confidence is limited (one source each), except an audit item that
    scheduled audits and spot checks each show failing, which two independent kinds of check make high.
    """
    from .hidden_ratings import rating_findings, rating_pairs  # builds on this module

    window = recent_window(con, scope, settings)
    if window is None:
        return []
    return (_audit_findings(_audit_pairs(con, scope, settings, window), settings, window,
                            failing_across_services(con, scope, settings))
            + _rota_findings(_rota_pairs(con, scope, settings, window), settings, window)
            + rating_findings(rating_pairs(con, scope, settings, window), settings, window))


def rows_text(table: str, service: str, window: tuple[date, date], **filters: object) -> str:
    where = "".join(f", {column} = {value!r}" for column, value in filters.items()
                    if value is not None and not pd.isna(value))
    return f"{table}: service = {service!r}{where}, {window[0]:%d/%m/%Y} to {window[1]:%d/%m/%Y}"


def points_text(gap: float) -> str:
    return f"{abs(gap) * 100:.0f} points"


def is_named(value: object) -> bool:
    return isinstance(value, str)


# (a) Audits ---------------------------------------------------------------------------------------------------

def _audit_pairs(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                 window: tuple[date, date]) -> pd.DataFrame:
    thresholds = settings["thresholds"]
    limit = thresholds["item_failing_compliance"]
    subjects = monthly_subjects(con, scope, settings, *window)
    if subjects.empty:
        return pd.DataFrame()
    frames = [_audit_place_pairs(place_months(subjects, place), place, limit) for place in ([], ["team"])]
    pairs = pd.concat(frames, ignore_index=True).merge(subject_sections(subjects), on=SUBJECT, how="left")
    if "team" not in pairs:
        pairs["team"] = None
    pairs["team"] = pairs["team"].astype(object).where(pairs["team"].notna(), None)
    pairs["chance"] = failing_chance(pairs["score"], pairs["answers"], limit)
    pairs["gap"] = pairs["headline_value"] - pairs["sub_value"]
    pairs["headline_good"] = looks_acceptable(pairs["headline_value"], thresholds["headline_good_compliance"], True,
                                              thresholds["fragility_gap"])
    pairs["flagged"] = pairs["headline_good"] & (pairs["sub_value"] < limit) \
        & (pairs["gap"] >= thresholds["fragility_gap"] - 1e-9) \
        & (pairs["months_flagged"] >= thresholds["recurring_min_cycles"]) \
        & (pairs["months_flagged"] >= thresholds["masked_min_share_of_cycles"] * pairs["months"]) \
        & (pairs["chance"] <= thresholds["item_limited_chance"])
    pairs["source"], pairs["shift"], pairs["responses"] = "audits", None, None
    pairs["where"] = [team if is_named(team) else "all teams" for team in pairs["team"]]
    pairs["headline_measure"] = [f"{team}'s {audit_name(t)} compliance" if is_named(team)
                                 else f"{audit_name(t)} compliance" for team, t in zip(pairs["team"],
                                                                                        pairs["audit_type"])]
    pairs["sub_measure"] = [s if level == "item" else f"'{s}' section"
                            for level, s in zip(pairs["level"], pairs["subject"])]
    pairs["why"] = [_audit_why(pair, thresholds) for pair in pairs.to_dict("records")]
    return pairs


def _audit_place_pairs(months: pd.DataFrame, place: list[str], limit: float) -> pd.DataFrame:
    """Each item and theme at each place (the service, or each team) against its audit type's headline there."""
    keys = ["service", "audit_type", *place]
    headline = months[months["level"] == "item"].groupby(keys, as_index=False).agg(
        headline_answers=("answers", "sum"), headline_score=("score", "sum"), months=("month", "nunique"))
    headline["headline_value"] = headline["headline_score"] / headline["headline_answers"]
    flags = {"months_flagged": months["compliance"] < limit} | {
        f"{name}_cycles_failed": months[f"{name}_compliance"] < limit for name in CHECK_KINDS}
    rows = months[SUBJECT + place + ["score", "answers"]].assign(**flags).groupby(SUBJECT + place, as_index=False) \
        .sum()
    rows["sub_value"] = rows["score"] / rows["answers"]
    rows = rows.astype({name: int for name in flags})
    return rows.merge(headline[keys + ["headline_value", "headline_answers", "months"]], on=keys)


def _audit_why(pair: dict[str, Any], thresholds: dict[str, Any]) -> str:
    line = thresholds["headline_good_compliance"]
    reads = (f"the headline is at least {percent(line)}, the level set as good" if pair["headline_value"] >= line
             else f"the headline {percent(pair['headline_value'])} is within "
                  f"{points_text(thresholds['fragility_gap'])} of {percent(line)}, the level set as good, so it reads "
                  f"as acceptable")
    return (f"{reads[:1].upper()}{reads[1:]}, while {_beneath(pair)} was below "
            f"{percent(thresholds['item_failing_compliance'])} in {pair['months_flagged']} of {pair['months']} months "
            f"and {points_text(pair['gap'])} below the headline overall.")


def _beneath(pair: dict[str, Any] | pd.Series) -> str:
    return f"'{pair['subject']}'" if pair["level"] == "item" else f"its '{pair['subject']}' section"


def _audit_findings(pairs: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date],
                    pooled: Sequence[PooledItem] = ()) -> list[Finding]:
    """An item or theme failing on most teams is one finding for the service, naming them, and so is an item
    failing across the service on all its teams' answers together (`pooled`, see `pooled_items`): where the
    service's pair is not flagged on the window's figures, the item's answers since it first failed are set
    against the headline (`pooled_masked_finding`). On a few teams: each team's own finding."""
    if pairs.empty:
        return []
    limit = settings["thresholds"]["item_failing_compliance"]
    teams = pairs[pairs["team"].notna()].assign(below=lambda f: f["sub_value"] < limit)
    spread = teams.groupby(SUBJECT).agg(teams=("team", "nunique"), below=("below", "sum"), flagged=("flagged", "any"))
    wide = {key for key, row in spread.iterrows()
            if is_service_wide(int(row["below"]), int(row["teams"]), settings["thresholds"])} \
        | {(p.row["service"], p.row["audit_type"], "item", p.row["subject"]) for p in pooled}
    on_teams = {key for key, row in spread.iterrows() if row["flagged"]}
    flagged = pairs[pairs["flagged"]]
    # Failing on most teams: one finding for the service, naming them. On a few: each team's own finding, where
    # its own headline hides it (the service's finding then stands only where no team's does).
    keys = list(zip(flagged["service"], flagged["audit_type"], flagged["level"], flagged["subject"]))
    # An item failing on most teams whose service headline is itself too low to hide it, but some teams' own
    # headlines read as acceptable: one finding for the service, naming the teams whose headlines hide it.
    on_service = {key for key, team in zip(keys, flagged["team"]) if not is_named(team)}
    hidden = flagged[np.array([is_named(team) and key in wide and key not in on_service and key[2] == "item"
                               for key, team in zip(keys, flagged["team"])], dtype=bool)]
    flagged = flagged[np.array([key in wide if not is_named(team) and key in on_teams else
                                not (is_named(team) and key in wide)
                                for key, team in zip(keys, flagged["team"])], dtype=bool)]
    items = flagged[flagged["level"] == "item"]
    explained = set(zip(items["service"], items["audit_type"], items["section"], items["team"])) | {
        (s, t, x, None) for s, t, x in zip(items["service"], items["audit_type"], items["section"])}
    unexplained = np.array([(s, t, x, team) not in explained and (s, t, x, None) not in explained for s, t, x, team
                            in zip(flagged["service"], flagged["audit_type"], flagged["subject"], flagged["team"])],
                           dtype=bool)
    reported = pd.concat([items, flagged[(flagged["level"] == "theme").to_numpy() & unexplained]])
    below = pairs[pairs["team"].notna() & (pairs["sub_value"] < settings["thresholds"]["item_failing_compliance"])]
    findings = [_audit_finding(reported.loc[[i]], below, settings, window) for i in reported.index]
    for key, teams in hidden.groupby(SUBJECT, sort=True):
        service_pair = pairs[pairs["team"].isna() & (pairs[SUBJECT] == pd.Series(key, index=SUBJECT)).all(axis=1)]
        if len(service_pair):
            findings.append(_audit_finding(service_pair, below, settings, window, hidden_on=teams))
    done = {(f.service, f.subject) for f in findings if f.team is None}
    service = pairs[pairs["team"].isna() & (pairs["level"] == "item")].set_index(["service", "audit_type", "subject"])
    return findings + [f for f in (pooled_masked_finding(p, service.loc[(p.row["service"], p.row["audit_type"],
                                                                         p.row["subject"])], window, settings)
                                   for p in pooled if (p.row["service"], p.row["subject"]) not in done) if f]


def _audit_finding(pair_rows: pd.DataFrame, below: pd.DataFrame, settings: dict[str, Any],
                   window: tuple[date, date], hidden_on: pd.DataFrame | None = None) -> Finding:
    """The finding of a flagged pair; or, with `hidden_on` (the teams' flagged pairs), of the service's pair of an
    item failing on most teams where those teams' own headlines hide it though the service's does not."""
    thresholds = settings["thresholds"]
    pair = pair_rows.iloc[0]
    team = pair["team"] if is_named(pair["team"]) else None
    text = " ".join(str(p) for p in (pair["audit_type"], pair["section"], pair["subject"]) if pd.notna(p))
    key_question, statement = classify(text, settings["key_questions"]) or (None, None)
    kinds = kinds_showing(pair_rows, thresholds)
    period = period_label(*window)
    failing = percent(thresholds["item_failing_compliance"])
    months = f"{pair['months_flagged']} of {pair['months']} months"
    column = "item" if pair["level"] == "item" else "section"
    rows = rows_text("audits", pair["service"], window, audit_type=pair["audit_type"], team=team)
    teams = [] if team else below[(below["service"] == pair["service"]) & (below["audit_type"] == pair["audit_type"])
                                  & (below["level"] == pair["level"]) & (below["subject"] == pair["subject"])]
    on_teams = "" if team or not len(teams) else f" on {in_a_list(list(teams['team']))}"
    place = f"{team} at {pair['service']}" if team else pair["service"]
    headlines = [Evidence("audits", "headline compliance", float(pair["headline_value"]), period=period, rows=rows,
                          detail=f"{pair['months']} monthly cycles{' on ' + team if team else ''}")]
    if hidden_on is not None:
        headlines = [Evidence("audits", f"headline compliance on {row['team']}", float(row["headline_value"]),
                              period=period, detail=f"{row['months']} monthly cycles; reads as acceptable",
                              rows=rows_text("audits", pair["service"], window, audit_type=pair["audit_type"],
                                             team=row["team"]))
                     for row in hidden_on.to_dict("records")]
    evidence = [
        *headlines,
        Evidence("audits", f"{pair['level']} compliance", float(pair["sub_value"]),
                 comparison=float(pair["headline_value"]), period=period,
                 rows=f"{rows}, {column} = {pair['subject']!r}",
                 detail=(f"{pair['answers']:,.0f} answers; below {failing} in {months}; gap {points_text(pair['gap'])}"
                         + (f"; shown by {' and '.join(sorted(kinds))}" if kinds else "")))]
    for _, row in (teams.iterrows() if len(teams) else ()):
        evidence.append(Evidence(
            "audits", f"{pair['level']} compliance on {row['team']}", float(row["sub_value"]),
            comparison=float(row["headline_value"]), period=period,
            rows=f"{rows_text('audits', pair['service'], window, audit_type=pair['audit_type'], team=row['team'])}, "
                 f"{column} = {pair['subject']!r}",
            detail=f"{row['answers']:,.0f} answers; below {failing} in {row['months_flagged']} of {row['months']} "
                   f"months, against the team's own {percent(row['headline_value'])}"))
    finding = Finding(
        kind="masked_weakness", service=pair["service"], team=team, shift=None, key_question=key_question,
        quality_statement=statement,
        subject=pair["subject"] if pair["level"] == "item" else f"{pair['subject']} (theme)",
        status="concern", confidence=confidence_from_sources(kinds, agree=True),
        period_start=window[0], period_end=window[1],
        summary=(f"At {place} the {audit_name(pair['audit_type'])} averaged {percent(pair['headline_value'])} from "
                 f"{period}, but {_beneath(pair)} was below {failing} in {months}{on_teams} and scored "
                 f"{percent(pair['sub_value'])} overall, {points_text(pair['gap'])} lower: a weakness the headline "
                 "hides." if hidden_on is None else _hidden_on_teams(pair, hidden_on, months, on_teams, failing)),
        evidence=tuple(evidence))
    if pair["chance"] > thresholds["item_failing_chance"]:
        return limited(finding, f"{percent(pair['sub_value'])} on {pair['answers']:,.0f} answers, which an item "
                                f"truly at {failing} would score {chance_words(pair['chance'])}")
    if not measures.enough("audit_compliance", pair["answers"], settings):
        return limited(finding, f"{pair['answers']:,.0f} answers, fewer than "
                                f"{measures.minimum('audit_compliance', settings):.0f}")
    return finding


def _hidden_on_teams(pair: pd.Series, hidden_on: pd.DataFrame, months: str, on_teams: str, failing: str) -> str:
    named = [f"{row['team']} ({percent(row['headline_value'])})" for row in hidden_on.to_dict("records")]
    whose = "that team's headline hides" if len(named) == 1 else "those teams' headlines hide"
    return (f"At {pair['service']}, {_beneath(pair)} was below {failing} in {months}{on_teams} and scored "
            f"{percent(pair['sub_value'])} overall, while the {audit_name(pair['audit_type'])} read as acceptable on "
            f"{in_a_list(named)} over the same months: a weakness {whose}.")


# (b) Rota -----------------------------------------------------------------------------------------------------

def _weak_month(measure: str, value: pd.Series, headline: pd.Series, thresholds: dict[str, Any]) -> pd.Series:
    if measure == "fill_rate":
        return value <= headline - thresholds["fragility_gap"] + 1e-9
    if measure == "agency_share":
        return value >= thresholds["agency_share_concern"]
    return value < thresholds["handover_completion_good"]


def _rota_pairs(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                window: tuple[date, date]) -> pd.DataFrame:
    thresholds = settings["thresholds"]
    frames = []
    fill = pd.DataFrame(columns=["service", "service_fill_rate"])
    for measure, (label, higher_is_better, line) in ROTA_MEASURES.items():
        service = measures.over_window(measures.monthly(con, scope, measure, ("service",), *window, settings),
                                       ["service"], measure)
        if measure == "fill_rate":
            fill = service[["service", "value"]].rename(columns={"value": "service_fill_rate"})
        monthly = measures.monthly(con, scope, measure, ("service", "team", "shift"), *window, settings) \
            .dropna(subset=["team", "shift", "value"])
        if service.empty or monthly.empty:
            continue
        headline = service[["service", "value"]].rename(columns={"value": "headline_value"}) \
            .dropna(subset=["headline_value"])
        month = monthly.merge(headline, on="service")
        month["weak"] = _weak_month(measure, month["value"], month["headline_value"], thresholds)
        counts = month.groupby(["service", "team", "shift"], as_index=False).agg(
            months=("month", "size"), months_flagged=("weak", "sum"))
        places = measures.over_window(monthly, ["service", "team", "shift"], measure)
        pairs = places[["service", "team", "shift", "value", "n"]].rename(columns={"value": "sub_value"}) \
            .dropna(subset=["sub_value"]).merge(headline, on="service").merge(counts, on=["service", "team", "shift"])
        pairs["headline_good"] = looks_acceptable(pairs["headline_value"], thresholds[line], higher_is_better,
                                                  thresholds["fragility_gap"])
        most = (pairs["months_flagged"] > pairs["months"] / 2) & \
            (pairs["months_flagged"] >= thresholds["recurring_min_cycles"])
        pairs["flagged"] = pairs["headline_good"] & most
        pairs["gap"] = (pairs["headline_value"] - pairs["sub_value"]) * (1 if higher_is_better else -1)
        pairs["measure"], pairs["headline_measure"], pairs["sub_measure"] = measure, label, label
        frames.append(pairs)
    if not frames:
        return pd.DataFrame()
    pairs = pd.concat(frames, ignore_index=True).merge(fill, on="service", how="left")
    pairs["source"], pairs["responses"] = "rota", None
    pairs["where"] = [f"{t}, {s} shift" for t, s in zip(pairs["team"], pairs["shift"])]
    pairs["months_flagged"] = pairs["months_flagged"].astype(int)
    pairs["why"] = [f"The service's {p['headline_measure']} ({percent(p['headline_value'])}) reads as acceptable, "
                    f"while on {p['where']} {_rota_phrase(p, thresholds)}." for p in pairs.to_dict("records")]
    return pairs


def _rota_findings(pairs: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> list[Finding]:
    if pairs.empty:
        return []
    flagged = pairs[pairs["flagged"]]
    return [_rota_finding(place, settings, window)
            for _, place in flagged.groupby(["service", "team", "shift"], sort=True)]


def _rota_phrase(pair: dict[str, Any] | pd.Series, thresholds: dict[str, Any]) -> str:
    months = f"in {pair['months_flagged']} of {pair['months']} months"
    if pair["measure"] == "fill_rate":
        return (f"the fill rate was {percent(pair['sub_value'])} (at least "
                f"{points_text(thresholds['fragility_gap'])} below the service {months})")
    if pair["measure"] == "agency_share":
        return (f"agency staff worked {percent(pair['sub_value'])} of hours (at least "
                f"{percent(thresholds['agency_share_concern'])} {months})")
    return (f"the handover was completed on {percent(pair['sub_value'])} of shifts (below "
            f"{percent(thresholds['handover_completion_good'])} {months})")


def _rota_finding(place: pd.DataFrame, settings: dict[str, Any], window: tuple[date, date]) -> Finding:
    thresholds = settings["thresholds"]
    first = place.iloc[0]
    service, team, shift = first["service"], first["team"], first["shift"]
    key_question, statement = classify("staffing", settings["key_questions"]) or (None, None)
    phrases = [_rota_phrase(pair, thresholds) for _, pair in place.iterrows()]
    details = in_a_list(phrases)
    summary = (f"At {service} the fill rate was {percent(first['service_fill_rate'])} from "
               f"{period_label(*window)}, but on {team}'s {shift} shift {details}: a weakness the headline hides.")
    rows = rows_text("rota", service, window)
    evidence = [Evidence("rota", "fill rate", float(first["service_fill_rate"]), period=period_label(*window),
                         rows=rows, detail="actual / planned hours (staff counts where hours are absent)")]
    for _, pair in place.iterrows():
        evidence.append(Evidence(
            "rota", pair["sub_measure"], float(pair["sub_value"]), comparison=float(pair["headline_value"]),
            period=period_label(*window), rows=rows_text("rota", service, window, team=team, shift=shift),
            detail=(f"{pair['n']:,.0f} shifts; weak in {pair['months_flagged']} of {pair['months']} months; gap "
                    f"{points_text(pair['gap'])}")))
    finding = Finding(
        kind="masked_weakness", service=service, team=team, shift=shift, key_question=key_question,
        quality_statement=statement, subject=", ".join(place["sub_measure"]), status="concern",
        confidence="limited", period_start=window[0], period_end=window[1], summary=summary,
        evidence=tuple(evidence))
    fewest = place.sort_values("n").iloc[0]
    if not measures.enough(fewest["measure"], fewest["n"], settings):
        return limited(finding, f"{fewest['n']:,.0f} shifts, fewer than "
                                f"{measures.minimum(fewest['measure'], settings):.0f}")
    return finding
