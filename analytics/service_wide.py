"""One pattern on most teams is one service-wide finding that names them, not one finding per team.

Findings of the same kind, service, shift and subject, pointing the same way (a concern and a fragile finding
are one pattern; an improvement is another; limited evidence stays apart), that name at least
`service_wide_share_of_teams` of the service's teams with data (and more than one team) are merged into one
finding with team None. Its summary names the teams; it keeps every team's evidence; its status is the most
serious of theirs and its confidence the best, since many teams showing one pattern is no weaker than one.
Where a finding for the whole service already exists for that pattern, the teams' findings join it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import duckdb

from . import measures
from .findings import Finding, in_a_list
from .repeat_findings import is_service_wide
from .scope import Scope

# How serious a status is, most serious first; and how sure a confidence is, surest first.
SEVERITY = ("concern", "fragile", "improving", "strong", "not_enough_evidence")
CERTAINTY = ("high", "qualified", "limited")
DIRECTION = {"concern": "worse", "fragile": "worse", "improving": "better", "strong": "better",
             "not_enough_evidence": "limited"}
# A source's measure whose rows name the teams it covers.
TEAM_SOURCES = ("audit_compliance", "fill_rate", "complaints", "feedback_score")


def teams_with_data(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                    start: date | None = None) -> dict[str, set[str]]:
    """Each service's teams with any audits, rota, complaints or feedback from `start` (default: the recent
    window) to the scope's end."""
    end = scope.end(con)
    if end is None:
        return {}
    start = start or measures.recent_window(end, settings)[0]
    teams: dict[str, set[str]] = {}
    for measure_id in TEAM_SOURCES:
        frame = measures.monthly(con, scope, measure_id, ("service", "team"), start, end, settings)
        for service, team in frame[["service", "team"]].dropna().drop_duplicates().itertuples(index=False):
            teams.setdefault(service, set()).add(team)
    return teams


def pattern_key(finding: Finding) -> tuple[str, str, str | None, str, str]:
    """What makes two findings one pattern: kind, service, shift, subject and the way they point."""
    return finding.kind, finding.service, finding.shift, finding.subject, DIRECTION[finding.status]


def merge_service_wide(findings: list[Finding], teams: dict[str, set[str]], settings: dict[str, Any]
                       ) -> list[Finding]:
    """The findings with each pattern on most of a service's teams merged into one service-wide finding, in the
    place of its first team's finding."""
    thresholds = settings["thresholds"]
    by_pattern: dict[tuple, list[int]] = {}
    for index, finding in enumerate(findings):
        if finding.team is not None:
            by_pattern.setdefault(pattern_key(finding), []).append(index)
    whole = {pattern_key(f): i for i, f in enumerate(findings) if f.team is None}
    merged: dict[int, Finding] = {}
    dropped: set[int] = set()
    for key, indexes in by_pattern.items():
        named = {findings[i].team for i in indexes}
        if not is_service_wide(len(named), len(teams.get(key[1], set()) | named), thresholds):
            continue
        members = [findings[i] for i in indexes]
        if key in whole:
            members.insert(0, merged.get(whole[key], findings[whole[key]]))
            place = whole[key]
            dropped.update(indexes)
        else:
            place = indexes[0]
            dropped.update(indexes[1:])
        merged[place] = service_wide_finding(members, len(teams.get(key[1], set()) | named))
    return [merged.get(i, f) for i, f in enumerate(findings) if i not in dropped or i in merged]


def service_wide_finding(members: list[Finding], teams_with_data: int) -> Finding:
    """One finding for the pattern the members show: team None, the teams named, every member's evidence."""
    named = sorted({m.team for m in members if m.team is not None})
    first = next((m for m in members if m.team is None), members[0])
    status = min((m.status for m in members), key=SEVERITY.index)
    confidence = min((m.confidence for m in members), key=CERTAINTY.index)
    listed = in_a_list(named)
    shift = f" ({first.shift} shift)" if first.shift else ""
    summary = (f"Service-wide at {first.service}{shift}: {len(named)} of the {teams_with_data} teams with data "
               f"show the same pattern about {first.subject} ({listed}). ")
    summary += first.summary if first.team is None else f"For example, {first.summary[:1].lower()}{first.summary[1:]}"
    evidence = tuple(e for m in members for e in m.evidence)
    return replace(first, team=None, status=status, confidence=confidence, summary=summary, evidence=evidence,
                   period_start=min(m.period_start for m in members),
                   period_end=max(m.period_end for m in members))

