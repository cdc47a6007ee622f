"""Repeat findings: an audit item or theme failing cycle after cycle, where, and how widely.

A monthly audit cycle fails for an item (or a theme: the items of one section of an audit type) when its
compliance that month is below `item_failing_compliance`. Over the last `recent_cycles` months, for the
service as a whole, each team, each shift and each team's shift, the cycles audited classify it:

- isolated: failed, but in fewer than `recurring_min_cycles` cycles (one bad month is not a pattern);
- recurring: failed in at least `recurring_min_cycles` cycles;
- persistent: failed in at least `persistent_min_cycles` cycles, either consecutively up to and including
  the latest cycle audited, or in most (more than half) of the cycles audited.

Recurring and persistent items are patterns in CQC's sense. A pattern is service-wide when at least
`service_wide_share_of_teams` of the teams audited on the item show it, and more than one team does;
otherwise it is local to a team or shift.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from .compliance import audit_compliance
from .findings import Evidence, Finding, confidence_from_sources, percent
from .key_questions import classify
from .scope import Scope, months_back, period_label

PATTERNS = ("recurring", "persistent")
SUBJECT = ["service", "audit_type", "level", "subject"]
PLACES = {"service": [], "team": ["team"], "shift": ["shift"], "team and shift": ["team", "shift"]}
# The two independent kinds of check an audit answer can come from (spot_check NULL: unknown, neither).
CHECK_KINDS = {"scheduled": ("scheduled audits", False), "spot_check": ("spot checks", True)}
TABLE_COLUMNS = ["service", "audit_type", "level", "subject", "section", "place", "team", "shift",
                 "cycles_audited", "cycles_failed", "failing_months", "latest_month", "latest_compliance",
                 "compliance", "classification", "scheduled_cycles_audited", "scheduled_cycles_failed",
                 "spot_check_cycles_audited", "spot_check_cycles_failed",
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
    months = data.groupby(keys, as_index=False)[["answers", "score"]].sum()
    for name, (_, spot) in CHECK_KINDS.items():
        kind = data[data["spot_check"] == spot].groupby(keys, as_index=False)[["answers", "score"]].sum()
        kind[f"{name}_compliance"] = kind["score"] / kind["answers"]
        months = months.merge(kind[keys + [f"{name}_compliance"]], on=keys, how="left")
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
    limit = thresholds["item_failing_compliance"]
    months = months.sort_values("month").assign(failed=lambda m: m["compliance"] < limit)
    kinds = {}
    for name in CHECK_KINDS:
        months[f"{name}_audited"] = months[f"{name}_compliance"].notna()
        months[f"{name}_failed"] = months[f"{name}_compliance"] < limit
        kinds |= {f"{name}_cycles_audited": (f"{name}_audited", "sum"),
                  f"{name}_cycles_failed": (f"{name}_failed", "sum")}
    rows = months.groupby(keys, as_index=False, sort=False).agg(
        cycles_audited=("month", "size"), cycles_failed=("failed", "sum"), failed=("failed", list),
        months=("month", list), latest_month=("month", "last"), latest_compliance=("compliance", "last"),
        answers=("answers", "sum"), score=("score", "sum"), **kinds)
    rows["compliance"] = rows["score"] / rows["answers"]
    rows["failing_months"] = [[f"{month:%b %Y}" for month, failed in zip(months, flags) if failed]
                              for months, flags in zip(rows["months"], rows["failed"])]
    rows["classification"] = [classify_cycles(failed, thresholds) for failed in rows["failed"]]
    return rows


def _place_label(team: object, shift: object) -> str:
    if pd.notna(team) and pd.notna(shift):
        return f"{team}, {shift} shift"
    if pd.notna(team):
        return str(team)
    return f"{shift} shift, all teams" if pd.notna(shift) else "all teams"


def subject_sections(subjects: pd.DataFrame) -> pd.DataFrame:
    """The section each item and theme belongs to (for a theme, itself)."""
    named = subjects[subjects["section"].notna()]
    return named.groupby(SUBJECT, as_index=False)["section"].first()


def _spread(table: pd.DataFrame, thresholds: dict[str, Any]) -> pd.DataFrame:
    pattern = table["classification"].isin(PATTERNS)
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


def repeat_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Per service, audit type, item or theme, and place: cycles audited and failed, and the classification."""
    window = recent_window(con, scope, settings)
    subjects = monthly_subjects(con, scope, settings, *window) if window else pd.DataFrame()
    if subjects.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    thresholds = settings["thresholds"]
    table = pd.concat([_place_rows(place_months(subjects, place), SUBJECT + place, thresholds)
                       for place in PLACES.values()], ignore_index=True)
    table["place"] = [_place_label(t, s) for t, s in zip(table["team"], table["shift"])]
    table = table.merge(subject_sections(subjects), on=SUBJECT, how="left") \
        .merge(_spread(table, thresholds), on=SUBJECT)
    return table[TABLE_COLUMNS].sort_values(SUBJECT + ["team", "shift"], na_position="first", ignore_index=True)


