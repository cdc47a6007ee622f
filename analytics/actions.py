"""Actions against concerns: what will be done, who owns it, by when, and how it went.

Actions are recorded in the app (registered managers and quality leads; senior leaders see them) or imported
from the providers' own action plans (the `actions` source, see `analytics.action_plans`). Either way an
action reads the same: what, owner, due and review dates, status, completion date, the measure expected to
move and the evidence given on closing. Whether the data bears that evidence out is `analytics.follow_through`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import duckdb

from .access import User
from .audit_trail import record
from .measures import MEASURES
from .store import bump_data_version

STATUSES = ("planned", "in progress", "done", "dropped")
# How providers write an action's status in their plans, as one of STATUSES.
_STATUS_WORDS = {
    "done": ("done", "complete", "completed", "closed", "achieved", "green", "blue", "finished", "met"),
    "in progress": ("in progress", "ongoing", "started", "amber", "underway", "partly done", "partially complete",
                    "on track", "progressing"),
    "dropped": ("dropped", "cancelled", "canceled", "withdrawn", "no longer needed", "superseded"),
    "planned": ("planned", "not started", "open", "red", "new", "to do", "todo", "pending", "overdue", "behind"),
}
_NON_WORD = re.compile(r"[^a-z]+")


@dataclass(frozen=True)
class Action:
    """One action, recorded in the app (origin 'app') or read from an action plan (origin: the file)."""

    action_id: str          # "A<n>" recorded in the app, "P<row key>" from an imported plan
    concern_id: int | None  # None: an imported row not yet linked to a concern
    service: str
    team: str | None
    what: str
    owner: str
    due: date | None
    review: date | None
    status: str
    completed: date | None
    expected_measure: str | None
    evidence: str
    origin: str
    raised: date | None     # when the action was planned (recorded, or the plan's "date raised")
    issue: str = ""         # an imported row's issue or finding, as written

    @property
    def done(self) -> bool:
        return self.status == "done"

    def overdue(self, today: date) -> bool:
        """Not done (or dropped) and its due date has passed."""
        return self.status in ("planned", "in progress") and self.due is not None and self.due < today

    @property
    def closed_without_evidence(self) -> bool:
        return self.done and not self.evidence.strip()


def create_tables(cur: duckdb.DuckDBPyConnection) -> None:
    """The actions recorded in the app and the links of imported plan rows to concerns."""
    cur.execute("CREATE SEQUENCE IF NOT EXISTS action_ids START 1")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS concern_actions (
            action_id INTEGER PRIMARY KEY, concern_id INTEGER, what VARCHAR, owner VARCHAR, due_date DATE,
            review_date DATE, status VARCHAR, completed_date DATE, expected_measure VARCHAR, evidence VARCHAR,
            created_by VARCHAR, created_at TIMESTAMP, planned_on DATE, updated_by VARCHAR, updated_at TIMESTAMP)""")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS action_links (
            row_key UBIGINT PRIMARY KEY, concern_id INTEGER, linked_by VARCHAR, linked_at TIMESTAMP)""")


def status_of(text: object, completed: date | None = None) -> str:
    """An action plan's status as one of STATUSES; a completion date means done whatever the status says."""
    if completed is not None:
        return "done"
    words = _NON_WORD.sub(" ", str(text or "").lower()).strip()
    for status, said in _STATUS_WORDS.items():
        if words in said:
            return status
    for status, said in _STATUS_WORDS.items():
        if any(word in words for word in said if len(word) > 3):
            return status
    return "planned"


def add_action(con: duckdb.DuckDBPyConnection, user: User, concern_id: int, what: str, owner: str,
               due: date | None, review: date | None = None, expected_measure: str | None = None,
               planned_on: date | None = None) -> Action:
    """Record a planned action against a concern in the person's services, noted in the audit trail."""
    from .concerns import concern_by_id  # concerns import this module for its tables

    user.require("manage_actions")
    concern = concern_by_id(con, concern_id, user)
    if not what.strip() or not owner.strip():
        raise ValueError("an action needs what will be done and who owns it")
    _check_measure(expected_measure)
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        action_id = cur.execute("""
            INSERT INTO concern_actions VALUES (nextval('action_ids'), ?, ?, ?, ?, ?, 'planned', NULL, ?, '', ?,
                                                ?, ?, NULL, NULL) RETURNING action_id""",
                                [concern_id, what.strip(), owner.strip(), due, review, expected_measure, user.email,
                                 datetime.now(), planned_on or date.today()]).fetchone()[0]
        record(cur, user.email, "add_action", {"action": f"A{action_id}", "concern": concern_id,
                                               "place": concern.place, "what": what.strip(), "owner": owner.strip(),
                                               "due": due})
        bump_data_version(cur)  # pages drop cached results, wherever it was recorded
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return next(a for a in recorded_actions(con, [concern_id]) if a.action_id == f"A{action_id}")


