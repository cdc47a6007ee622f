"""The balanced insight register: per service, team and key question, what is strong and what is not.

Each row has a status (strong, improving, fragile, concern, not enough evidence), a confidence (high
where independent sources agree, qualified where they disagree, limited with one source), the evidence
and one sentence. Strengths come from the same figures as concerns, judged by the same thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from . import measures
from .compliance import audit_compliance
from .findings import Evidence, Finding, confidence_from_sources, figure_text
from .key_questions import classify, key_questions
from .scope import Scope, months_back, period_label
from .well_led import well_led_evidence

COMPLAINTS_MEASURE = "complaints (recent vs earlier)"  # complaints in the window against as many months before
STATUS_RANK = {"concern": 0, "fragile": 1, "improving": 2, "strong": 3}
_NEGATIVE_KINDS = {"repeat_finding", "masked_weakness", "fragility", "assurance_gap", "emerging_theme",
                   "special_cause", "not_embedded", "experience_ahead"}


@dataclass(frozen=True)
class Window:
    """The months the register looks at: the recent cycles up to the as-of date."""

    start: date
    end: date

    @property
    def label(self) -> str:
        return period_label(self.start, self.end)


def register_window(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> Window | None:
    """The recent window ending at the scope's as-of date, or None when there is no data."""
    end = scope.end(con)
    if end is None:
        return None
    return Window(months_back(end, settings["thresholds"]["recent_cycles"] - 1), end)


def baseline_evidence(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                      window: Window) -> pd.DataFrame:
    """Per service, team and key question, each source's headline figure over the window."""
    rules = settings["key_questions"]
    frames = [_audit_evidence(con, scope, settings, window, rules), _rota_evidence(con, scope, settings, window),
              _feedback_evidence(con, scope, settings, window), _complaint_evidence(con, scope, settings, window),
              well_led_evidence(con, scope, settings, window)]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["service", "team", "key_question", "source", "measure", "value", "good",
                                     "count", "rows"])
    return pd.concat(frames, ignore_index=True)


def _audit_evidence(con, scope, settings, window, rules) -> pd.DataFrame:
    thresholds = settings["thresholds"]
    monthly = audit_compliance(con, scope, ("service", "team", "audit_type"), window.start, window.end,
                               settings["partial_credit"])
    if monthly.empty:
        return pd.DataFrame()
    monthly["key_question"] = [(classify(t, rules) or (None, None))[0] for t in monthly["audit_type"]]
    monthly = monthly.dropna(subset=["key_question"])
    rows = []
    for level in (["service"], ["service", "team"]):
        grouped = monthly.groupby(level + ["key_question"], as_index=False)[["score", "answers"]].sum()
        for record in grouped.itertuples(index=False):
            compliance = record.score / record.answers
            team = getattr(record, "team", None)
            rows.append({"service": record.service, "team": team, "key_question": record.key_question,
                         "source": "audits", "measure": "audit compliance", "value": compliance,
                         "good": compliance >= thresholds["compliance_good"], "count": int(record.answers),
                         "n_label": "answers", "enough": measures.enough("audit_compliance", record.answers, settings),
                         "rows": _rows("audits", record.service, team, window, "audit types mapped to "
                                       + record.key_question)})
    return pd.DataFrame(rows)


def _rota_evidence(con, scope, settings, window) -> pd.DataFrame:
    key_question = (classify("staffing", settings["key_questions"]) or (None, None))[0]
    if key_question is None:
        return pd.DataFrame()
    monthly = measures.monthly(con, scope, "fill_rate", ("service", "team"), window.start, window.end, settings)
    rows = []
    for level in (["service"], ["service", "team"]):
        known = monthly.dropna(subset=level)
        for record in measures.over_window(known, level, "fill_rate").itertuples(index=False):
            team = getattr(record, "team", None)
            rows.append({"service": record.service, "team": team, "key_question": key_question, "source": "rota",
                         "measure": "fill rate", "value": record.value,
                         "good": record.value >= settings["thresholds"]["fill_rate_good"], "count": int(record.n),
                         "n_label": "shifts", "enough": measures.enough("fill_rate", record.n, settings), "rows": _rows("rota", record.service, team, window, "all shifts")})
    return pd.DataFrame(rows)


