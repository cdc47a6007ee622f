"""Leaders' response to each concern: its state, timeline and measures, derived from the record and the data.

State: open (found in the data) -> recognised -> action planned -> actions done -> verified (the data shows the
expected measure better) -> sustained (held for embedded_min_cycles months, in spot checks too where there are
any, on every affected team); or not working (done, and the data shows no improvement) or recurring (the pattern
went from the data after the actions were done and came back: the concern reopens by itself, and each return
is counted). A past pattern that went from the data with no action recorded is "no longer in the data": leaders
may still be asked what they did about it.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from .actions import Action, actions_for
from .concerns import TrackedConcern, track, tracked
from .follow_through import FollowThrough, follow_through
from .scope import Scope, months_back
from .settings import load_settings

STATES = ("open", "recognised", "action planned", "actions done", "verified", "sustained", "not working",
          "recurring", "no longer in the data")
CLOSED_STATES = ("actions done", "verified", "sustained")


@dataclass(frozen=True)
class Event:
    on: date
    what: str


@dataclass(frozen=True)
class ConcernView:
    """A concern with what leaders did and what the data shows since."""

    concern: TrackedConcern
    actions: tuple[Action, ...]
    follow: dict[str, FollowThrough]
    state: str
    recurrences: int
    timeline: tuple[Event, ...]
    overdue: int
    days_to_recognition: int | None
    days_to_first_action: int | None
    recognised_late: bool
    flags: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        c = self.concern
        return {
            "concern_id": c.concern_id, "kind": c.kind, "service": c.service, "team": c.team, "shift": c.shift,
            "subject": c.subject, "key_question": c.key_question, "status": c.status, "state": self.state,
            "summary": c.summary, "first_signal": _iso(c.first_signal), "present_now": c.present_now,
            "recognition": None if c.recognition is None else {
                "on": c.recognition.recognised_on.isoformat(), "by": c.recognition.recognised_by,
                "judgement": c.recognition.judgement, "cause": c.recognition.cause},
            "days_to_recognition": self.days_to_recognition, "recognised_late": self.recognised_late,
            "days_to_first_action": self.days_to_first_action, "overdue_actions": self.overdue,
            "recurrences": self.recurrences, "flags": list(self.flags),
            "timeline": [{"on": e.on.isoformat(), "what": e.what} for e in self.timeline],
            "actions": [{"id": a.action_id, "what": a.what, "owner": a.owner, "due": _iso(a.due),
                         "review": _iso(a.review), "status": a.status, "completed": _iso(a.completed),
                         "expected_measure": a.expected_measure, "evidence": a.evidence, "origin": a.origin,
                         "verification": _follow_dict(self.follow.get(a.action_id))} for a in self.actions],
        }


def concern_views(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any] | None = None,
                  today: date | None = None, refresh: bool = True) -> list[ConcernView]:
    """Every concern of the scope's services as of its date, overdue first, then by how long it has gone
    without recognition. `refresh` brings the concerns up to date with the data first (analytics.concerns.track)."""
    settings = settings if settings is not None else load_settings(con)
    as_of = scope.end(con)
    if as_of is None:
        return []
    if refresh:
        track(con, scope, settings)
    today = today or max(date.today(), as_of)
    concerns = [c for c in tracked(con, scope, as_of) if c.months]
    actions: dict[int, list[Action]] = {}
    for action in actions_for(con, [c.concern_id for c in concerns], settings):
        actions.setdefault(action.concern_id, []).append(action)
    views = [view(con, c, actions.get(c.concern_id, []), as_of, today, settings) for c in concerns]
    return sorted(views, key=lambda v: (-v.overdue, v.state not in ("recurring", "open", "not working"),
                                        -(v.days_to_recognition or 0), v.concern.service, v.concern.concern_id))


def view(con: duckdb.DuckDBPyConnection, concern: TrackedConcern, actions: list[Action], as_of: date, today: date,
         settings: dict[str, Any]) -> ConcernView:
    """One concern's state, timeline and measures."""
    live = [a for a in actions if a.status != "dropped"]
    follow = {a.action_id: follow_through(con, concern, a, as_of, settings) for a in live if a.done}
    closed_on = max((a.completed for a in live if a.completed), default=None) \
        if live and all(a.done for a in live) else None
    returns = returned(concern.months, closed_on)
    state = concern_state(concern, live, list(follow.values()), returns)
    first = concern.first_signal
    recognised = concern.recognition.recognised_on if concern.recognition else None
    planned = min((a.raised for a in live if a.raised), default=None)
    target = settings["thresholds"]["recognition_target_days"]
    # A leader who saw it, or acted, before the data showed it took no days, not a negative number of them.
    to_recognise = max(0, (recognised - first).days) if recognised and first else None
    waiting = (today - first).days if first and not recognised else None
    flags = []
    for a in live:
        if a.closed_without_evidence:
            flags.append(f"{a.action_id} closed without evidence")
        elif a.done and a.action_id in follow and follow[a.action_id].against:
            flags.append(f"{a.action_id} closed with evidence the data contradicts ({follow[a.action_id].verdict})")
    return ConcernView(concern, tuple(actions), follow, state, len(returns),
                       timeline(concern, actions, follow, returns, as_of), sum(a.overdue(today) for a in live),
                       to_recognise, max(0, (planned - first).days) if planned and first else None,
                       (to_recognise or waiting or 0) > target, tuple(flags))