def update_action(con: duckdb.DuckDBPyConnection, user: User, action_id: str, **changes: Any) -> Action:
    """Change an app-recorded action: status, completed, evidence, due, review, owner, what, expected_measure.
    Marking it done without a completion date completes it today; evidence is optional (shown if missing)."""
    user.require("manage_actions")
    allowed = {"status", "completed", "evidence", "due", "review", "owner", "what", "expected_measure"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}; change {', '.join(sorted(allowed))}")
    number = _app_number(action_id)
    found = [a for a in recorded_actions(con) if a.action_id == f"A{number}"]
    if not found:
        raise LookupError(f"no action {action_id} recorded in the app (imported actions change in their plan)")
    action = found[0]
    from .concerns import concern_by_id

    concern_by_id(con, action.concern_id, user)  # the action must be in the person's services
    if "status" in changes and changes["status"] not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    _check_measure(changes.get("expected_measure"))
    new = replace(action, **{k: v for k, v in changes.items() if v is not None})
    if new.status == "done" and new.completed is None:
        new = replace(new, completed=date.today())
    if new.status != "done":
        new = replace(new, completed=None)
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute("""
            UPDATE concern_actions SET what = ?, owner = ?, due_date = ?, review_date = ?, status = ?,
                   completed_date = ?, expected_measure = ?, evidence = ?, updated_by = ?, updated_at = ?
            WHERE action_id = ?""", [new.what, new.owner, new.due, new.review, new.status, new.completed,
                                     new.expected_measure, new.evidence, user.email, datetime.now(), number])
        record(cur, user.email, "update_action", {"action": action.action_id, "concern": action.concern_id,
                                                  **{k: v for k, v in changes.items() if v is not None}})
        bump_data_version(cur)  # pages drop cached results, wherever it was recorded
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return new


def recorded_actions(con: duckdb.DuckDBPyConnection, concern_ids: list[int] | None = None) -> list[Action]:
    """Actions recorded in the app, for the concerns given (all when None), oldest first."""
    rows = con.cursor().execute("""
        SELECT a.action_id, a.concern_id, c.service, c.team, a.what, a.owner, a.due_date, a.review_date, a.status,
               a.completed_date, a.expected_measure, coalesce(a.evidence, ''), a.planned_on
        FROM concern_actions a JOIN concerns c USING (concern_id)
        WHERE ? IS NULL OR a.concern_id IN (SELECT unnest(?)) ORDER BY a.action_id""",
                                [concern_ids, concern_ids]).fetchall()
    return [Action(f"A{r[0]}", r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], "app", r[12])
            for r in rows]


def actions_for(con: duckdb.DuckDBPyConnection, concern_ids: list[int], settings: dict[str, Any]) -> list[Action]:
    """Every action on these concerns: recorded in the app and imported from plans (linked or matched)."""
    from .action_plans import plan_actions  # imported rows, matched to concerns

    wanted = set(concern_ids)
    imported = [a for a in plan_actions(con, settings) if a.concern_id in wanted]
    return recorded_actions(con, concern_ids) + imported


def _app_number(action_id: str) -> int:
    text = str(action_id).strip().upper().removeprefix("A")
    if not text.isdigit():
        raise ValueError(f"{action_id!r} is not an action recorded in the app (those are A1, A2, ...)")
    return int(text)


def _check_measure(measure_id: str | None) -> None:
    if measure_id is not None and measure_id not in MEASURES:
        raise ValueError(f"unknown measure {measure_id!r}; choose from {', '.join(MEASURES)}")
