"""A repeat finding told: its status, summary and evidence, from the rows of the repeat table it is about
(`analytics.repeat_findings` chooses them)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from .findings import Evidence, Finding, chance_words, confidence_from_sources, in_a_list, limited, percent
from .key_questions import classify
from .repeat_findings import CHECK_KINDS, failing_chance, is_service_wide, kinds_of_rows, subject_phrase
from .scope import period_label


def repeat_finding(rows: list[dict[str, Any]], window: tuple[date, date], settings: dict[str, Any]) -> Finding:
    """The finding about the chosen rows (records of the repeat table)."""
    thresholds = settings["thresholds"]
    first = rows[0]
    service_wide = first["spread"] == "service-wide"
    if service_wide:
        persistent = sum(row["classification"] == "persistent" for row in rows)
        classification = "persistent" if is_service_wide(persistent, first["teams_audited"], thresholds) \
            else "recurring"
    else:
        classification = first["classification"]
    kinds = kinds_of_rows(rows, thresholds)
    limit = thresholds["item_failing_compliance"]
    span_score, span_answers = sum(r["span_score"] for r in rows), sum(r["span_answers"] for r in rows)
    chance = float(failing_chance(span_score, span_answers, limit))
    text = " ".join(str(p) for p in (first["audit_type"], first["section"], first["subject"]) if pd.notna(p))
    key_question, statement = classify(text, settings["key_questions"]) or (None, None)
    start, end = window
    finding = Finding(
        kind="repeat_finding", service=first["service"],
        team=None if service_wide else first["team"],
        shift=None if service_wide or pd.isna(first["shift"]) else first["shift"],
        key_question=key_question, quality_statement=statement,
        subject=first["subject"] if first["level"] == "item" else f"{first['subject']} (theme)",
        status="concern" if classification == "persistent" else "fragile",
        confidence=confidence_from_sources(kinds, agree=True),
        period_start=start, period_end=end,
        summary=_summary(rows, classification, service_wide, window, kinds),
        evidence=tuple(_evidence(row, window, kinds, limit) for row in rows))
    if chance <= thresholds["item_failing_chance"] or any(row["evidence"] == "clear" for row in rows):
        return finding
    return limited(finding, f"{percent(span_score / span_answers)} on {span_answers:,.0f} answers since it first "
                            f"failed, which an item truly at {percent(limit)} would score {chance_words(chance)}")


def _summary(rows: list[dict[str, Any]], classification: str, service_wide: bool, window: tuple[date, date],
             kinds: set[str]) -> str:
    first = rows[0]
    what = subject_phrase(first["level"], first["subject"], first["audit_type"])
    period = period_label(*window)
    if service_wide:
        teams = "all" if len(rows) == first["teams_audited"] else f"{len(rows)} of the"
        # Which teams, each with its own months: the service's count alone hides where it fails most.
        named = [f"{row['team']} {row['cycles_failed']} of {row['cycles_audited']}" for row in rows]
        named[0] += " months"
        return (f"At {first['service']}, {what} failed in {sum(row['cycles_failed'] for row in rows)} of "
                f"{sum(row['cycles_audited'] for row in rows)} monthly team audits from {period}"
                f"{_checks(rows, kinds)}, on {teams} {first['teams_audited']} teams audited ({in_a_list(named)}): "
                f"a {classification}, service-wide pattern CQC would expect leaders to have seen.")
    latest = f", including the latest in {first['latest_month']:%b %Y}" \
        if first["failing_months"][-1] == f"{first['latest_month']:%b %Y}" else ""
    return (f"At {first['service']}, {what} failed on {_where(first)} in {first['cycles_failed']} of "
            f"{first['cycles_audited']} monthly audits from {period} ({', '.join(first['failing_months'])})"
            f"{latest}{_checks(rows, kinds)}: a {classification} pattern CQC would expect leaders to have seen.")


def _checks(rows: list[dict[str, Any]], kinds: set[str]) -> str:
    if len(kinds) == len(CHECK_KINDS):
        return ", in both scheduled audits and spot checks"
    failing = [label for name, (label, _) in CHECK_KINDS.items() if sum(row[f"{name}_cycles_failed"] for row in rows)]
    every_kind_audited = all(sum(row[f"{name}_cycles_audited"] for row in rows) for name in CHECK_KINDS)
    return f", in {failing[0]} only" if len(failing) == 1 and every_kind_audited else ""


def _where(row: dict[str, Any]) -> str:
    return f"{row['team']}'s {row['shift']} shift" if pd.notna(row["shift"]) else str(row["team"])


def _evidence(row: dict[str, Any], window: tuple[date, date], kinds: set[str], limit: float) -> Evidence:
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
                f"in spot checks {row['spot_check_cycles_failed']}; {percent(row['span_score'] / row['span_answers'])} "
                f"on the {row['span_answers']:,.0f} answers since it first failed, which an item truly at "
                f"{percent(limit)} would score {chance_words(row['chance'])}"
                + (f"; shown by {' and '.join(sorted(kinds))}" if kinds else "")))
