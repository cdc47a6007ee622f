"""Stored runs and the theme fit they were named under (analytics.theme_marks): a full fit made after another
service's load renames themes, so a run under an older fit is checked, and recomputed only where its emerging themes
now read otherwise."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from analytics.scope import Scope
from analytics.settings import load_settings
from analytics.store import connect
from analytics.stored_insights import insights_for
from analytics.theme_fits import full_fit_mark
from analytics.theme_store import fit_mark


@pytest.fixture
def stored(demo_con):
    demo_con.cursor().execute("DELETE FROM insight_runs")
    insights_for(demo_con, Scope())
    return demo_con


def marks(con) -> set[str]:
    return {row[0] for row in con.cursor().execute("SELECT DISTINCT theme_mark FROM insight_runs").fetchall()}


def themed(insights) -> list[tuple[str, str]]:
    return sorted((f.service, f.subject) for f in insights.findings if f.kind == "emerging_theme")


def test_each_run_keeps_the_mark_of_the_fit_it_was_named_under(stored):
    fit = fit_mark(stored, load_settings(stored))
    assert fit and marks(stored) == {fit}


def test_a_run_under_an_older_fit_naming_the_same_themes_stands_with_the_new_mark(stored, counting):
    before = insights_for(stored, Scope())
    stored.cursor().execute("UPDATE insight_runs SET theme_mark = 'an older fit'")
    again = insights_for(stored, Scope())
    assert counting == []  # checked, not recomputed
    assert themed(again) == themed(before) and len(again.findings) == len(before.findings)
    assert marks(stored) == {fit_mark(stored, load_settings(stored))}


def test_a_run_whose_themes_the_current_fit_names_otherwise_is_recomputed(stored, counting):
    before = insights_for(stored, Scope())
    assert themed(before), "the demo has emerging themes"
    service, subject = themed(before)[0]
    as_of = before.as_of
    cur = stored.cursor()
    [(result,)] = cur.execute("SELECT result FROM insight_runs WHERE service = ? AND as_of = ?",
                              [service, as_of]).fetchall()
    renamed = json.loads(result)
    for item in renamed["findings"]:
        if item["kind"] == "emerging_theme" and item["theme_or_item"] == subject:
            item["theme_or_item"] = "A name from the older fit"
    cur.execute("UPDATE insight_runs SET result = ?, theme_mark = 'an older fit' WHERE service = ? AND as_of = ?",
                [json.dumps(renamed), service, as_of])
    other = next(s for s in ("Oakwood House", "Riverside Homecare") if s != service)
    cur.execute("UPDATE insight_runs SET theme_mark = 'an older fit' WHERE service = ?", [other])
    again = insights_for(stored, Scope())
    assert counting == [(service,)]  # only the run whose themes read otherwise
    assert themed(again) == themed(before)
    assert "A name from the older fit" not in {f.subject for f in again.findings}


def test_the_fit_mark_is_the_latest_full_fit_of_this_code_and_theme_count():
    con = connect(":memory:")
    assert full_fit_mark(con, "code", 12) == ""
    rows = [("a" * 20, 1, 12, datetime(2026, 1, 1), "code", None),
            ("b" * 20, 2, 12, datetime(2026, 2, 1), "code", None),
            ("c" * 20, 3, 12, datetime(2026, 3, 1), "code", "b" * 20),   # an increment on b: not a full fit
            ("d" * 20, 4, 12, datetime(2026, 4, 1), "other code", None),  # another release's fit
            ("e" * 20, 5, 20, datetime(2026, 5, 1), "code", None)]        # another theme count
    for fingerprint, version, count, fitted, code, base in rows:
        con.cursor().execute("""
            INSERT INTO theme_fits (fingerprint, data_version, theme_count, fitted_at, code, base_fingerprint)
            VALUES (?, ?, ?, ?, ?, ?)""", [fingerprint, version, count, fitted, code, base])
    assert full_fit_mark(con, "code", 12) == f"{'b' * 16}:2"
    assert full_fit_mark(con, "code", 20) == f"{'e' * 16}:5"


def test_a_concerns_history_month_under_an_older_fit_is_checked_as_the_pages_months_are(stored, counting):
    from analytics.stored_insights import findings_history

    as_of = insights_for(stored, Scope()).as_of
    services = ["Oakwood House", "Riverside Homecare"]
    before = findings_history(stored, services, [as_of])
    assert counting == []  # the pages' month is stored: read back
    renamed_at, subject = next((key, f.subject) for key, found in sorted(before.items()) for f in found
                               if f.kind == "emerging_theme")
    cur = stored.cursor()
    [(result,)] = cur.execute("SELECT result FROM insight_runs WHERE service = ? AND as_of = ?",
                              [renamed_at[0], as_of]).fetchall()
    renamed = json.loads(result)
    for item in renamed["findings"]:
        if item["kind"] == "emerging_theme" and item["theme_or_item"] == subject:
            item["theme_or_item"] = "A name from the older fit"
    cur.execute("UPDATE insight_runs SET theme_mark = 'an older fit'")
    cur.execute("UPDATE insight_runs SET result = ? WHERE service = ? AND as_of = ?",
                [json.dumps(renamed), renamed_at[0], as_of])
    again = findings_history(stored, services, [as_of])
    assert counting == [(renamed_at[0],)]  # only the month whose themes the current fit names otherwise
    assert "A name from the older fit" not in {f.subject for found in again.values() for f in found}
    assert {key: sorted(f.subject for f in found) for key, found in again.items()} == \
        {key: sorted(f.subject for f in found) for key, found in before.items()}
    assert marks(stored) >= {fit_mark(stored, load_settings(stored))}
