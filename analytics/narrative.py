"""Leaders' own view: what they say about a key question, set against what the evidence shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from .audit_trail import record
from .findings import Evidence, Finding
from .privacy import mask_text
from .register import STATUS_RANK
from .store import bump_data_version

MISMATCH = "narrative_mismatch"  # the kind of finding a leader's view set against the register gives

STANCES = ("strong", "improving", "fragile", "concern")


def record_view(con: duckdb.DuckDBPyConnection, service: str, key_question: str, stance: str, statement: str,
                recorded_by: str, team: str | None = None, subject: str | None = None) -> int:
    """Store a leader's judgement (e.g. 'staffing is stable': Safe, strong); returns its id."""
    if stance not in STANCES:
        raise ValueError(f"stance must be one of {', '.join(STANCES)}; got {stance!r}")
    if not statement.strip():
        raise ValueError("say in a sentence what the judgement is, e.g. 'Staffing is stable on every unit'")
    cur = con.cursor()
    view_id = cur.execute("SELECT nextval('leader_view_ids')").fetchone()[0]
    cur.execute("INSERT INTO leader_views VALUES (?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [view_id, service, team, key_question, subject, stance, statement.strip(), recorded_by])
    record(cur, recorded_by, "record_judgement", {"view": int(view_id), "service": service, "team": team,
                                                  "key_question": key_question, "stance": stance})
    bump_data_version(cur)  # pages drop cached results, wherever it was recorded
    return int(view_id)


def leader_views(con: duckdb.DuckDBPyConnection, services: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The judgements recorded, newest first; limited to `services` when given."""
    frame = con.cursor().execute("SELECT * FROM leader_views ORDER BY recorded_at DESC, view_id DESC").df()
    return frame if services is None else frame[frame["service"].isin(services)].reset_index(drop=True)


def delete_view(con: duckdb.DuckDBPyConnection, view_id: int) -> None:
    """Remove a recorded judgement."""
    con.cursor().execute("DELETE FROM leader_views WHERE view_id = ?", [view_id])


def latest_views_against(views: pd.DataFrame,
                         register: pd.DataFrame) -> Iterator[tuple[dict[str, Any], str | None, pd.Series | None]]:
    """Each leader's latest judgement per place and key question, its team (None for the whole service) and the
    register's row for the same place and key question (None where the register has none)."""
    if views.empty:
        return
    latest = views.drop_duplicates(["service", "team", "key_question"], keep="first")
    for view in latest.to_dict("records"):
        team = view["team"] if isinstance(view["team"], str) and view["team"] else None
        match = register if register.empty else register[
            (register["service"] == view["service"]) & (register["key_question"] == view["key_question"])
            & (register["team"].isna() if team is None else register["team"] == team)]
        yield view, team, None if match.empty else match.iloc[0]


def compare_with_evidence(views: pd.DataFrame, register: pd.DataFrame, start: date, end: date) -> list[Finding]:
    """A narrative_mismatch finding wherever a leader's view is more optimistic or pessimistic than the register."""
    findings = []
    for view, team, match in latest_views_against(views, register):
        if match is None or match["status"] not in STATUS_RANK:
            continue
        evidence_status = match["status"]
        gap = STATUS_RANK[view["stance"]] - STATUS_RANK[evidence_status]
        if gap == 0:
            continue
        leaning = "more optimistic" if gap > 0 else "more pessimistic"
        where = view["service"] + (f", {team}" if team else "")
        findings.append(Finding(
            kind=MISMATCH, service=view["service"], team=team, shift=None,
            key_question=view["key_question"], quality_statement=None, subject=view["subject"] or view["key_question"],
            status=evidence_status, confidence=match["confidence"],
            period_start=start, period_end=end,
            summary=(f"Leaders judge {view['key_question']} at {where} as {view['stance']} "
                     f"(\"{mask_text(view['statement'])}\"), "
                     f"{leaning} than the evidence, which shows {evidence_status.replace('_', ' ')}: "
                     f"{match['summary']}"),
            evidence=(Evidence(source="leaders", measure=f"judged {view['stance'].replace('_', ' ')}", value=None,
                               rows=f"leaders' judgement #{view['view_id']}, recorded on the Board report",
                               detail=f"recorded by {view['recorded_by']} on {view['recorded_at']:%d/%m/%Y}"),)))
    return findings