def _feedback_evidence(con, scope, settings, window) -> pd.DataFrame:
    monthly = measures.monthly(con, scope, "feedback_score", ("service", "team"), window.start, window.end, settings)
    thresholds = settings["thresholds"]
    rows = []
    for level in (["service"], ["service", "team"]):
        known = monthly.dropna(subset=level)
        for record in measures.over_window(known, level, "feedback_score").itertuples(index=False):
            team = getattr(record, "team", None)
            rows.append({"service": record.service, "team": team, "key_question": settings["feedback_key_question"],
                         "source": "feedback", "measure": "mean feedback score", "value": record.value,
                         "good": record.value >= thresholds["feedback_good_score"], "count": int(record.n),
                         "n_label": "responses", "enough": measures.enough("feedback_score", record.n, settings),
                         "rows": _rows("feedback", record.service, team, window,
                                                                "rated responses")})
    return pd.DataFrame(rows)


def _complaint_evidence(con, scope, settings, window) -> pd.DataFrame:
    """Complaints per key question: in the window against the same length of time before it."""
    months = (window.end.year - window.start.year) * 12 + window.end.month - window.start.month + 1
    earlier_start = months_back(window.start, months)
    frame = measures.monthly(con, scope, "complaints", ("service", "team", "category", "summary"), earlier_start,
                             window.end, settings)
    frame = frame[frame["numerator"] > 0]
    if frame.empty:
        return pd.DataFrame()
    recent = frame["month"] >= window.start
    frame = frame.assign(about=frame["category"].where(frame["category"].notna(), frame["summary"]),
                         recent=frame["numerator"].where(recent, 0.0), earlier=frame["numerator"].where(~recent, 0.0))
    thresholds = settings["thresholds"]
    frame["key_question"] = [(classify(text, settings["key_questions"]) or (None, None))[0] for text in frame["about"]]
    frame = frame.dropna(subset=["key_question"])
    rows = []
    for level in (["service"], ["service", "team"]):
        grouped = frame.groupby(level + ["key_question"], as_index=False, dropna=False)[["recent", "earlier"]].sum()
        for record in grouped.itertuples(index=False):
            team = getattr(record, "team", None)
            if level == ["service", "team"] and pd.isna(team):
                continue
            # A handful of complaints, or no clear rise on the period before, reads as good.
            good = record.recent < thresholds["min_complaints"] or \
                record.recent < record.earlier * thresholds["complaints_rising_ratio"]
            rows.append({"service": record.service, "team": team, "key_question": record.key_question,
                         "source": "complaints", "measure": COMPLAINTS_MEASURE,
                         "value": float(record.recent), "good": good, "count": int(record.recent + record.earlier),
                         "n_label": "complaints", "enough": True, "earlier": int(record.earlier),
                         "rows": _rows("complaints", record.service, team, window,
                                       f"categories mapped to {record.key_question}; earlier = {record.earlier:.0f}")})
    return pd.DataFrame(rows)


def _rows(table: str, service: str, team: str | None, window: Window, what: str) -> str:
    where = f"service = {service!r}" + (f", team = {team!r}" if team else "")
    return f"{table}: {where}, {window.start:%d/%m/%Y} to {window.end:%d/%m/%Y}, {what}"


def build_register(evidence: pd.DataFrame, findings: list[Finding], settings: dict[str, Any],
                   window: Window) -> pd.DataFrame:
    """One row per service (and team) and key question: status, confidence, evidence, one sentence."""
    places = {(service, None if pd.isna(team) else team)
              for service, team in zip(evidence["service"], evidence["team"])}
    places |= {(f.service, None) for f in findings} | {(f.service, f.team) for f in findings if f.team}
    # Each place's evidence rows and findings, looked up rather than searched for every place and key question.
    records = evidence.to_dict("records")
    teams = [None if pd.isna(team) else team for team in evidence["team"]]
    evidence_at: dict[tuple, list[int]] = {}
    for position, key in enumerate(zip(evidence["service"], teams, evidence["key_question"])):
        evidence_at.setdefault(key, []).append(position)
    service_findings: dict[tuple, list[Finding]] = {}
    team_findings: dict[tuple, list[Finding]] = {}
    for f in findings:
        service_findings.setdefault((f.service, f.key_question), []).append(f)
        team_findings.setdefault((f.service, f.team, f.key_question), []).append(f)
    rows = []
    for service, team in sorted(places, key=lambda p: (p[0], p[1] or "")):
        for key_question in key_questions(settings["key_questions"]):
            here = [records[i] for i in evidence_at.get((service, team, key_question), [])]
            found = service_findings.get((service, key_question), []) if team is None else \
                team_findings.get((service, team, key_question), [])
            rows.append(_register_row(service, team, key_question, here, found, window))
    return pd.DataFrame(rows)


