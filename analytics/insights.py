"""Every analytic at once: the findings and the balanced insight register for a scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from .embedded_improvement import embedding_findings
from .findings import Finding
from .fragility import fragility_findings
from .headline_vs_detail import masked_weaknesses
from .narrative import MISMATCH, compare_with_evidence, leader_views
from .register import baseline_evidence, build_register, register_window
from .repeat_findings import repeat_findings
from .run_cache import within_run
from .scope import Scope
from .service_wide import merge_service_wide, teams_with_data
from .settings import load_settings
from .signals import signal_findings
from .themes import theme_findings
from .triangulation import triangulation_findings

Analytic = Callable[[duckdb.DuckDBPyConnection, Scope, dict[str, Any]], list[Finding]]
ANALYTICS: tuple[Analytic, ...] = (repeat_findings, masked_weaknesses, fragility_findings, triangulation_findings,
                                   theme_findings, signal_findings, embedding_findings)


@dataclass
class Insights:
    """The findings and the register, as of a date."""

    as_of: date | None
    findings: list[Finding]
    register: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        register = self.register.copy()
        register["evidence"] = [[e.__dict__ for e in row] for row in register["evidence"]]
        register = register.astype(object).where(register.notna(), None)
        return {"as_of": self.as_of.isoformat() if self.as_of else None,
                "register": register.to_dict("records"),
                "findings": [f.to_dict() for f in self.findings]}


@within_run  # the analytics ask many of the same questions of the measures
def run_insights(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                 settings: dict[str, Any] | None = None) -> Insights:
    """Run every analytic over the scope and build the register from their findings and the baseline figures."""
    settings = settings or load_settings(con)
    window = register_window(con, scope, settings)
    if window is None:
        return Insights(None, [], pd.DataFrame())
    scope = Scope(scope.services, window.end)
    findings = [finding for analytic in ANALYTICS for finding in analytic(con, scope, settings)]
    findings = merge_service_wide(findings, teams_with_data(con, scope, settings), settings)
    return _judged(con, scope, settings, window, findings)


def rejudged(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
             findings: list[Finding]) -> Insights:
    """What `run_insights` gives for the findings of an earlier run of the scope, when only the leadership response
    (recognitions, actions, imported plans: the register's Well-led rows) has changed since: the register and the
    leaders' views set against it again, without running the analytics."""
    window = register_window(con, scope, settings)
    if window is None:
        return Insights(None, [], pd.DataFrame())
    kept = [f for f in findings if f.kind != MISMATCH]
    return _judged(con, Scope(scope.services, window.end), settings, window, kept)


def _judged(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], window: Any,
            findings: list[Finding]) -> Insights:
    """The register over the findings and the baseline figures, and where leaders' views disagree with it."""
    register = build_register(baseline_evidence(con, scope, settings, window), findings, settings, window)
    mismatches = compare_with_evidence(leader_views(con, scope.services), register, window.start, window.end)
    return Insights(window.end, findings + mismatches, register)