def repeat_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """Recurring and persistent items and themes, each reported once at the narrowest place that holds it.

    A service-wide pattern is one finding for the service (team None). Otherwise each team with the pattern
    is a finding, and a team's shift where the team as a whole shows no pattern. A shift across teams stays
    in the table only: with one audit per team a month it pools the few answers of whichever teams were
    audited on that shift, so one team's slip reads as the shift's, and comparing shifts is the fragility
    analysis's job. A theme is reported only where none of its items is reported at the same place or
    service-wide. Isolated failures are not findings.

    Status: persistent is a concern, recurring is fragile. Confidence: audits are one source, so limited,
    except where scheduled audits and unannounced spot checks each show the failure on their own (at least
    `recurring_min_cycles` failed cycles in that kind of check): two independent kinds of check agreeing
    make it high.
    """
    window = recent_window(con, scope, settings)
    table = repeat_table(con, scope, settings)
    if window is None or table.empty:
        return []
    chosen = []
    for _, rows in table.groupby(SUBJECT, sort=False):
        chosen.extend(_narrowest(rows))
    chosen = _drop_explained_themes(chosen)
    return [_finding(rows, window, settings) for rows in chosen]


def _narrowest(rows: pd.DataFrame) -> list[pd.DataFrame]:
    patterns = rows[rows["classification"].isin(PATTERNS) & rows["team"].notna()]
    teams = patterns[patterns["shift"].isna()]
    if rows["spread"].iloc[0] == "service-wide":
        return [teams]
    team_shifts = patterns[patterns["shift"].notna() & ~patterns["team"].isin(teams["team"])]
    return [teams.loc[[i]] for i in teams.index] + [team_shifts.loc[[i]] for i in team_shifts.index]


def _place_key(rows: pd.DataFrame) -> tuple:
    first = rows.iloc[0]
    if first["spread"] == "service-wide":
        return ("service-wide",)
    return first["team"], first["shift"] if pd.notna(first["shift"]) else None


def _drop_explained_themes(chosen: list[pd.DataFrame]) -> list[pd.DataFrame]:
    reported = {(r.iloc[0]["service"], r.iloc[0]["audit_type"], r.iloc[0]["section"], _place_key(r))
                for r in chosen if r.iloc[0]["level"] == "item"}

    def explained(rows: pd.DataFrame) -> bool:
        first = rows.iloc[0]
        theme = (first["service"], first["audit_type"], first["subject"])
        return first["level"] == "theme" and bool({(*theme, _place_key(rows)), (*theme, ("service-wide",))}
                                                  & reported)

    return [rows for rows in chosen if not explained(rows)]


