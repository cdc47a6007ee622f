"""The header row found by the sheet's shape, and columns matched to fields by header words and content."""

from datetime import datetime

import pytest

from analytics.header_matching import best_mapping, name_score, ruled_out, score_headers
from analytics.header_row import cell_kind, find_header_row
from analytics.sources import SOURCES

AUDIT_BODY = [
    ["03/02/2026", "Rowan", "Medication", "MAR charts signed", "Yes"],
    ["03/02/2026", "Rowan", "Medication", "Fridge temperature logged", "No"],
    ["04/02/2026", "Birch", "Medication", "PRN protocols in place", "Yes"],
    ["04/02/2026", "Birch", "Medication", "Controlled drugs book checked", "N/A"],
    ["05/02/2026", "Rowan", "Infection control", "Hand gel dispensers full", "Yes"],
]
AUDIT_HEADER = ["Date of audit", "Unit", "Audit type", "Question", "Answer"]
# An all-text audit (no dates or numbers): only the labels and their contrast with the values tell.
TEXT_BODY = [
    ["Rowan", "Is the MAR chart signed for every dose?", "Met", "J Smith"],
    ["Rowan", "Are fridge temperatures recorded daily?", "Not met", "J Smith"],
    ["Birch", "Are PRN protocols in place?", "Met", "A Khan"],
    ["Birch", "Is the controlled drugs book checked?", "Met", "A Khan"],
    ["Willow", "Are hand gel dispensers full?", "Partially met", "A Khan"],
]
COMPLAINT_BODY = [
    ["C-101", "03/02/2026", "Rowan", "Call bell not answered for twenty minutes at night, family very upset", 2],
    ["C-102", "05/02/2026", "Birch", "Laundry went missing twice and nobody replied to the daughter's email", 1],
    ["C-103", "09/02/2026", "Rowan", "Meals served cold on the first floor most evenings this week", 1],
    ["C-104", "12/02/2026", "Willow", "Staff did not tell the family about a fall until the next day", 3],
]
ROTA_STRINGS = [  # as a CSV reads them: every cell a string
    ["01/04/2026", "Rowan", "Early", "37.5", "30", "7.5", "Yes"],
    ["01/04/2026", "Rowan", "Late", "37.5", "37.5", "0", "Yes"],
    ["01/04/2026", "Birch", "Night", "22.5", "15", "7.5", "No"],
    ["02/04/2026", "Birch", "Early", "37.5", "37.5", "0", "Yes"],
]
N = None

