"""The demo provider's action plan: a spreadsheet as a registered manager keeps it, to load as `actions`.

Its rows tell a believable story against the demo's planted patterns: the care plan sign-off closed on the
manager's say-so while the audits still fail it, a night handover action overdue, a family forum closed with
no evidence, a Riverside rota change done with evidence, and a fire-door check no concern matches (listed for a
person to link). Dates are fixed within the demo's 18 months ending October 2026.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

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
     "travel between calls"), "Sam Patel (branch manager)", date(2026, 6, 1), date(2026, 7, 31), date(2026, 9, 1),
     "Complete", date(2026, 7, 28), "Rounds re-planned; call monitoring report July"],
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