def concern_state(concern: TrackedConcern, live: list[Action], follow: list[FollowThrough],
                  returns: list[date]) -> str:
    """The lifecycle state (see the module docstring)."""
    if not live:
        if not concern.present_now:
            return "no longer in the data"
        return "recognised" if concern.recognition else "open"
    if not all(a.done for a in live):
        return "action planned"
    if returns and concern.present_now:
        return "recurring"
    if any(f.verdict == "sustained" for f in follow):
        return "sustained"
    if any(f.verified for f in follow):
        return "verified"
    if any(f.against for f in follow) and concern.present_now:
        return "not working"
    return "actions done"


def returned(months: tuple[tuple[date, bool], ...], closed_on: date | None) -> list[date]:
    """The month ends at which the pattern came back after going, after the actions were done. A pattern first
    seen after the closure has not come back: it never went (the action is judged by follow-through instead)."""
    if closed_on is None:
        return []
    found, seen = [], False
    for (_, was), (month, now) in itertools.pairwise(months):
        if month > closed_on and now and not was and seen:
            found.append(month)
        seen = seen or was
    return found


def timeline(concern: TrackedConcern, actions: list[Action], follow: dict[str, FollowThrough],
             returns: list[date], as_of: date) -> tuple[Event, ...]:
    """First signal, recognition, each action planned, due and done, its verification, each return."""
    events = []
    if concern.first_signal:
        events.append(Event(concern.first_signal, "first signal in the data"))
    if concern.recognition:
        r = concern.recognition
        events.append(Event(r.recognised_on, f"recognised by {r.recognised_by} as {r.judgement}"
                                             + (f"; likely cause: {r.cause}" if r.cause else "")))
    for a in actions:
        if a.raised:
            events.append(Event(a.raised, f"action {a.action_id} planned: {a.what} (owner {a.owner or 'not named'})"))
        if a.completed:
            said = f"; evidence: {a.evidence}" if a.evidence else "; no evidence given"
            events.append(Event(a.completed, f"action {a.action_id} done{said}"))
            found = follow.get(a.action_id)
            if found is not None:
                events.append(Event(as_of, f"action {a.action_id} tested by the data: {found.verdict}"
                                           + (f" ({found.text})" if found.text else "")))
        elif a.due:
            events.append(Event(a.due, f"action {a.action_id} due"))
    previous = None
    for month, present in concern.months:
        if previous and not present:
            events.append(Event(month, "pattern no longer in the data"))
        previous = present
    events.extend(Event(month, "pattern returned: the concern reopens") for month in returns)
    return tuple(sorted(events, key=lambda e: e.on))


def response_measures(views: list[ConcernView]) -> dict[str, Any]:
    """Median days to recognise, days to first action, overdue actions, share of closed actions verified by data,
    concerns recurring after closure."""
    recognised = [v.days_to_recognition for v in views if v.days_to_recognition is not None]
    acted = [v.days_to_first_action for v in views if v.days_to_first_action is not None]
    done = [f for v in views for a in v.actions if a.done for f in [v.follow.get(a.action_id)] if f is not None]
    return {"concerns": len(views), "median_days_to_recognise": statistics.median(recognised) if recognised else None,
            "recognised": len(recognised), "median_days_to_first_action": statistics.median(acted) if acted else None,
            "overdue_actions": sum(v.overdue for v in views), "closed_actions": len(done),
            "closed_verified_share": sum(f.verified for f in done) / len(done) if done else None,
            "recurring": sum(v.recurrences > 0 for v in views)}


def board_tables(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any] | None = None,
                 today: date | None = None) -> dict[str, pd.DataFrame]:
    """The board report's leadership-response tables for the quarter ending at the scope's date: counts (opened,
    recognised, acted, verified, recurring this quarter), measures, overdue actions, and the timeline of each
    high concern (status concern with high confidence wording: the register's 'concern')."""
    views = concern_views(con, scope, settings, today)
    as_of = scope.end(con)
    if as_of is None:
        return {}
    start = months_back(as_of, 2)
    follow_dates = [(v, a) for v in views for a in v.actions]
    counts = pd.DataFrame([
        {"what": "opened (first signal)", "count": sum(bool(v.concern.first_signal and v.concern.first_signal >= start)
                                                       for v in views)},
        {"what": "recognised", "count": sum(bool(v.concern.recognition and v.concern.recognition.recognised_on >= start)
                                            for v in views)},
        {"what": "acted on (action done)", "count": len({v.concern.concern_id for v, a in follow_dates
                                                         if a.completed and a.completed >= start})},
        {"what": "verified by data", "count": sum(v.state in ("verified", "sustained") for v in views)},
        {"what": "recurring", "count": sum(any(e.on >= start and "returned" in e.what for e in v.timeline)
                                           for v in views)}])
    measures = response_measures(views)
    overdue = pd.DataFrame([{"service": v.concern.service, "place": v.concern.place, "concern": v.concern.subject,
                             "action": a.what, "owner": a.owner, "due": a.due, "status": a.status}
                            for v in views for a in v.actions if a.overdue(today or max(date.today(), as_of))])
    high = [v for v in views if v.concern.status == "concern"]
    timelines = pd.DataFrame([{"concern_id": v.concern.concern_id, "place": v.concern.place,
                               "concern": v.concern.subject, "state": v.state, "on": e.on, "what": e.what}
                              for v in high for e in v.timeline])
    return {"counts": counts, "measures": pd.DataFrame([measures]), "overdue": overdue, "timelines": timelines}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _follow_dict(found: FollowThrough | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"verdict": found.verdict, "measure": found.measure_id, "before": found.before, "after": found.after,
            "chance": found.chance, "months_after": found.months_after, "spot_checks": found.spot_checks,
            "teams": found.teams, "chart": found.chart, "text": found.text}
