"""Repeat findings: an audit item or theme failing cycle after cycle, where, and how widely.

A monthly audit cycle fails for an item (or a theme: the items of one section of an audit type) when its
compliance that month is below `item_failing_compliance`. Over the last `recent_cycles` months, for the
service as a whole, each team, each shift and each team's shift, the cycles audited classify it:

- isolated: failed, but in fewer than `recurring_min_cycles` cycles (one bad month is not a pattern);
- recurring: failed in at least `recurring_min_cycles` cycles;
- persistent: failed in at least `persistent_min_cycles` cycles, either consecutively up to and including
  the latest cycle audited, or in most (more than half) of the cycles audited.

With one to four records audited a month, one unsigned care plan sinks a month, so an item passing 95% fails
some months by chance. A pattern stands only where the answers show it beyond chance: the answers from its first
failing cycle to the latest, together, would come out this low for an item truly at `item_failing_compliance`
no more than `item_failing_chance` of the time (an exact binomial tail), or at least `recurring_min_cycles`
cycles each fail beyond chance on their own answers. A pattern chance could still give, up to
`item_limited_chance`, is limited evidence; beyond that it stays in the table only.

Recurring and persistent items with such evidence are patterns in CQC's sense. A pattern is service-wide when at
least `service_wide_share_of_teams` of the teams audited on the item show it, and more than one team does;
otherwise it is local to a team or shift. An item whose teams' own answers are too few for that is judged on all
of them together in `pooled_items`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.special import betainc

from .compliance import audit_compliance
from .findings import Finding
from .run_cache import shared, within_run
from .scope import Scope, months_back

PATTERNS = ("recurring", "persistent")
SUBJECT = ["service", "audit_type", "level", "subject"]
PLACES = {"service": [], "team": ["team"], "shift": ["shift"], "team and shift": ["team", "shift"]}
# The two independent kinds of check an audit answer can come from (spot_check NULL: unknown, neither).
CHECK_KINDS = {"scheduled": ("scheduled audits", False), "spot_check": ("spot checks", True)}
TABLE_COLUMNS = ["service", "audit_type", "level", "subject", "section", "place", "team", "shift",
                 "cycles_audited", "cycles_failed", "failing_months", "latest_month", "latest_compliance",
                 "compliance", "classification", "scheduled_cycles_audited", "scheduled_cycles_failed",
                 "spot_check_cycles_audited", "spot_check_cycles_failed",
                 "span_answers", "span_score", "chance", "cycles_clearly_failed", "evidence",
                 "teams_audited", "teams_with_pattern", "spread"]


def recent_window(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> tuple[date, date] | None:
    """The first day of the earliest recent cycle and the scope's end date, or None when there is no data."""
    end = scope.end(con)
    if end is None:
        return None
    return months_back(end, settings["thresholds"]["recent_cycles"] - 1), end


def audit_name(audit_type: str) -> str:
    """An audit type as it reads mid-sentence, e.g. 'Care plan' -> 'care plan audit'."""
    name = audit_type[:1].lower() + audit_type[1:] if audit_type[1:2].islower() else audit_type
    return name if any(word in name.lower() for word in ("audit", "check", "review")) else f"{name} audit"


def subject_phrase(level: str, subject: str, audit_type: str) -> str:
    """An item or theme as it reads in a sentence."""
    if level == "theme":
        return f"the '{subject}' section of the {audit_name(audit_type)}"
    return f"'{subject}' ({audit_name(audit_type)})"


def monthly_subjects(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], start: date,
                     end: date) -> pd.DataFrame:
    """Monthly answers and scores per item and per theme, at the finest grain (team, shift, kind of check)."""
    answers = audit_compliance(con, scope, ("service", "audit_type", "section", "item", "team", "shift",
                                            "spot_check"), start, end, settings["partial_credit"])
    items = answers.assign(level="item", subject=answers["item"])
    themes = answers[answers["section"].notna()].assign(level="theme", subject=lambda f: f["section"])
    return pd.concat([items, themes], ignore_index=True)