def _finding(rows: pd.DataFrame, window: tuple[date, date], settings: dict[str, Any]) -> Finding:
    thresholds = settings["thresholds"]
    first = rows.iloc[0]
    service_wide = first["spread"] == "service-wide"
    if service_wide:
        persistent = int((rows["classification"] == "persistent").sum())
        classification = "persistent" if is_service_wide(persistent, first["teams_audited"], thresholds) \
            else "recurring"
    else:
        classification = first["classification"]
    kinds = kinds_showing(rows, thresholds)
    text = " ".join(str(p) for p in (first["audit_type"], first["section"], first["subject"]) if pd.notna(p))
    key_question, statement = classify(text, settings["key_questions"]) or (None, None)
    start, end = window
    return Finding(
        kind="repeat_finding", service=first["service"],
        team=None if service_wide else first["team"],
        shift=None if service_wide or pd.isna(first["shift"]) else first["shift"],
        key_question=key_question, quality_statement=statement,
        subject=first["subject"] if first["level"] == "item" else f"{first['subject']} (theme)",
        status="concern" if classification == "persistent" else "fragile",
        confidence=confidence_from_sources(kinds, agree=True),
        period_start=start, period_end=end,
        summary=_summary(rows, classification, service_wide, window, kinds),
        evidence=tuple(_evidence(row, window, kinds) for _, row in rows.iterrows()))


def kinds_showing(rows: pd.DataFrame, thresholds: dict[str, Any]) -> set[str]:
    """The kinds of check that, on their own answers, failed in at least `recurring_min_cycles` cycles."""
    return {label for name, (label, _) in CHECK_KINDS.items()
            if (rows[f"{name}_cycles_failed"] >= thresholds["recurring_min_cycles"]).any()}


def _summary(rows: pd.DataFrame, classification: str, service_wide: bool, window: tuple[date, date],
             kinds: set[str]) -> str:
    first = rows.iloc[0]
    what = subject_phrase(first["level"], first["subject"], first["audit_type"])
    period = period_label(*window)
    if service_wide:
        teams = "all" if len(rows) == first["teams_audited"] else f"{len(rows)} of the"
        return (f"At {first['service']}, {what} failed in {rows['cycles_failed'].sum()} of "
                f"{rows['cycles_audited'].sum()} monthly team audits from {period}{_checks(rows, kinds)}, on "
                f"{teams} {first['teams_audited']} teams audited: a {classification}, service-wide pattern CQC "
                f"would expect leaders to have seen.")
    latest = f", including the latest in {first['latest_month']:%b %Y}" \
        if first["failing_months"][-1] == f"{first['latest_month']:%b %Y}" else ""
    return (f"At {first['service']}, {what} failed on {_where(first)} in {first['cycles_failed']} of "
            f"{first['cycles_audited']} monthly audits from {period} ({', '.join(first['failing_months'])})"
            f"{latest}{_checks(rows, kinds)}: a {classification} pattern CQC would expect leaders to have seen.")


def _checks(rows: pd.DataFrame, kinds: set[str]) -> str:
    if len(kinds) == len(CHECK_KINDS):
        return ", in both scheduled audits and spot checks"
    failing = [label for name, (label, _) in CHECK_KINDS.items() if rows[f"{name}_cycles_failed"].sum()]
    every_kind_audited = all(rows[f"{name}_cycles_audited"].sum() for name in CHECK_KINDS)
    return f", in {failing[0]} only" if len(failing) == 1 and every_kind_audited else ""


def _where(row: pd.Series) -> str:
    return f"{row['team']}'s {row['shift']} shift" if pd.notna(row["shift"]) else str(row["team"])


def _evidence(row: pd.Series, window: tuple[date, date], kinds: set[str]) -> Evidence:
    start, end = window
    column = "section" if row["level"] == "theme" else "item"
    where = "".join(f", {c} = {row[c]!r}" for c in ("team", "shift") if pd.notna(row[c]))
    return Evidence(
        source="audits", measure="monthly cycles failed", value=float(row["cycles_failed"]),
        comparison=float(row["cycles_audited"]), period=period_label(start, end),
        rows=(f"audits: service = {row['service']!r}, audit_type = {row['audit_type']!r}, {column} = "
              f"{row['subject']!r}{where}, audit_date {start:%d/%m/%Y} to {end:%d/%m/%Y}"),
        detail=(f"{row['classification']}; failed in {', '.join(row['failing_months'])}; compliance "
                f"{percent(row['compliance'])} over the period, {percent(row['latest_compliance'])} in "
                f"{row['latest_month']:%b %Y}; failed cycles in scheduled audits {row['scheduled_cycles_failed']}, "
                f"in spot checks {row['spot_check_cycles_failed']}"
                + (f"; shown by {' and '.join(sorted(kinds))}" if kinds else "")))
