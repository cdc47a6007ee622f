"""Providers' own action plans, loaded as the `actions` source and matched to tracked concerns.

A plan row is read like any other source's row (analytics.ingest: any sensible layout, unreadable cells listed,
nothing lost). Each row is then matched to a concern at its place: the same service, the same team (or a
service-wide concern, or a row naming no team), and an issue or action worded like the concern's subject
(rapidfuzz's WRatio at least `action_match_score`). A person's link overrides the match; rows matching no
concern are listed for a person to link.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd
from rapidfuzz import fuzz, utils

from .access import User
from .actions import Action, status_of
from .audit_trail import record
from .concerns import TrackedConcern, concern_by_id, tracked
from .measures import MEASURES
from .scope import Scope
from .store import bump_data_version

_COLUMNS = ["row_key", "service", "team", "issue", "action", "owner", "raised_date", "due_date", "review_date",
            "status", "completed_date", "evidence", "measure", "file_name"]


def plan_rows(con: duckdb.DuckDBPyConnection, scope: Scope | None = None) -> pd.DataFrame:
    """The imported action-plan rows of the scope's services, with the file each came from and any person's link."""
    services, values = (scope or Scope()).service_filter("a.service")
    return con.cursor().execute(f"""
        SELECT a.row_key, a.service, a.team, a.issue, a.action, a.owner, a.raised_date, a.due_date, a.review_date,
               a.status, a.completed_date, a.evidence, a.measure, b.file_name, l.concern_id AS linked_to
        FROM actions a JOIN batches b USING (batch_id) LEFT JOIN action_links l USING (row_key)
        WHERE {services} ORDER BY b.file_name, a.source_row""", values).df()


def match_score(row: dict[str, Any], concern: TrackedConcern) -> float:
    """How well a plan row fits a concern, 0 to 100: 0 at another place, else the best wording likeness of the
    row's issue or action to the concern's subject."""
    if row["service"] != concern.service:
        return 0.0
    team = row.get("team")
    if _given(team) and concern.team is not None and str(team).strip().lower() != concern.team.lower():
        return 0.0
    texts = [str(row[c]) for c in ("issue", "action") if _given(row.get(c))]
    return max((fuzz.WRatio(text, concern.subject, processor=utils.default_process) for text in texts), default=0.0)


def best_concern(row: dict[str, Any], concerns: list[TrackedConcern], min_score: float) -> int | None:
    """The concern a row is about: the best score at least `min_score`, a concern at the row's own team first."""
    scored = [(match_score(row, c), c.team is not None, -c.concern_id, c.concern_id) for c in concerns]
    scored = [s for s in scored if s[0] >= min_score]
    return max(scored)[3] if scored else None


def matched_rows(con: duckdb.DuckDBPyConnection, settings: dict[str, Any], scope: Scope | None = None) -> pd.DataFrame:
    """Every plan row with the concern it belongs to (a person's link, else the match) and how it was decided."""
    rows = plan_rows(con, scope)
    concerns = tracked(con, scope or Scope())
    score = settings["thresholds"]["action_match_score"]
    found, how = [], []
    for row in rows.to_dict("records"):
        if _given(row["linked_to"]):
            found.append(int(row["linked_to"]))
            how.append("linked by a person")
            continue
        match = best_concern(row, concerns, score)
        found.append(match)
        how.append("matched by place and wording" if match is not None else "not matched: link it to a concern")
    return rows.assign(concern_id=pd.array(found, dtype="Int64"), matched=how)


def unmatched(con: duckdb.DuckDBPyConnection, settings: dict[str, Any], scope: Scope | None = None) -> pd.DataFrame:
    """The plan rows that belong to no concern yet, for a person to link."""
    rows = matched_rows(con, settings, scope)
    return rows[rows["concern_id"].isna()].reset_index(drop=True)


def plan_actions(con: duckdb.DuckDBPyConnection, settings: dict[str, Any], scope: Scope | None = None) -> list[Action]:
    """The plan rows as actions (unmatched ones with no concern)."""
    actions = []
    for row in matched_rows(con, settings, scope).to_dict("records"):
        completed = _day(row["completed_date"])
        actions.append(Action(
            action_id=f"P{int(row['row_key'])}", concern_id=None if pd.isna(row["concern_id"]) else int(row["concern_id"]),
            service=row["service"], team=row["team"] if _given(row["team"]) else None, what=str(row["action"]),
            owner=str(row["owner"]) if _given(row["owner"]) else "", due=_day(row["due_date"]),
            review=_day(row["review_date"]), status=status_of(row["status"], completed), completed=completed,
            expected_measure=_measure(row["measure"]), evidence=str(row["evidence"]) if _given(row["evidence"]) else "",
            origin=str(row["file_name"]), raised=_day(row["raised_date"]),
            issue=str(row["issue"]) if _given(row["issue"]) else ""))
    return actions


def link_row(con: duckdb.DuckDBPyConnection, user: User, action_id: str, concern_id: int) -> None:
    """Link an imported plan row (P<row key>) to a concern in the person's services, noted in the audit trail."""
    user.require("manage_actions")
    concern = concern_by_id(con, concern_id, user)
    text = str(action_id).strip().upper().removeprefix("P")
    if not text.isdigit():
        raise ValueError(f"{action_id!r} is not an imported action (those are P followed by a number)")
    row = con.cursor().execute("SELECT service FROM actions WHERE row_key = ?", [int(text)]).fetchone()
    if row is None or row[0] != concern.service:
        raise LookupError(f"no imported action {action_id} for {concern.service}")
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute("INSERT OR REPLACE INTO action_links VALUES (?, ?, ?, ?)",
                    [int(text), concern_id, user.email, datetime.now()])
        record(cur, user.email, "link_action", {"action": action_id, "concern": concern_id, "place": concern.place})
        bump_data_version(cur)  # pages drop cached results, wherever it was recorded
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def _measure(text: object) -> str | None:
    """A plan's expected measure as a measure id, where it names one (by id or label)."""
    if not _given(text):
        return None
    wanted = utils.default_process(str(text))
    for measure in MEASURES.values():
        if wanted in (measure.id.replace("_", " "), utils.default_process(measure.label)):
            return measure.id
    return None


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NA \
        and str(value).strip() != ""


def _day(value: object) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()