def place_months(subjects: pd.DataFrame, place: list[str]) -> pd.DataFrame:
    """Compliance per subject, place and month, overall and for each kind of check."""
    data = subjects.dropna(subset=place)
    keys = SUBJECT + place + ["month"]
    # One grouping, each kind of check summed beside the total (zero where the row is of the other kind).
    sums = {"answers": data["answers"], "score": data["score"]}
    for name, (_, spot) in CHECK_KINDS.items():
        of_kind = (data["spot_check"] == spot).fillna(False).astype(bool)
        sums |= {f"{name}_answers": data["answers"].where(of_kind, 0),
                 f"{name}_score": data["score"].where(of_kind, 0.0)}
    months = data[keys].assign(**sums).groupby(keys, as_index=False).sum()
    for name in CHECK_KINDS:
        answers, score = months.pop(f"{name}_answers"), months.pop(f"{name}_score")
        months[f"{name}_compliance"] = (score / answers).where(answers > 0)
    months["compliance"] = months["score"] / months["answers"]
    return months


def classify_cycles(failed: list[bool], thresholds: dict[str, Any]) -> str:
    """'persistent', 'recurring', 'isolated' or 'not failing' from each cycle's failure, oldest first."""
    count = sum(failed)
    if count == 0:
        return "not failing"
    latest_run = len(failed) - max((i + 1 for i, f in enumerate(failed) if not f), default=0)
    if count >= thresholds["persistent_min_cycles"] and (
            latest_run >= thresholds["persistent_min_cycles"] or count > len(failed) / 2):
        return "persistent"
    return "recurring" if count >= thresholds["recurring_min_cycles"] else "isolated"


