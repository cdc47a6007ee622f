"""What a provider can tune: thresholds, shift names, the CQC key-question mapping, defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from .audit_trail import os_user, record
from .setting_rules import limit_problems, threshold_problems

DEFAULTS_FILE = Path(__file__).with_name("defaults.json")


def default_settings() -> dict[str, Any]:
    """The settings every new store starts with."""
    return json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))


def load_settings(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The defaults with this store's saved changes laid over them."""
    settings = default_settings()
    for key, value in con.cursor().execute("SELECT key, value FROM settings").fetchall():
        saved = json.loads(value)
        # Thresholds merge one by one, so a threshold added in a later release reaches every store.
        settings[key] = {**settings[key], **saved} if key == "thresholds" else saved
    return settings


def save_setting(con: duckdb.DuckDBPyConnection, key: str, value: Any, changed_by: str | None = None) -> None:
    """Store one setting, replacing any saved value; the change goes in the audit trail."""
    defaults = default_settings()
    if key not in defaults:
        raise KeyError(f"unknown setting {key!r}; settings are {', '.join(defaults)}")
    # The checks the Settings page makes, so no other caller stores what it would refuse.
    problems = (threshold_problems({**defaults["thresholds"], **value}) if key == "thresholds" else
                limit_problems(value) if key == "limits" else [])
    if problems:
        raise ValueError(f"{key} not saved: {' '.join(problems)}")
    cur = con.cursor()
    cur.execute("DELETE FROM settings WHERE key = ?", [key])
    cur.execute("INSERT INTO settings VALUES (?, ?, current_timestamp)", [key, json.dumps(value)])
    record(cur, changed_by or os_user(), "change_settings", {"setting": key, "value": value})


def reset_settings(con: duckdb.DuckDBPyConnection, key: str | None = None, changed_by: str | None = None) -> None:
    """Go back to the defaults, for one setting or all of them; the change goes in the audit trail."""
    cur = con.cursor()
    cur.execute("DELETE FROM settings WHERE ? IS NULL OR key = ?", [key, key])
    record(cur, changed_by or os_user(), "change_settings", {"reset": key or "all settings"})