# (case, rows, expected header index)
SHAPES = [
    ("header on the first row, known names", [AUDIT_HEADER, *AUDIT_BODY], 0),
    ("title, blank and note above",
     [["Oakwood House - complaints log 2025/26", N, N, N, N], [N] * 5,
      ["Notes: please complete every column; dates as dd/mm/yyyy", N, N, N, N],
      ["Ref", "Date complaint received (dd/mm/yyyy)", "Unit", "Details", "Severity"], *COMPLAINT_BODY], 3),
    ("headers we never listed, all-text body, title above",
     [["Medication audit", N, N, N], ["Check point", "Observation", "Outcome of check", "Requirement"],
      *[[r[1], r[3], r[4], "Policy MM" + str(i)] for i, r in enumerate(AUDIT_BODY)]], 1),
    ("all-text table: the header, not the first data row", [["Unit", "Question", "Answer", "Auditor"], *TEXT_BODY], 0),
    ("a header cell left blank",
     [["Medication audit - February", N, N, N, N], ["Date", "Unit", N, "Question", "Answer"], *AUDIT_BODY], 1),
    ("merged title and merged group headings above",
     [["Oakwood House", N, N, N, N], ["Audit details", N, N, "Result", N], AUDIT_HEADER, *AUDIT_BODY], 2),
    ("part-width metadata rows above",
     [["Service:", "Oakwood House", N, N, N], ["Period:", "Q1 2026", N, N, N], [N] * 5, AUDIT_HEADER, *AUDIT_BODY],
     3),
    ("CSV strings: numbers and dates as text",
     [["Rota export", "", "", "", "", "", ""], ["", "", "", "", "", "", ""],
      ["Shift date", "Unit", "Shift", "Planned hrs", "Hrs worked", "Agency", "Handover done?"], *ROTA_STRINGS], 2),
    ("Excel cells: real datetimes and numbers",
     [["Feedback received", N, N], ["When", "Score (1-5)", "What you told us"],
      [datetime(2026, 2, 3), 5, "Lovely staff who always have time for a chat with mum"],
      [datetime(2026, 2, 4), 2, "The lounge was cold and the heating was broken for a week"],
      [datetime(2026, 2, 6), 4, "Good activities but not enough trips out this winter"]], 1),
    ("a wide rota with dates across the header",
     [["Week of 01/04/2026", N, N, N, N], ["Team", "Shift", datetime(2026, 4, 1), datetime(2026, 4, 2),
                                          datetime(2026, 4, 3)],
      ["Rowan", "Early", 4, 4, 3], ["Rowan", "Late", 3, 3, 3], ["Birch", "Early", 5, 4, 4]], 1),
    ("a full-width line of labels above the header",
     [["Home", "Oakwood", "Month", "February", "Auditor"], ["Date", "Unit", "Audit", "Item", "Answer"],
      *[[r[0], r[1], r[2], r[3], r[4]] for r in AUDIT_BODY[:3]]], 1),
    ("a units row under the header",
     [["Date", "Unit", "Planned", "Actual"], [N, N, "(hours)", "(hours)"], *[[r[0], r[1], r[3], r[4]]
                                                                            for r in ROTA_STRINGS]], 0),
    ("a wide audit with numbered questions",
     [["Infection control spot check", N, N, N, N], ["Date", "Unit", "1", "2", "3"],
      ["03/02/2026", "Rowan", "Yes", "No", "Yes"], ["04/02/2026", "Birch", "Yes", "Yes", "N/A"],
      ["05/02/2026", "Rowan", "No", "Yes", "Yes"]], 1),
    ("instructions in the header cells", [["Date (dd/mm/yyyy) - required", "Unit - pick from list",
                                          "Answer - Yes/No/N/A"], *[[r[0], r[1], r[4]] for r in AUDIT_BODY]], 0),
    ("one data row", [["Complaints", N, N], ["Ref", "Date received", "Summary"],
                      ["C-1", "03/02/2026", "Call bell not answered at night"]], 1),
    ("headers only, no rows yet (known names)", [["Audit checklist", N, N], ["Date", "Unit", "Question"]], 1),
    ("a long header row of a survey export",
     [["Response ID", "Completion time", "Overall, how was your experience of our service?",
       "Please tell us why you gave this answer", "Which home?"],
      ["R1", "2026-02-03 10:15", "Very good", "Staff were kind and patient with my father", "Oakwood"],
      ["R2", "2026-02-04 14:02", "Poor", "Nobody answered the phone when I rang at the weekend", "Oakwood"],
      ["R3", "2026-02-05 09:40", "Good", "Clean rooms, friendly team, but parking is difficult", "Maple Lodge"]], 0),
]


@pytest.mark.parametrize("case, rows, expected", SHAPES, ids=[s[0] for s in SHAPES])
def test_header_row_found_by_shape(case, rows, expected):
    index, reason = find_header_row(rows)
    assert index == expected, reason
    assert f"row {expected + 1}" in reason