def _place_rows(months: pd.DataFrame, keys: list[str], thresholds: dict[str, Any]) -> pd.DataFrame:
    """Per place: cycles audited and failed (overall and per kind of check), the latest month and compliance,
    the compliance over the period, the failing months and the classification."""
    limit = thresholds["item_failing_compliance"]
    months = months.sort_values("month")
    # The rows of each place together, months in order, places in order of first appearance (as a groupby).
    group = months.groupby(keys, sort=False).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    order = order[group[order] >= 0]
    group = group[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.array([], dtype=int)
    stops = np.r_[starts[1:], len(group)].astype(int)
    ordered = months.iloc[order]
    rows = ordered[keys].iloc[starts].reset_index(drop=True)
    if rows.empty:
        columns = ["cycles_audited", "cycles_failed", "latest_month", "latest_compliance", "answers", "score",
                   *(f"{name}_cycles_{what}" for name in CHECK_KINDS for what in ("audited", "failed")),
                   "compliance", "failing_months", "classification", "span_answers", "span_score", "chance",
                   "cycles_clearly_failed"]
        return rows.assign(**{column: pd.Series(dtype=object) for column in columns})

    def total(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts)

    compliance = ordered["compliance"].to_numpy(dtype=float)
    failed = compliance < limit
    rows["cycles_audited"] = stops - starts
    rows["cycles_failed"] = total(failed.astype(np.int64))
    rows["latest_month"] = ordered["month"].iloc[stops - 1].reset_index(drop=True)
    rows["latest_compliance"] = compliance[stops - 1]
    rows["answers"] = total(ordered["answers"].to_numpy())
    rows["score"] = total(ordered["score"].to_numpy(dtype=float))
    for name in CHECK_KINDS:
        kind = ordered[f"{name}_compliance"].to_numpy(dtype=float)
        rows[f"{name}_cycles_audited"] = total((~np.isnan(kind)).astype(np.int64))
        rows[f"{name}_cycles_failed"] = total((kind < limit).astype(np.int64))
    rows["compliance"] = rows["score"] / rows["answers"]
    # The failing run's answers: every cycle from the first failing one to the latest, passes after it included.
    position = np.arange(len(group))
    first_failed = np.minimum.reduceat(np.where(failed, position, len(group)), starts)
    in_span = position >= np.repeat(first_failed, stops - starts)
    rows["span_answers"] = total(np.where(in_span, ordered["answers"].to_numpy(), 0))
    rows["span_score"] = total(np.where(in_span, ordered["score"].to_numpy(dtype=float), 0.0))
    rows["chance"] = failing_chance(rows["span_score"].to_numpy(dtype=float),
                                    rows["span_answers"].to_numpy(dtype=float), limit)
    # Cycles whose own answers fail beyond chance (four of four care plans unsigned, not one of one).
    cycle_chance = failing_chance(ordered["score"].to_numpy(dtype=float), ordered["answers"].to_numpy(dtype=float),
                                  limit)
    rows["cycles_clearly_failed"] = total((failed & (cycle_chance <= thresholds["item_failing_chance"]))
                                          .astype(np.int64))
    # Each place's failing months, oldest first, and how many failed in a row up to the latest.
    codes, distinct = pd.factorize(ordered["month"].to_numpy())
    labels = np.array([_month_label(month) for month in pd.Series(distinct)], dtype=object)[codes]
    failing = np.flatnonzero(failed)
    rows["failing_months"] = [list(part) for part in np.split(labels[failing],
                                                              np.searchsorted(failing, starts[1:]))]
    last_passed = np.maximum.reduceat(np.where(failed, -1, position), starts)
    rows["classification"] = _classify_counts(rows["cycles_failed"].to_numpy(), rows["cycles_audited"].to_numpy(),
                                              (stops - 1) - np.maximum(last_passed, starts - 1), thresholds)
    return rows


def failing_chance(score: np.ndarray, answers: np.ndarray, limit: float) -> np.ndarray:
    """The chance of answers scoring this low or lower if the item truly met `limit`: the exact one-sided
    binomial P(X <= score) for X ~ Binomial(answers, limit), continuous in the score so partly met answers count
    as their credit. 1 where nothing failed."""
    score, answers = np.asarray(score, dtype=float), np.asarray(answers, dtype=float)
    below = (answers > 0) & (score < answers)
    safe_a = np.where(below, answers - score, 1.0)
    safe_b = np.where(below, score + 1.0, 1.0)
    return np.where(below, betainc(safe_a, safe_b, 1.0 - limit), 1.0)


def _month_label(month: object) -> str:
    return f"{month:%b %Y}"


def _classify_counts(failed: np.ndarray, audited: np.ndarray, latest_run: np.ndarray,
                     thresholds: dict[str, Any]) -> np.ndarray:
    """classify_cycles for many places at once, from their failed and audited cycles and latest run of failures."""
    persistent = (failed >= thresholds["persistent_min_cycles"]) & (
        (latest_run >= thresholds["persistent_min_cycles"]) | (failed > audited / 2))
    return np.select([failed == 0, persistent, failed >= thresholds["recurring_min_cycles"]],
                     ["not failing", "persistent", "recurring"], default="isolated").astype(object)


def _place_label(team: object, shift: object) -> str:
    named_team, named_shift = _named(team), _named(shift)
    if named_team and named_shift:
        return f"{team}, {shift} shift"
    if named_team:
        return str(team)
    return f"{shift} shift, all teams" if named_shift else "all teams"


def _named(value: object) -> bool:
    """pd.notna for one label, quicker: a string is a name, None and NaN are not."""
    return isinstance(value, str) or (value is not None and pd.notna(value))


def subject_sections(subjects: pd.DataFrame) -> pd.DataFrame:
    """The section each item and theme belongs to (for a theme, itself)."""
    named = subjects[subjects["section"].notna()]
    return named.groupby(SUBJECT, as_index=False)["section"].first()


def evidence_strength(classification: str, chance: float, cycles_clearly_failed: int,
                      thresholds: dict[str, Any]) -> str | None:
    """How well a place's answers show its pattern, so one slip among a few records is not a repeat finding.

    'clear': recurring or persistent, and either the answers since it first failed fall below
    `item_failing_compliance` beyond chance (`chance` at most `item_failing_chance`), or at least
    `recurring_min_cycles` cycles each failed beyond chance on their own answers. 'limited': a pattern chance
    could still give, but not easily (`chance` at most `item_limited_chance`). None otherwise."""
    if classification not in PATTERNS:
        return None
    if chance <= thresholds["item_failing_chance"] or cycles_clearly_failed >= thresholds["recurring_min_cycles"]:
        return "clear"
    return "limited" if chance <= thresholds["item_limited_chance"] else None


def is_pattern(table: pd.DataFrame) -> pd.Series:
    """Recurring or persistent with clear or limited evidence (see `evidence_strength`)."""
    return table["evidence"].notna()


def _spread(table: pd.DataFrame, thresholds: dict[str, Any]) -> pd.DataFrame:
    pattern = is_pattern(table)
    team_row = table["team"].notna() & table["shift"].isna()
    spread = table.assign(pattern=pattern, team_row=team_row, team_pattern=team_row & pattern) \
        .groupby(SUBJECT, as_index=False).agg(teams_audited=("team_row", "sum"),
                                              teams_with_pattern=("team_pattern", "sum"), pattern=("pattern", "any"))
    spread["spread"] = ["service-wide" if is_service_wide(with_pattern, audited, thresholds) else
                        "local" if any_pattern else None for with_pattern, audited, any_pattern
                        in zip(spread["teams_with_pattern"], spread["teams_audited"], spread["pattern"])]
    return spread.drop(columns="pattern")


def is_service_wide(teams_with_pattern: int, teams_audited: int, thresholds: dict[str, Any]) -> bool:
    """Whether a pattern on this many of the teams audited counts as service-wide."""
    return teams_with_pattern >= 2 and teams_with_pattern >= thresholds["service_wide_share_of_teams"] * teams_audited


@within_run  # the pooled-item check asks for the team rows too
def repeat_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Per service, audit type, item or theme, and place: cycles audited and failed, the classification and the
    spread, which for an item failing across the service on all its teams' answers together (`pooled_items`) is
    service-wide, as its finding says."""
    window = recent_window(con, scope, settings)
    table = teams_table(con, scope, settings)
    if window is None or table.empty:
        return table
    from .pooled_items import failing_across_services  # builds on this module

    pooled = {(p.row["service"], p.row["audit_type"], p.row["subject"]) for p in
              failing_across_services(con, scope, settings)}
    keys = zip(table["service"], table["audit_type"], table["subject"], table["level"])
    table.loc[[(s, a, i) in pooled and level == "item" for s, a, i, level in keys], "spread"] = "service-wide"
    return table


@shared
def teams_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """`repeat_table` with the spread decided on each team's own answers alone."""
    window = recent_window(con, scope, settings)
    subjects = monthly_subjects(con, scope, settings, *window) if window else pd.DataFrame()
    if subjects.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    thresholds = settings["thresholds"]
    table = pd.concat([_place_rows(place_months(subjects, place), SUBJECT + place, thresholds)
                       for place in PLACES.values()], ignore_index=True)
    table["evidence"] = [evidence_strength(c, p, n, thresholds) for c, p, n in zip(
        table["classification"], table["chance"], table["cycles_clearly_failed"])]
    table["place"] = [_place_label(t, s) for t, s in zip(table["team"].to_numpy(dtype=object),
                                                          table["shift"].to_numpy(dtype=object))]
    table = table.merge(subject_sections(subjects), on=SUBJECT, how="left") \
        .merge(_spread(table, thresholds), on=SUBJECT)
    return table[TABLE_COLUMNS].sort_values(SUBJECT + ["team", "shift"], na_position="first", ignore_index=True)


@within_run  # the pooled-item check asks for the team rows too
def repeat_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """Recurring and persistent items and themes, each reported once at the narrowest place that holds it.

    A service-wide pattern is one finding for the service (team None), and so is an item failing across the
    service on all its teams' answers together (`pooled_items`), beside the findings of any teams whose own answers
    show it clearly. Otherwise each team with the pattern
    is a finding, and a team's shift where the team as a whole shows no pattern. A shift across teams stays
    in the table only: with one audit per team a month it pools the few answers of whichever teams were
    audited on that shift, so one team's slip reads as the shift's, and comparing shifts is the fragility
    analysis's job. A theme is reported only where none of its items is reported at the same place or
    service-wide. Isolated failures are not findings.

    Status: persistent is a concern, recurring is fragile; a pattern on limited evidence (see `evidence_strength`)
    is shown only as such (`findings.limited`). Confidence: audits are one source, so limited,
    except where scheduled audits and unannounced spot checks each show the failure on their own (at least
    `recurring_min_cycles` failed cycles in that kind of check): two independent kinds of check agreeing
    make it high.
    """
    window = recent_window(con, scope, settings)
    table = teams_table(con, scope, settings)
    if window is None or table.empty:
        return []
    from .pooled_items import failing_across_services, pooled_finding  # builds on this module
    pooled = failing_across_services(con, scope, settings)
    folded = {(p.row["service"], p.row["audit_type"], p.row["section"]) for p in pooled}
    chosen = _drop_explained_themes(_chosen(table), folded)
    # A team whose own answers show the item clearly keeps its finding beside the service's; the rest fold into it.
    items = {(p.row["service"], p.row["audit_type"], p.row["subject"]) for p in pooled}
    from .repeat_words import repeat_finding  # builds on this module
    return [repeat_finding(rows, window, settings) for rows in chosen if rows[0]["level"] == "theme"
            or rows[0]["evidence"] == "clear" or (rows[0]["service"], rows[0]["audit_type"], rows[0]["subject"])
            not in items] + [pooled_finding(p, window, settings) for p in pooled]


def _chosen(table: pd.DataFrame) -> list[list[dict[str, Any]]]:
    """The rows each finding is about (as records), subject by subject in the table's order: the narrowest place
    holding it.

    A service-wide subject is one finding of all its teams with the pattern. Otherwise each team with the pattern
    is one, then each team's shift with the pattern where the team as a whole has none.
    """
    patterns = table[is_pattern(table) & table["team"].notna()]
    if patterns.empty:
        return []
    subject = table.groupby(SUBJECT, sort=False).ngroup().loc[patterns.index]
    is_team = patterns["shift"].isna()
    service_wide = patterns["spread"] == "service-wide"
    team_keys = pd.MultiIndex.from_frame(patterns.loc[is_team, SUBJECT + ["team"]])
    team_has_pattern = pd.MultiIndex.from_frame(patterns[SUBJECT + ["team"]]).isin(team_keys)
    kept = patterns[is_team | (~service_wide & ~team_has_pattern)]
    kept = kept.assign(_subject=subject.loc[kept.index], _team_shift=kept["shift"].notna(),
                       _position=np.arange(len(kept)))
    kept = kept.sort_values(["_subject", "_team_shift", "_position"], kind="stable")
    # A service-wide subject is one finding of all its (consecutive) team rows; otherwise each row is one.
    subjects = kept["_subject"].to_numpy()
    wide = (kept["spread"] == "service-wide").to_numpy()
    starts = np.flatnonzero(~wide | np.r_[True, subjects[1:] != subjects[:-1]])
    stops = np.r_[starts[1:], len(kept)]
    records = kept.drop(columns=["_subject", "_team_shift", "_position"]).astype(object).to_dict("records")
    return [records[start:stop] for start, stop in zip(starts, stops)]


def _first_place_key(first: dict[str, Any]) -> tuple:
    if first["spread"] == "service-wide":
        return ("service-wide",)
    return first["team"], first["shift"] if pd.notna(first["shift"]) else None


def _drop_explained_themes(chosen: list[list[dict[str, Any]]], wide_sections: set[tuple] = frozenset()
                           ) -> list[list[dict[str, Any]]]:
    """Without the themes an item of theirs reported at the same place or service-wide explains (`wide_sections`:
    service, audit type and section of items reported service-wide apart from `chosen`)."""
    reported = {(rows[0]["service"], rows[0]["audit_type"], rows[0]["section"], _first_place_key(rows[0]))
                for rows in chosen if rows[0]["level"] == "item"} | {(*key, ("service-wide",)) for key in wide_sections}

    def explained(first: dict[str, Any]) -> bool:
        theme = (first["service"], first["audit_type"], first["subject"])
        return first["level"] == "theme" and bool({(*theme, _first_place_key(first)), (*theme, ("service-wide",))}
                                                  & reported)

    return [rows for rows in chosen if not explained(rows[0])]


def kinds_showing(rows: pd.DataFrame, thresholds: dict[str, Any]) -> set[str]:
    """The kinds of check that, on their own answers, failed in at least `recurring_min_cycles` cycles."""
    return {label for name, (label, _) in CHECK_KINDS.items()
            if (rows[f"{name}_cycles_failed"] >= thresholds["recurring_min_cycles"]).any()}


def kinds_of_rows(rows: list[dict[str, Any]], thresholds: dict[str, Any]) -> set[str]:
    """`kinds_showing` for rows as records."""
    return {label for name, (label, _) in CHECK_KINDS.items()
            if any(row[f"{name}_cycles_failed"] >= thresholds["recurring_min_cycles"] for row in rows)}


