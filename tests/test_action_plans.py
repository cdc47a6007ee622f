"""Action plans as the fifth source: read in three layouts, nothing lost, matched to concerns, statuses read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analytics.action_plans import best_concern, match_score, plan_actions, unmatched
from analytics.actions import status_of
from analytics.concerns import TrackedConcern
from analytics.ingest import ingest_path
from analytics.settings import load_settings
from analytics.store import connect


def concern(cid, team, subject, kind="repeat_finding") -> TrackedConcern:
    return TrackedConcern(cid, kind, "Oakwood House", team, None, subject, None, "concern", "", None,
                          ((date(2026, 6, 30), True),), None)


CONCERNS = [concern(1, None, "Care plan reviewed and signed in the last month"),
            concern(2, "Willow Unit", "Handover completion", "special_cause"),
            concern(3, "Beech Unit", "Communication", "assurance_gap")]


@pytest.mark.parametrize("team, issue, action, expected", [
    ("Beech Unit", "Care plan reviews not signed", "Monthly sign-off", 1),     # a service-wide concern, any team
    ("Willow Unit", "Handover completion at night", "Handover sheet", 2),
    ("Beech Unit", "Communication with families", "Weekly call to relatives", 3),
    ("Rowan Unit", "Communication with families", "Weekly call", None),       # no concern at that team
    (None, "Fire doors wedged open", "Remove wedges", None)])                 # nothing like it
def test_rows_match_concerns_by_place_and_wording(team, issue, action, expected):
    row = {"service": "Oakwood House", "team": team, "issue": issue, "action": action}
    assert best_concern(row, CONCERNS, 80) == expected


def test_another_service_never_matches():
    row = {"service": "Riverside Homecare", "team": None, "issue": "Communication", "action": "x"}
    assert match_score(row, CONCERNS[2]) == 0


@pytest.mark.parametrize("text, completed, status", [
    ("Complete", None, "done"), ("GREEN", None, "done"), ("In progress", None, "in progress"),
    ("Amber", None, "in progress"), ("Not started", None, "planned"), ("", None, "planned"),
    ("Open", date(2026, 5, 1), "done"), ("Cancelled", None, "dropped"), ("on track - 50%", None, "in progress")])
def test_plan_statuses(text, completed, status):
    assert status_of(text, completed) == status


def _xlsx(path: Path, rows: list[list[object]], title: str | None = None) -> Path:
    book = Workbook()
    if title:
        book.active.append([title])
        book.active.append([])
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


LAYOUTS = {
    "plain.csv": [["Ref", "Home", "Unit", "Issue identified", "Action required", "Responsible person",
                   "Target date", "Status", "Date completed", "Evidence"],
                  ["AP-1", "Oakwood House", "Beech Unit", "Communication with families", "Weekly call to relatives",
                   "Jane Smith", "31/07/2026", "Complete", "28/07/2026", "Call log"],
                  ["AP-2", "Oakwood House", "Willow Unit", "Handover completion at night", "Handover sheet", "Tom",
                   "not a date", "In progress", "", ""]],
    "titled.xlsx": [["Area for improvement", "What will be done", "Lead", "By when", "RAG", "Closed", "Comments"],
                    ["Care plan reviews not signed", "Unit leads sign each plan monthly", "Ana", date(2026, 6, 30),
                     "Green", date(2026, 6, 20), ""],
                    ["Fire doors wedged open", "Remove wedges", "Ana", date(2026, 8, 1), "Red", None, ""]],
    "tracker.xlsx": [["Location", "Team", "Finding", "Agreed action", "Owner", "Date raised", "Deadline",
                      "Review date", "Progress", "Evidence of impact", "Measure"],
                     ["Oakwood House", "Beech Unit", "Communication", "Family forum monthly", "RM", date(2026, 5, 2),
                      date(2026, 6, 30), date(2026, 7, 31), "Ongoing", "", "Complaints per month"]]}


@pytest.fixture
def plan_con(tmp_path):
    con = connect(":memory:")
    for name, rows in LAYOUTS.items():
        path = tmp_path / name
        if name.endswith(".csv"):
            pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
        else:
            _xlsx(path, rows, "Oakwood House action plan" if name == "titled.xlsx" else None)
        ingest_path(con, path, source="actions", loaded_by="ql@example.org", service="Oakwood House")
    for c in CONCERNS:
        con.cursor().execute("INSERT INTO concerns VALUES (?, ?, ?, ?, NULL, ?, NULL, 'concern', '', ?, ?)",
                             [c.concern_id, c.kind, c.service, c.team, c.subject, date(2026, 6, 30), date(2026, 6, 30)])
        con.cursor().execute("INSERT INTO concern_months VALUES (?, ?, true)", [c.concern_id, date(2026, 6, 30)])
    return con


def test_three_layouts_read_and_nothing_lost(plan_con):
    rows = plan_con.cursor().execute("SELECT count(*) FROM actions").fetchone()[0]
    assert rows == 5
    rejected = plan_con.cursor().execute("SELECT value, row_kept FROM rejections").fetchall()
    assert rejected == [("not a date", True)]  # the unreadable due date is listed, its row kept


def test_imported_rows_become_actions_matched_or_listed(plan_con):
    settings = load_settings(plan_con)
    actions = {a.what: a for a in plan_actions(plan_con, settings)}
    assert actions["Weekly call to relatives"].concern_id == 3 and actions["Weekly call to relatives"].done
    assert actions["Unit leads sign each plan monthly"].concern_id == 1
    assert actions["Unit leads sign each plan monthly"].closed_without_evidence
    assert actions["Family forum monthly"].expected_measure == "complaints"
    assert actions["Family forum monthly"].status == "in progress"
    assert actions["Family forum monthly"].raised == date(2026, 5, 2)
    assert list(unmatched(plan_con, settings)["action"]) == ["Remove wedges"]
