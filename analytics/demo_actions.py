"""The demo provider's action plan: a spreadsheet as a registered manager keeps it, to load as `actions`.

Its rows tell a believable story against the demo's planted patterns: the care plan sign-off closed while the
audits still fail it, a night handover action overdue, a family forum closed with no evidence, Town Team's
rounds re-planned and closed on say-so before its call-times complaints came back, the MAR check that worked
(in spot checks too), and a fire-door check no concern matches (listed for a person to link). Leaders'
recognitions are recorded too, one of them late. Dates are fixed within the demo's 18 months ending October 2026.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from openpyxl import Workbook

from .access import ROLES, User
from .concerns import recognise, tracked
from .scope import Scope

HEADERS = ["Ref", "Home", "Unit", "Issue identified", "Action required", "Responsible person", "Date raised",
           "Target date", "Review date", "RAG", "Date completed", "Evidence"]
ROWS = [
    ["AP-01", "Oakwood House", "", "Care plan reviewed and signed in the last month", ("Unit leads sign each care "
     "plan at the monthly review"), "Jane Okafor (RM)", date(2026, 3, 2), date(2026, 4, 30), date(2026, 6, 1),
     "Green", date(2026, 4, 24), "All plans signed at April review"],
    ["AP-02", "Oakwood House", "Willow Unit", "Handover completion on nights", ("Nurse in charge signs the handover "
     "sheet every night"), "Tom Reid (deputy)", date(2026, 6, 15), date(2026, 9, 30), date(2026, 10, 15), "Amber",
     None, "Sheet drafted"],
    ["AP-03", "Oakwood House", "Beech Unit", "Communication with families", "Monthly family forum on Beech",
     "Jane Okafor (RM)", date(2026, 8, 3), date(2026, 9, 30), None, "Complete", date(2026, 9, 10), ""],
    ["AP-04", "Riverside Homecare", "Town Team", "Call times - late visits", ("Re-plan Town Team rounds to cut "
     "travel between calls"), "Sam Patel (branch manager)", date(2026, 2, 9), date(2026, 3, 31), date(2026, 5, 1),
     "Complete", date(2026, 3, 6), ""],
    ["AP-06", "Oakwood House", "", "Gaps in MAR charts", ("Nurse in charge checks every MAR chart at handover and "
     "signs the check sheet"), "Jane Okafor (RM)", date(2025, 10, 6), date(2025, 11, 30), date(2026, 2, 1),
     "Complete", date(2025, 11, 21), "MAR check sheet in use on every unit; November spot checks clear"],
    ["AP-05", "Oakwood House", "Cedar Unit", "Fire doors wedged open", "Weekly fire door walk-round",
     "Maintenance lead", date(2026, 9, 1), date(2026, 12, 31), None, "Not started", None, ""],
]


def write_action_plan(directory: Path) -> Path:
    """Write the demo action plan workbook into `directory` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "Action plan"
    sheet.append(["Oakwood Group quality improvement plan"])
    sheet.append([])
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    path = directory / "quality_action_plan.xlsx"
    book.save(path)
    return path


# (service, team, shift, kind, subject, recognised on, judgement, likely cause, by)
RECOGNITIONS = [
    ("Oakwood House", None, None, "repeat_finding", "No gaps in MAR chart", date(2025, 9, 15), "repeated",
     "Night staff sign the MAR at the end of the round, not at each dose", "jane.okafor@oakwood.example"),
    ("Oakwood House", "Willow Unit", "Night", "fragility", "agency share of hours and handover completion",
     date(2026, 6, 12), "high impact", "Night vacancies filled by agency staff who do not know the handover routine",
     "tom.reid@oakwood.example"),
]


def record_recognitions(con: duckdb.DuckDBPyConnection) -> int:
    """Record the demo leaders' recognitions of the concerns they answer (after the concerns are tracked, which
    needs the data loaded and its history worked out). How many were recorded; any already there are left."""
    concerns = {c.identity: c for c in tracked(con, Scope())}
    done = 0
    for service, team, shift, kind, subject, on, judgement, cause, by in RECOGNITIONS:
        concern = concerns.get((kind, service, team, shift, subject))
        if concern is None or concern.recognition is not None:
            continue
        recognise(con, User(by, frozenset(ROLES), None), concern.concern_id, judgement, cause, on)
        done += 1
    return done
