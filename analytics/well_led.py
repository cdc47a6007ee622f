"""Evidence for Well-led: whether governance is working, as rows of the register's baseline evidence.

* Audit programme coverage: scheduled audits done against those expected each month. A team is expected to do
  each audit type it does on a schedule as often as it usually does (its median month since it began), and a
  month above that counts as the expected number, so an extra audit never hides a missed one.
* Complaint handling: complaints acknowledged, and responded to, within the settings' targets, counted among those
  received long enough before the window's end for the target to have passed.
* Leadership response: the share of concerns recognised within `recognition_target_days` of their first signal,
  and actions overdue; read from the stored concerns and actions (this never tracks concerns itself: the register
  is computed while concerns are being tracked).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb
import pandas as pd

from . import measures
from .scope import Scope, months_back

KEY_QUESTION = "Well-led"
_COLUMNS = ["service", "team", "key_question", "source", "measure", "value", "good", "count", "n_label", "enough",
            "rows"]


def well_led_evidence(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], window) -> pd.DataFrame:
    """Per service and team, the Well-led evidence rows over the window (the register's Window)."""
    frames = [audit_coverage(con, scope, settings, window), complaint_handling(con, scope, settings, window),
              leadership_response(con, scope, settings, window)]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_COLUMNS)


def audit_coverage(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], window) -> pd.DataFrame:
    """Scheduled audits done against expected, per service and team, over the window."""
    by = ("service", "team", "audit_type", "spot_check", "audit_ref")
    history = measures.monthly(con, scope, "audit_compliance", by, months_back(window.start, 12), window.end, settings)
    history = history[history["spot_check"] != True]  # NULL is a scheduled audit
    if history.empty:
        return pd.DataFrame()
    counts = history.groupby(["service", "team", "audit_type", "month"]).size().rename("done").reset_index()
    rows = []
    for (service, team, _), part in counts.groupby(["service", "team", "audit_type"]):
        months = pd.date_range(min(part["month"]), window.end, freq="MS").date
        done = part.set_index("month")["done"].reindex(months, fill_value=0)
        expected = float(done[done > 0].median())
        recent = done[[m >= window.start for m in done.index]]
        rows.append({"service": service, "team": team, "expected": expected * len(recent),
                     "done": float(recent.clip(upper=expected).sum())})
    frame = pd.DataFrame(rows)
    good = settings["thresholds"]["audit_coverage_good"]
    return _levels(frame, "audits", "audit programme coverage", "expected audits", good, window,
                   "scheduled audits done against the usual number each month", minimum=3)


def complaint_handling(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], window) -> pd.DataFrame:
    """Complaints acknowledged and responded to within target, per service and team."""
    thresholds = settings["thresholds"]
    services, values = scope.service_filter()
    frames = []
    for column, days, what in (("acknowledged_date", thresholds["complaint_acknowledge_days"], "acknowledged"),
                               ("responded_date", thresholds["complaint_response_days"], "responded to")):
        found = con.cursor().execute(f"""
            SELECT service, team, count(*) AS expected,
                   count(*) FILTER (WHERE {column} IS NOT NULL AND {column} - received_date <= ?) AS done
            FROM complaints
            WHERE {services} AND received_date >= ? AND received_date <= ?
            GROUP BY ALL""", [days, *values, window.start, window.end - timedelta(days=days)]).df()
        if found.empty:
            continue
        found["team"] = found["team"].where(~found["team"].str.lower().isin(measures.UNKNOWN_LABELS), None)
        frames.append(_levels(found, "complaints", f"share of complaints {what} within {days} days", "complaints",
                              thresholds["complaint_handling_good"], window,
                              f"received at least {days} days before the window's end", thresholds["min_complaints"]))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def leadership_response(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], window) -> pd.DataFrame:
    """Per service: concerns recognised in time, and actions overdue at the window's end."""
    from .action_plans import plan_actions  # imported lazily: the register is imported early
    from .actions import recorded_actions
    from .concerns import tracked

    thresholds = settings["thresholds"]
    target = thresholds["recognition_target_days"]
    concerns = [c for c in tracked(con, scope, window.end) if c.first_signal]
    if not concerns:
        return pd.DataFrame()
    rows = []
    due = [c for c in concerns if c.first_signal + timedelta(days=target) <= window.end or c.recognition]
    for service in sorted({c.service for c in due}):
        here = [c for c in due if c.service == service]
        in_time = sum(bool(c.recognition and (c.recognition.recognised_on - c.first_signal).days <= target)
                      for c in here)
        rows.append(_row(service, None, "leaders", f"concerns recognised within {target} days of the first signal",
                         in_time / len(here), in_time / len(here) >= thresholds["recognised_in_time_good"],
                         len(here), "concerns", True, window, "concerns tracked, first signal to recognition"))
    ids = {c.concern_id: c.service for c in concerns}
    actions = [a for a in recorded_actions(con, list(ids)) + plan_actions(con, settings, scope)
               if a.concern_id in ids and a.status != "dropped" and (a.raised is None or a.raised <= window.end)]
    for service in sorted({a.service for a in actions}):
        here = [a for a in actions if a.service == service]
        overdue = sum(a.overdue(window.end) for a in here)
        rows.append(_row(service, None, "leaders", "share of actions overdue", overdue / len(here), overdue == 0,
                         len(here),
                         "actions", True, window, "actions on tracked concerns, due before the window's end"))
    return pd.DataFrame(rows)


def _levels(frame: pd.DataFrame, source: str, measure: str, n_label: str, good: float, window, what: str,
            minimum: float) -> pd.DataFrame:
    """Service and team rows of done / expected."""
    rows = []
    for level in (["service"], ["service", "team"]):
        known = frame.dropna(subset=level)
        for record in known.groupby(level, as_index=False)[["expected", "done"]].sum().itertuples(index=False):
            if record.expected <= 0:
                continue
            share = record.done / record.expected
            rows.append(_row(record.service, getattr(record, "team", None), source, measure, share, share >= good,
                             int(record.expected), n_label, record.expected >= minimum, window, what))
    return pd.DataFrame(rows)


def _row(service: str, team: str | None, source: str, measure: str, value: float, good: bool, count: int,
         n_label: str, enough: bool, window, what: str) -> dict[str, Any]:
    where = f"service = {service!r}" + (f", team = {team!r}" if team else "")
    return {"service": service, "team": team, "key_question": KEY_QUESTION, "source": source, "measure": measure,
            "value": float(value), "good": bool(good), "count": count, "n_label": n_label, "enough": bool(enough),
            "rows": f"{source}: {where}, {window.start:%d/%m/%Y} to {window.end:%d/%m/%Y}, {what}"}