def _register_row(service: str, team: str | None, key_question: str, evidence: list[dict[str, Any]],
                  findings: list[Finding], window: Window) -> dict[str, Any]:
    """One register row from the place's evidence rows (as records) and its findings."""
    # Limited evidence points somewhere to look; it never sets a status.
    negative = [f for f in findings if f.kind in _NEGATIVE_KINDS and f.status not in ("not_enough_evidence", "strong")]
    # Figures on too small a sample are shown but judge nothing (the measures' minimum samples).
    thin = [row for row in evidence if not row.get("enough", True)]
    evidence = [row for row in evidence if row.get("enough", True)]
    if thin and not evidence and not negative and not any(f.kind == "embedded_improvement" for f in findings):
        return {"service": service, "team": team, "key_question": key_question, "status": "not_enough_evidence",
                "confidence": "limited", "sources": ", ".join(sorted({row["source"] for row in thin})),
                "summary": f"Too little evidence to judge {key_question} in {window.label}: "
                           + "; ".join(f"{row['measure']} on {row['count']:,} {row['n_label']}" for row in thin) + ".",
                "evidence": [_evidence(row, window) for row in thin], "findings": len(findings)}
    sources = {row["source"] for row in evidence} | {e.source for f in findings for e in f.evidence}
    good = bool(len(evidence)) and all(bool(row["good"]) for row in evidence)
    if negative:
        # The most serious, and of those the widest: a service's row is told by its own service-wide finding (an item
        # failing on every team) before one team's, which that team's own row tells.
        worst = min(negative, key=lambda f: (STATUS_RANK.get(f.status, 3), f.team is not None, f.shift is not None))
        status = worst.status if worst.status in STATUS_RANK else "fragile"
        agree = not good
        reason = worst.summary
    elif any(f.kind == "embedded_improvement" for f in findings) or (good and len(evidence)):
        status, agree = "strong", True
        reason = _strength_sentence(evidence, findings)
    elif len(evidence):
        status, agree = "fragile", not any(bool(row["good"]) for row in evidence)
        weak = next(row for row in evidence if not row["good"])
        reason = _weak_sentence(weak, window)
    else:
        return {"service": service, "team": team, "key_question": key_question, "status": "not_enough_evidence",
                "confidence": "limited", "sources": "", "summary": f"No evidence for {key_question} in "
                f"{window.label}.", "evidence": [], "findings": 0}
    confidence = confidence_from_sources(sources, agree)
    return {"service": service, "team": team, "key_question": key_question, "status": status,
            "confidence": confidence, "sources": ", ".join(sorted(sources)), "summary": reason,
            "evidence": [_evidence(row, window) for row in evidence],
            "findings": len(findings)}


def _weak_sentence(row: dict[str, Any], window: Window) -> str:
    # The count against the months before, not every complaints figure: the well-led register's share of complaints
    # answered in time is a share, with no earlier count.
    if row["measure"] == COMPLAINTS_MEASURE:
        return (f"Complaints rose to {row['value']:.0f} in {window.label} "
                f"({row['earlier']:.0f} in as many months before).")
    figure = figure_text(row["measure"], row["value"])
    return f"{row['measure'].capitalize()} is {figure} over {window.label}, below the level set as good."


def _strength_sentence(evidence: list[dict[str, Any]], findings: list[Finding]) -> str:
    embedded = [f for f in findings if f.kind == "embedded_improvement"]
    if embedded:
        return embedded[0].summary
    parts = [f"{row['measure']} {figure_text(row['measure'], row['value'])}" for row in evidence]
    return "Consistently good: " + "; ".join(parts) + ", with no repeat findings or fragile shifts."


def _evidence(row: dict[str, Any], window: Window) -> Evidence:
    return Evidence(source=row["source"], measure=row["measure"], value=float(row["value"]), period=window.label,
                    rows=row["rows"], detail=f"{row['count']:,} {row.get('n_label') or 'records'}")
