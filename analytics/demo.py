"""The demo data set: a fictional provider's spreadsheets, written and loaded like a real upload."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .demo_actions import write_action_plan
from .demo_files import write_demo_files
from .ingest import BatchResult, ingest_path

DEMO_USER = "demo"


def load_demo(con: duckdb.DuckDBPyConnection, directory: Path, seed: int = 7) -> list[BatchResult]:
    """Write the demo spreadsheets into `directory` and load each, oldest export first."""
    results = []
    for path in sorted(write_demo_files(directory, seed=seed), key=lambda p: p.name):
        results.extend(ingest_path(con, path, loaded_by=DEMO_USER))
    results.extend(ingest_path(con, write_action_plan(directory), source="actions", loaded_by=DEMO_USER))
    return results
