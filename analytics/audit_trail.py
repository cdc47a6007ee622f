"""The record of who did what: uploads, removals, mapping and settings changes, judgements, exports."""

from __future__ import annotations

import getpass
import json
from typing import Any

import duckdb
import pandas as pd

ACTIONS = ("upload", "remove_batch", "change_mapping", "change_settings", "record_judgement", "export",
           "assign_role", "revoke_role", "migrate_store", "recognise_concern", "add_action", "update_action",
           "link_action", "start_new_limits")


def os_user() -> str:
    """The operating-system user, for actions taken where no one has signed in (the command line)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(cur: duckdb.DuckDBPyConnection, who: str, action: str, detail: dict[str, Any]) -> None:
    """Note that `who` did `action`, with the details a reader needs (file, batch, setting, ...).

    Pass the cursor of the transaction that does the action, so both are kept or neither is."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
    cur.execute("INSERT INTO audit_trail VALUES (current_timestamp, ?, ?, ?)",
                         [who, action, json.dumps(detail, default=str, ensure_ascii=False)])


def trail(con: duckdb.DuckDBPyConnection, action: str | None = None, who: str | None = None) -> pd.DataFrame:
    """The record, newest first; narrowed to one action or one person when given."""
    return con.cursor().execute("""
        SELECT happened_at, who, action, detail FROM audit_trail
        WHERE (? IS NULL OR action = ?) AND (? IS NULL OR who = ?)
        ORDER BY happened_at DESC""", [action, action, who, who]).df()
