"""The demo data set: a fictional provider's spreadsheets, written and loaded like a real upload."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .concerns import refresh_with_history
from .demo_actions import record_recognitions, write_action_plan
from .demo_files import write_demo_files
from .ingest import BatchResult, ingest_path
from .stored_insights import Progress, refresh

DEMO_USER = "demo"


def load_demo(con: duckdb.DuckDBPyConnection, directory: Path, seed: int = 7) -> list[BatchResult]:
    """Write the demo spreadsheets into `directory` and load each, oldest export first."""
    results = []
    for path in sorted(write_demo_files(directory, seed=seed), key=lambda p: p.name):
        results.extend(ingest_path(con, path, loaded_by=DEMO_USER))
    results.extend(ingest_path(con, write_action_plan(directory), source="actions", loaded_by=DEMO_USER))
    return results


def prepare_demo(con: duckdb.DuckDBPyConnection, directory: Path, seed: int = 7,
                 progress: Progress | None = None) -> list[BatchResult]:
    """`load_demo`, then the findings and each concern's history worked out (so the pages open at once) and the
    demo leaders' recognitions recorded against the concerns they answer, the latest findings brought up to date
    with them."""
    results = load_demo(con, directory, seed)
    refresh_with_history(con, progress=progress)
    record_recognitions(con)
    refresh(con, progress=progress)  # the latest register's Well-led rows rest on the recognitions
    return results
