"""Stored runs and the theme fit they rest on.

A service's emerging-theme findings name the store's themes, which are fitted on every service's texts: a full fit
made after another service's load (analytics.theme_store.updated_fit) can rename them, while the service's own
rows, and so its stored run's fingerprint, stay as they were. Each stored run therefore keeps the mark of the full
fit it was computed under (`theme_store.fit_mark`). A run under an older fit is checked rather than recomputed:
its emerging-theme findings are worked out again under the current fit (all a fit changes in a run) and, where
they are the same, the run stands under the new mark; where they differ, the run is recomputed."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb

from .scope import Scope
from .themes import theme_findings

KIND = "emerging_theme"


def unchanged_by_fit(con: duckdb.DuckDBPyConnection, stored: dict[str, str], as_of: date,
                     settings: dict[str, Any]) -> set[str]:
    """Of the services whose stored runs (JSON text, as insight_runs keeps them) were computed under another fit,
    those whose emerging-theme findings are the same under the current one (one run of the theme analytic for all
    of them: it judges each service on its own texts)."""
    if not stored:
        return set()
    found: dict[str, list[str]] = {service: [] for service in stored}
    for finding in theme_findings(con, Scope(tuple(sorted(stored)), as_of), settings):
        found.setdefault(finding.service, []).append(_canonical(json.loads(json.dumps(finding.to_dict(), default=str))))
    return {service for service, text in stored.items() if sorted(found[service]) == _theme_items(text)}


def _theme_items(result: str) -> list[str]:
    return sorted(_canonical(item) for item in json.loads(result)["findings"] if item["kind"] == KIND)


def _canonical(item: dict[str, Any]) -> str:
    """A finding as stored, in one spelling (as JSON text with sorted keys), so a finding worked out now and one read
    back from the store compare equal exactly when they say the same."""
    return json.dumps(item, sort_keys=True)