@pytest.mark.parametrize("rows", [
    [],
    [[N, N], ["", ""]],
    [["Medication audit - February 2026 - Oakwood House"]],
    [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
], ids=["no rows", "blank rows", "title only", "numbers only"])
def test_no_header_row_says_why(rows):
    index, reason = find_header_row(rows)
    assert index is None and reason


def test_reason_names_the_skipped_rows_and_the_column_kinds():
    _, reason = find_header_row(SHAPES[1][1])
    assert "1 title" in reason and "1 blank" in reason and "1 note" in reason
    assert "dates" in reason and "free text" in reason
    _, reason = find_header_row(SHAPES[4][1])
    assert "1 column without a name" in reason


@pytest.mark.parametrize("value, kind", [
    (None, "blank"), ("  ", "blank"), ("n/k", "blank"), ("03/02/2026", "date"), ("2026-02-03 10:15", "date"),
    ("Mar-26", "date"), (datetime(2026, 2, 3), "date"), (7.5, "number"), ("37.5", "number"), ("1,234", "number"),
    ("85%", "number"), ("12 hrs", "number"), ("Rowan", "text"), ("Unit 12", "text"), ("Yes", "text"), ("MAR/0011", "text"),
])
def test_cell_kinds(value, kind):
    assert cell_kind(value) == kind


# --- scoring columns ---------------------------------------------------------------------------

DATES = ["03/02/2026", "05/02/2026", "09/02/2026", "12/02/2026", "15/02/2026"]
CODES = ["Clinical", "Staff attitude", "Clinical", "Food", "Clinical"]
PROSE = ["Call bell not answered for twenty minutes at night, family very upset",
         "Laundry went missing twice and nobody replied to the daughter's email",
         "Meals served cold on the first floor most evenings this week",
         "Staff did not tell the family about a fall until the next day",
         "The lounge was cold and the heating was broken for a week"]
ANSWERS = ["Yes", "No", "Yes", "N/A", "Met"]
QUESTIONS = ["MAR charts signed", "Fridge temperature logged", "PRN protocols in place",
             "Controlled drugs book checked", "Hand gel dispensers full"]
TEAMS = ["Rowan", "Rowan", "Birch", "Birch", "Willow"]
HOURS = ["37.5", "30", "22.5", "37.5", "15"]

# (case, source, {header: values}, {field: expected column, or None for "no column"})
MAPPINGS = [
    ("long export headers", "complaints",
     {"Complaint ref": ["C-1", "C-2", "C-3", "C-4", "C-5"], "Date complaint received (dd/mm/yyyy)": DATES,
      "Details of complaint": PROSE, "Date acknowledged (dd/mm/yyyy)": DATES},
     {"reference": "Complaint ref", "received_date": "Date complaint received (dd/mm/yyyy)",
      "summary": "Details of complaint", "acknowledged_date": "Date acknowledged (dd/mm/yyyy)"}),
    ("audit headers we never listed", "audits",
     {"Check point": TEAMS, "Observation": QUESTIONS, "Outcome of check": ANSWERS},
     {"item": "Observation", "answer": "Outcome of check"}),
    ("requirement and check point as the item", "audits",
     {"Requirement": QUESTIONS, "Result": ANSWERS}, {"item": "Requirement", "answer": "Result"}),
    ("check point as the item", "audits", {"Check point": QUESTIONS, "Answer": ANSWERS}, {"item": "Check point"}),
    ("'Date' over values that are not dates", "complaints",
     {"Date": ["TBC", "see log", "Rowan", "awaiting", "Birch"], "Received on": DATES, "Summary": PROSE},
     {"received_date": "Received on", "summary": "Summary"}),
    ("'Date' over values that are not dates, and no other date", "audits",
     {"Date": CODES, "Question": QUESTIONS, "Answer": ANSWERS}, {"audit_date": None, "item": "Question"}),
    ("comment chosen by content: long text beats codes", "feedback",
     {"comment_type": ["Praise", "Concern", "Praise", "Praise", "Suggestion"], "comment_txt": PROSE,
      "Date": DATES}, {"comment": "comment_txt", "feedback_date": "Date"}),
    ("two columns named alike: the one holding free text is the comment", "feedback",
     {"Comments 1": ["Praise", "Concern", "Praise", "Praise", "Concern"], "Comments 2": PROSE},
     {"comment": "Comments 2"}),
    ("two columns named alike: free text is the summary", "complaints",
     {"Complaint (code)": CODES, "Complaint (text)": PROSE}, {"summary": "Complaint (text)"}),
    ("numbers for number fields", "rota",
     {"Shift date": DATES, "Unit": TEAMS, "Planned hrs": HOURS, "Hrs worked": HOURS,
      "Agency": ["see notes", "none booked", "tbc", "Agency A", "Agency B"]},
     {"rota_date": "Shift date", "team": "Unit", "planned_hours": "Planned hrs", "actual_hours": "Hrs worked",
      "agency_hours": None}),
    ("misspelt and abbreviated headers", "complaints",
     {"Recieved date": DATES, "Date ack'd": DATES, "Complaint desc": PROSE, "Catgory": CODES},
     {"received_date": "Recieved date", "acknowledged_date": "Date ack'd", "summary": "Complaint desc",
      "category": "Catgory"}),
    ("a wide form's question naming a field is not that field", "audits",
     {"Date": DATES, "Section A: are hand gel dispensers full?": ANSWERS, "Unit": TEAMS},
     {"audit_date": "Date", "section": None, "team": "Unit"}),
    ("a column nobody could name stays unmapped", "audits",
     {"Date": DATES, "Column 6": PROSE, "Question": QUESTIONS, "Answer": ANSWERS},
     {"audit_date": "Date", "item": "Question", "answer": "Answer"}),
]


@pytest.mark.parametrize("case, source, columns, expected", MAPPINGS, ids=[m[0] for m in MAPPINGS])
def test_best_mapping(case, source, columns, expected):
    found = best_mapping(list(columns), columns, SOURCES[source])
    for field, column in expected.items():
        got = found[field].column if field in found else None
        assert got == column, f"{field}: {got!r}, expected {column!r}; {found}"
    assert len({m.column for m in found.values()}) == len(found)  # one field per column
    assert all(m.reason for m in found.values())


def test_a_column_nobody_could_name_is_left_out():
    columns = MAPPINGS[-1][2]
    found = best_mapping(list(columns), columns, SOURCES["audits"])
    assert "Column 6" not in {m.column for m in found.values()}


def test_date_header_over_text_is_ruled_out_with_a_reason():
    columns = {"Date": CODES}
    assert "audit_date" not in [f for f, _, _ in score_headers(["Date"], columns, SOURCES["audits"])["Date"]]
    assert "cannot be a date field" in ruled_out(["Date"], columns, SOURCES["audits"])["Date"][0]


def test_scores_list_candidates_best_first_with_reasons():
    scores = score_headers(["Date complaint received (dd/mm/yyyy)"], {"Date complaint received (dd/mm/yyyy)": DATES},
                           SOURCES["complaints"])["Date complaint received (dd/mm/yyyy)"]
    assert scores[0][0] == "received_date"
    assert [s for _, s, _ in scores] == sorted((s for _, s, _ in scores), reverse=True)
    assert "date received" in scores[0][2] and "100% of values are dates" in scores[0][2]


@pytest.mark.parametrize("columns, field, certainty", [
    ({"Date": DATES, "Unit": TEAMS}, "audit_date", "sure"),
    ({"Date": DATES, "Unit": TEAMS}, "team", "sure"),
    ({"Check performed": QUESTIONS}, "item", "likely"),
    ({"Summary": CODES}, "summary", "unsure"),
])
def test_certainty(columns, field, certainty):
    source = "complaints" if field == "summary" else "audits"
    assert best_mapping(list(columns), columns, SOURCES[source])[field].certainty == certainty


def test_no_samples_means_words_alone():
    found = best_mapping(["Date of audit", "Unit"], {}, SOURCES["audits"])
    assert found["audit_date"].column == "Date of audit" and "no values to check" in found["audit_date"].reason


@pytest.mark.parametrize("header, synonym, low, high", [
    ("Team", "team", 1.0, 1.0),
    ("Comments", "comment", 0.95, 0.99),
    ("Date complaint received (dd/mm/yyyy)", "date received", 0.75, 0.9),
    ("Check point", "check", 0.7, 0.8),
    ("Recieved", "received", 0.75, 0.9),
    ("Unit", "date received", 0.0, 0.0),
    ("Date", "date received", 0.0, 0.5),
])
def test_name_scores(header, synonym, low, high):
    assert low <= name_score(header, synonym) <= high
