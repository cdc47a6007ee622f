"""A proof corpus for "Read the files providers really have": spreadsheets in the shapes of real exports.

`write_corpus(folder, seed)` writes every file and returns one `CorpusFile` per file with the reading a
careful person would give it: which source it is, where the header is, how many data rows there are, what
each column means, which rating scale each rating column uses and which way it runs, which free-text
columns must be kept, and what the user has to be asked because the file does not say.

Nobody on the project designed the loader for these shapes: they copy what Microsoft Forms, Google Forms,
KoBo Toolbox, SurveyMonkey, Radar, NHS trusts' FFT systems, GP practices' FFT tools, NHS England's FFT
template and homemade Excel trackers write. The same seed always gives the same content.

Conventions in `CorpusFile.columns` (header exactly as written in the file -> expected reading):
- a canonical field name of the file's source (see analytics/sources.py), e.g. "audit_date", "team";
- `QUESTION` ("question") for a column of a wide layout whose header is a question and whose cells are
  the answers (audits) or ratings (feedback) to it. Feedback also has a field called "question" (the column
  holding question text in a long layout, as in an FFT comment export): `CorpusFile.layout` tells them apart,
  "question" being the wide marker in a "wide" file and the field in a "long" one;
- `PERIOD` ("period") for a column of a wide-by-month tracker whose header is a month and whose cells are
  the answers for that month (the item is in the row);
- `COMMENT` ("comment") for a free-text column that must be kept. Feedback has a comment field; audits and
  complaints have none today, so for them this names a need of the issue rather than an existing field;
- None for a column that should not be read (respondent e-mail, quiz points, derived totals, system ids...).

Rating scales: "fft_code" (1 very good ... 5 very poor, 6 don't know), "fft" (Very good ... Very poor,
Don't know), "fft_legacy" (Extremely likely ... Extremely unlikely, Don't know), "gp_survey" (Very good,
Fairly good, Neither good nor poor, Fairly poor, Very poor), "1-5", "0-10". `rating_direction` gives, for
each numeric scale, which way its numbers run; word scales carry their own order and get None.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

QUESTION = "question"
PERIOD = "period"
COMMENT = "comment"

SCALES = ("fft_code", "fft", "fft_legacy", "gp_survey", "1-5", "0-10")
NUMERIC_SCALES = ("fft_code", "1-5", "0-10")
DIRECTIONS = ("higher_is_better", "lower_is_better")
NEEDS = ("audit_type", "service", "team", "scale_direction")

START = date(2024, 10, 1)  # the corpus spans October 2024 to February 2026 (17 months)
END = date(2026, 2, 27)


@dataclass(frozen=True)
class BadCell:
    """A value a person would refuse or question, placed on purpose, with its row as Excel shows it."""

    row: int  # 1-based row number Excel shows (a CSV record with line breaks in a cell is still one row)
    column: str
    value: str
    reason: str


@dataclass
class CorpusFile:
    """One corpus file and the reading it should get."""

    path: Path
    shape: str
    source: str | None  # "audits" | "complaints" | "rota" | "feedback", or None when it should be refused
    sheet: str  # the sheet holding the data ("" for CSV)
    data_rows: int  # data rows a person would count (no title, header, blank, totals or pre-numbered rows)
    columns: dict[str, str | None]  # every header in the file -> canonical field, QUESTION, PERIOD, COMMENT, None
    rating_scale: dict[str, str] = field(default_factory=dict)  # rating column or question header -> scale
    rating_direction: dict[str, str | None] = field(default_factory=dict)  # same keys -> direction or None
    comment_columns: list[str] = field(default_factory=list)  # every free-text column that must be kept
    needs: list[str] = field(default_factory=list)  # what the user must be asked for or supply
    supplied: dict[str, str] = field(default_factory=dict)  # what a person would answer to each need
    header_row: int = 1  # 1-based row of the (first) header row as Excel shows it
    header_rows: int = 1  # header rows (SurveyMonkey writes two: question, then "Response")
    trailing_rows: int = 0  # non-blank rows after the data that are not data (totals, counts, pre-numbered)
    encoding: str = ""  # CSV only: the file's encoding
    delimiter: str = ","  # CSV only
    bad_cells: list[BadCell] = field(default_factory=list)
    near_duplicates: dict[str, str] = field(default_factory=dict)  # variant spelling -> the name it means
    refusal: str = ""  # when source is None: why the file should be refused
    notes: str = ""
    layout: str = ""  # "long", "wide" (a column per question) or "wide_by_month"; worked out when left blank

    def __post_init__(self) -> None:
        if not self.layout:
            readings = set(self.columns.values())
            if PERIOD in readings:
                self.layout = "wide_by_month"
            elif QUESTION in readings and not (self.source == "feedback" and "rating" in readings):
                self.layout = "wide"
            else:
                self.layout = "long"

    @property
    def question_columns(self) -> list[str]:
        """The headers that are questions of a wide layout."""
        return [h for h, r in self.columns.items() if r == QUESTION] if self.layout == "wide" else []


# ---------------------------------------------------------------------------------------------------------
# Shared vocabulary

STAFF = ["Joy Okafor", "Sarah Whitfield", "Priya Patel", "Tomasz Nowak", "Grace Mensah", "Lee Harrison",
         "Anita Sharma", "Mark Doyle", "Bernadette Quinn", "Chloe Evans", "Daniel Adeyemi", "Karen Holt",
         "Marisol Cruz", "Ifeoma Eze", "Stuart McLean", "Hannah Price"]
ACCENTED_STAFF = ["Zoë Fenwick", "José Ramos", "Renée Dubois", "Chloé Martin", "Siân Roberts"]


def _rng(seed: int, name: str) -> random.Random:
    """A generator for one file, so that each file depends only on the seed and its own name."""
    return random.Random(f"{seed}:{name}")


def _dates(rng: random.Random, n: int, start: date = START, end: date = END) -> list[date]:
    """`n` sorted dates spread between start and end."""
    span = (end - start).days
    return sorted(start + timedelta(days=rng.randrange(span + 1)) for _ in range(n))


def _stamp(rng: random.Random, day: date, first_hour: int = 7, last_hour: int = 21) -> datetime:
    return datetime.combine(day, time(rng.randint(first_hour, last_hour), rng.randrange(60), rng.randrange(60)))


def _answer(rng: random.Random, yes: float = 0.82, na: float = 0.06, words: tuple[str, str, str] = ("Yes", "No", "N/A")
            ) -> str:
    roll = rng.random()
    return words[2] if roll < na else words[0] if roll < na + yes else words[1]


def _email(name: str, domain: str) -> str:
    first, last = name.split(" ", 1)
    return f"{first[0].lower()}.{last.lower().replace(' ', '')}@{domain}"


def _workbook(sheets: list[tuple[str, list[list[object]]]]) -> Workbook:
    """A workbook with one sheet per (name, rows); None leaves a cell blank."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.properties.creator = "Leadership Insight corpus"
    book.properties.created = datetime(2026, 3, 1, 9, 0)
    return book


def _date_format(sheet, column_letters: str, first_row: int, fmt: str = "dd/mm/yyyy") -> None:
    for letter in column_letters:
        for cell in sheet[letter][first_row - 1:]:
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = fmt


def _csv_text(rows: list[list[object]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# ---------------------------------------------------------------------------------------------------------
# Audits


MEDICATION_QUESTIONS = [
    "Are all MAR charts signed with no gaps for the last 7 days?",
    "Is the medication fridge temperature recorded daily and within 2-8°C?",
    "Is the treatment room temperature recorded and below 25°C?",
    "Do all PRN medicines have an up-to-date protocol?",
    "Are controlled drug stock balances correct in the CD register?",
    "Are topical creams dated on opening and within their use-by date?",
    "Are allergies recorded on every MAR chart?",
    "Is the medication trolley locked and secured when not in use?",
    "Are covert medication plans supported by a best interest decision?",
    "Have all staff giving medicines had a competency check in the last 12 months?",
]


def _ms_forms_medication(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "ms-forms-medication")
    n = 12
    path = folder / f"Medication Audit(1-{n}).xlsx"
    homes = {"Oakwood House": ["Bluebell", "Primrose"], "Elm Court": ["Ground floor", "First floor"]}
    header = (["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
               "Which home is this audit for?", "Unit / floor"] + MEDICATION_QUESTIONS
              + ["Any other observations or actions needed?"])
    rows: list[list[object]] = [header]
    for i, day in enumerate(_dates(rng, n), start=1):
        auditor = rng.choice(STAFF[:8])
        home = rng.choice(list(homes))
        started = _stamp(rng, day, 9, 16)
        finished = started + timedelta(minutes=rng.randint(6, 40))
        answers = [_answer(rng, yes=0.85) for _ in MEDICATION_QUESTIONS]
        if answers[0] == "No":
            remark = "Gaps on MAR for evening meds, two staff to redo training.\nDeputy informed."
        elif "No" in answers:
            remark = rng.choice(["Fridge log missed at weekend - reminder put on fridge door",
                                 "PRN protocol for paracetamol out of date, GP asked to review",
                                 "Cream in room 4 not dated, removed"])
        else:
            remark = rng.choice(["", "No concerns", "All good"])
        rows.append([i, started, finished, _email(auditor, "oakwoodcare.co.uk"), auditor, None, home,
                     rng.choice(homes[home])] + answers + [remark or None])
    book = _workbook([("Sheet1", rows)])
    _date_format(book["Sheet1"], "BC", 2, "m/d/yy h:mm:ss")
    book.save(path)
    columns: dict[str, str | None] = {
        "ID": "audit_ref", "Start time": None, "Completion time": "audit_date", "Email": None, "Name": "auditor",
        "Last modified time": None, "Which home is this audit for?": "service", "Unit / floor": "team",
        **{q: QUESTION for q in MEDICATION_QUESTIONS}, "Any other observations or actions needed?": COMMENT}
    return CorpusFile(
        path=path, shape="Microsoft Forms audit export", source="audits", sheet="Sheet1", data_rows=n,
        columns=columns, comment_columns=["Any other observations or actions needed?"],
        needs=["audit_type"], supplied={"audit_type": "Medication"}, header_row=1,
        notes="Wide: one row per completed form, one column per question (Yes/No/N/A). No audit type column: "
              "the form title is the file name ('Medication Audit', the '(1-12)' is Forms' response range). "
              "Email and Name both name the auditor; Name is the one to read. 'Last modified time' is empty.")


IPC_QUIZ_QUESTIONS = [
    "Is the sluice room clean, tidy and locked?",
    "Are commodes clean, including underneath the seat?",
    "Are sharps bins labelled, dated and below the fill line?",
    "Are PPE stations stocked (aprons, gloves, hand rub)?",
    "Are clinical waste bins foot-operated and lidded?",
    "Are mattresses checked and free from strike-through?",
    "Are cleaning schedules signed for the last week?",
]


def _ms_forms_quiz(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "ms-forms-quiz")
    n = 9
    path = folder / f"IPC Environmental Audit(1-{n}).xlsx"
    header: list[str] = ["ID", "Start time", "Completion time", "Email", "Name", "Total points", "Quiz feedback",
                         "Home", "Area audited"]
    for q in IPC_QUIZ_QUESTIONS:
        header += [q, f"Points - {q}", f"Feedback - {q}"]
    rows: list[list[object]] = [header]
    units = {"Rosewood Care Home": ["Nightingale", "Foxglove"], "Beechcroft": ["Hazel", "Rowan"]}
    for i, day in enumerate(_dates(rng, n), start=1):
        auditor = rng.choice(STAFF[4:12])
        home = rng.choice(list(units))
        started = _stamp(rng, day, 8, 15)
        cells: list[object] = []
        points = 0
        for _q in IPC_QUIZ_QUESTIONS:
            answer = _answer(rng, yes=0.8, na=0.03)
            points += answer == "Yes"
            cells += [answer, 1 if answer == "Yes" else 0, None]
        rows.append([i, started, started + timedelta(minutes=rng.randint(10, 30)),
                     _email(auditor, "rosewoodgroup.org.uk"), auditor, points, None, home,
                     rng.choice(units[home])] + cells)
    book = _workbook([("Sheet1", rows)])
    _date_format(book["Sheet1"], "BC", 2, "m/d/yy h:mm:ss")
    book.save(path)
    columns: dict[str, str | None] = {
        "ID": "audit_ref", "Start time": None, "Completion time": "audit_date", "Email": None, "Name": "auditor",
        "Total points": None, "Quiz feedback": None, "Home": "service", "Area audited": "team"}
    for q in IPC_QUIZ_QUESTIONS:
        columns |= {q: QUESTION, f"Points - {q}": None, f"Feedback - {q}": None}
    return CorpusFile(
        path=path, shape="Microsoft Forms quiz audit export (points and feedback columns)", source="audits",
        sheet="Sheet1", data_rows=n, columns=columns, needs=["audit_type"],
        supplied={"audit_type": "IPC Environmental"}, header_row=1,
        notes="A Forms quiz adds 'Total points', 'Quiz feedback' and, per question, 'Points - <question>' and "
              "'Feedback - <question>': none of them is a question. 'Area audited' here is the unit, though "
              "'area' is also an audit section word.")


IPC_GOOGLE_QUESTIONS = [
    "Hand gel available at the entrance",
    "Staff bare below the elbows",
    "Toilets and bathrooms visibly clean",
    "Hoist slings named to one resident",
    "Laundry segregated (red bags for soiled linen)",
    "Fridge in the kitchenette clean and temperatures logged",
    "No inappropriate items stored on the floor",
    "Cleaning trolley attended or locked",
]


def _google_forms_audit(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "google-forms-audit")
    n = 40
    path = folder / "Infection Control Walkround (Responses) - Form responses 1.csv"
    header = ["Timestamp", "Email address", "Your name", "Home", "Unit", "Shift"] + IPC_GOOGLE_QUESTIONS + [
        "Actions agreed with the nurse in charge"]
    rows: list[list[object]] = [header]
    units = {"Meadowbank Court": ["Larch", "Cedar", "Birch"], "The Laurels": ["Ground", "Upstairs"]}
    words = ("Compliant", "Non-compliant", "Not applicable")
    for day in _dates(rng, n):
        auditor = rng.choice(STAFF)
        home = rng.choice(list(units))
        answers = [_answer(rng, yes=0.8, na=0.05, words=words) for _ in IPC_GOOGLE_QUESTIONS]
        action = ("Reminded staff about bare below the elbows at handover" if answers[1] == "Non-compliant"
                  else rng.choice(["", "", "Domestic to re-clean bathroom 3",
                                   "Soap dispenser reported to maintenance"]))
        rows.append([_stamp(rng, day).strftime("%d/%m/%Y %H:%M:%S"), _email(auditor, "laurelscare.co.uk"), auditor,
                     home, rng.choice(units[home]), rng.choice(["Early", "Late", "Night"])] + answers + [action])
    path.write_text(_csv_text(rows), encoding="utf-8")
    columns: dict[str, str | None] = {
        "Timestamp": "audit_date", "Email address": None, "Your name": "auditor", "Home": "service", "Unit": "team",
        "Shift": "shift", **{q: QUESTION for q in IPC_GOOGLE_QUESTIONS},
        "Actions agreed with the nurse in charge": COMMENT}
    return CorpusFile(
        path=path, shape="Google Forms audit export (Sheets CSV download)", source="audits", sheet="",
        data_rows=n, columns=columns, comment_columns=["Actions agreed with the nurse in charge"],
        needs=["audit_type"], supplied={"audit_type": "Infection Control"}, encoding="utf-8", header_row=1,
        notes="Google Sheets names a CSV download '<spreadsheet> - <sheet>.csv': the form title is "
              "'Infection Control Walkround'. Answers are Compliant / Non-compliant / Not applicable, "
              "which read as met / not met / N/A. Timestamp is UK day-first text with seconds.")


KOBO_QUESTIONS = ["group_obs/hand_rub_used", "group_obs/bare_below_elbows", "group_obs/nails_short_no_varnish",
                  "group_obs/no_wrist_jewellery", "group_obs/gloves_used_appropriately"]


def _kobo_hand_hygiene(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "kobo-hand-hygiene")
    n = 64
    path = folder / "Hand_Hygiene_Observation_-_all_versions_-_False_-_2026-03-02-09-14-22.xlsx"
    header = (["start", "end", "today", "deviceid", "group_setting/obs_date", "group_setting/home",
               "group_setting/unit", "group_setting/shift", "group_obs/observation_no", "group_obs/staff_role",
               "group_obs/moment"] + KOBO_QUESTIONS
              + ["group_obs/observer_notes", "observer_name", "meta/instanceID", "_id", "_uuid", "_submission_time",
                 "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"])
    rows: list[list[object]] = [header]
    homes = {"oakwood_house": ["bluebell", "primrose"], "willow_lodge": ["maple", "sycamore"]}
    moments = ["before_touching_resident", "before_clean_procedure", "after_body_fluid_exposure",
               "after_touching_resident", "after_touching_surroundings"]
    for i, day in enumerate(_dates(rng, n), start=1):
        started = _stamp(rng, day)
        ended = started + timedelta(minutes=rng.randint(1, 9))
        home = rng.choice(list(homes))
        answers = [_answer(rng, yes=0.78, na=0.08, words=("yes", "no", "not_applicable")) for _ in KOBO_QUESTIONS]
        notes = "" if "no" not in answers else rng.choice(["rings worn, asked to remove", "gel dispenser empty",
                                                           "gloves kept on between residents"])
        ident = uuid.UUID(int=rng.getrandbits(128), version=4)
        rows.append([started.isoformat(timespec="milliseconds") + "+00:00", ended.isoformat(timespec="milliseconds")
                     + "+00:00", day.isoformat(), f"collect:{rng.getrandbits(48):012x}", day.isoformat(), home,
                     rng.choice(homes[home]), rng.choice(["day", "night"]), rng.randint(1, 6),
                     rng.choice(["care_assistant", "senior_carer", "nurse", "domestic"]), rng.choice(moments)]
                    + answers + [notes or None, rng.choice(["Grace Mensah", "Lee Harrison", "Ifeoma Eze"]),
                                 f"uuid:{ident}", 310000000 + i * 7, str(ident),
                                 ended.isoformat(timespec="seconds"), None, None, "submitted_via_web", None,
                                 "vQx8a4VqLmJ3sTQ2o9kR2e", None, i])
    book = _workbook([("Hand Hygiene Observation", rows)])
    book.save(path)
    columns: dict[str, str | None] = {
        "start": None, "end": None, "today": None, "deviceid": None, "group_setting/obs_date": "audit_date",
        "group_setting/home": "service", "group_setting/unit": "team", "group_setting/shift": "shift",
        "group_obs/observation_no": None, "group_obs/staff_role": None, "group_obs/moment": None,
        **{q: QUESTION for q in KOBO_QUESTIONS}, "group_obs/observer_notes": COMMENT,
        "observer_name": "auditor", "meta/instanceID": None, "_id": None, "_uuid": "audit_ref",
        "_submission_time": None, "_validation_status": None, "_notes": None, "_status": None,
        "_submitted_by": None, "__version__": None, "_tags": None, "_index": None}
    return CorpusFile(
        path=path, shape="KoBo Toolbox hand hygiene observation export (XML values and headers)", source="audits",
        sheet="Hand Hygiene Observation", data_rows=n, columns=columns,
        comment_columns=["group_obs/observer_notes"], needs=["audit_type"],
        supplied={"audit_type": "Hand Hygiene Observation"}, header_row=1,
        notes="Headers are group/question paths; the question is the last part (hand_rub_used). Answers are "
              "choice names yes / no / not_applicable; home and unit are choice names (oakwood_house). Each row "
              "is one observation of one member of staff at one of the WHO moments; the moment and the staff "
              "role have no audit field. KoBo's own columns (_id, _uuid, _index, start, end, deviceid...) are "
              "metadata; _uuid identifies the submission.")


def _month_tracker(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "month-tracker")
    path = folder / "Care Plan Audit Tracker 2025-26.xlsx"
    months = ["Apr-25", "May-25", "Jun-25", "Jul-25", "Aug-25", "Sep-25", "Oct-25", "Nov-25", "Dec-25", "Jan-26",
              "Feb-26", "Mar-26"]
    done = 10  # April to January done; February and March not yet
    sections = {
        "Assessment": ["Pre-admission assessment on file", "Care needs assessment reviewed in last month",
                       "Oral health assessment completed"],
        "Risk": ["Waterlow score reviewed monthly", "MUST score reviewed monthly", "Falls risk assessment current",
                 "Bed rail risk assessment in place where used"],
        "Person-centred": ["Life history / 'This is me' completed", "Preferences for personal care recorded",
                           "End of life wishes discussed and recorded"],
        "Consent & capacity": ["Consent to care signed or MCA recorded", "DoLS status recorded and in date",
                               "LPA details checked and copy on file"],
    }
    weak = "MUST score reviewed monthly"  # fails most months under a good overall figure
    rows: list[list[object]] = [
        ["Rosewood Care Home – Care Plan Audit Tracker 2025/26"],
        ["Unit: Bluebell (nursing)     Completed by: Unit Manager"],
        ["Key: ✓ = met, ✗ = not met, N/A = not applicable. Audit 10 care plans each month."],
        [],
        ["Ref", "Section", "Audit question"] + months + ["Comments / actions"],
    ]
    first_data = len(rows) + 1
    section_spans: list[tuple[int, int]] = []
    tallies = [[0, 0] for _ in months]
    ref = 0
    for section, items in sections.items():
        start_row = len(rows) + 1
        for j, item in enumerate(items):
            ref += 1
            cells: list[object] = []
            for m in range(len(months)):
                if m >= done:
                    cells.append(None)
                    continue
                if item == weak:
                    mark = "✗" if rng.random() < 0.8 else "✓"
                elif item.startswith("Bed rail") and rng.random() < 0.3:
                    mark = "N/A"
                else:
                    mark = "✓" if rng.random() < 0.95 else "✗"
                if mark != "N/A":
                    tallies[m][0] += mark == "✓"
                    tallies[m][1] += 1
                cells.append(mark)
            comment = "Repeated gaps - nurse lead to check weights monthly\n(see action plan)" if item == weak else None
            rows.append([f"{list(sections).index(section) + 1}.{j + 1}", section if j == 0 else None, item]
                        + cells + [comment])
        section_spans.append((start_row, len(rows)))
    data_rows = len(rows) - first_data + 1
    rows.append([None, None, "Monthly compliance"]
                + [round(t[0] / t[1], 3) if t[1] else None for t in tallies] + [None])
    book = _workbook([("2025-26", rows), ("Action plan", [["Action", "Owner", "Due"],
                                                          ["Weekly weights for all residents on MUST", "Nurse lead",
                                                           "31/01/2026"]])])
    sheet = book["2025-26"]
    last_col = 3 + len(months) + 1
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    sheet["A1"].font = Font(bold=True, size=14)
    for top, bottom in section_spans:
        sheet.merge_cells(start_row=top, start_column=2, end_row=bottom, end_column=2)
    for cell in sheet[len(rows)][3:3 + len(months)]:
        cell.number_format = "0%"
    book.save(path)
    columns: dict[str, str | None] = {"Ref": None, "Section": "section", "Audit question": "item",
                                      **{m: PERIOD for m in months}, "Comments / actions": COMMENT}
    return CorpusFile(
        path=path, shape="Audit tracker: items as rows, months as columns", source="audits", sheet="2025-26",
        data_rows=data_rows, columns=columns, comment_columns=["Comments / actions"],
        needs=["audit_type", "service", "team"],
        supplied={"audit_type": "Care plan", "service": "Rosewood Care Home", "team": "Bluebell"},
        header_row=5, trailing_rows=1,
        notes="Title rows 1-3 (rows 1 and 2 merged across), blank row 4, header on row 5. Each month column is an "
              "audit date (the 1st of that month) and each cell the answer (✓ / ✗ / N/A) for the row's item: "
              f"{data_rows} items x {done} months done = {data_rows * done} answers. Feb-26 and Mar-26 are blank "
              "because they are not done yet: blank is no answer, not a failure. Section cells are merged down "
              "their items (only the first row holds the value). The last row 'Monthly compliance' is a totals "
              "row. Service, unit and audit type are in the title rows; a loader that reads them may offer them. "
              f"'{weak}' fails most months under a high monthly figure. A second sheet 'Action plan' is not audit "
              "data.")


MEALTIME = {
    "Environment": ["Tables laid with cloths, condiments and napkins", "Menu displayed in pictorial format",
                    "Dining room calm, TV off unless chosen"],
    "Choice": ["Residents shown plated choices", "Alternative offered when meal refused",
               "Drinks offered throughout the meal"],
    "Support": ["Staff sit at eye level when assisting", "Modified diets match SALT guidance",
                "Adapted cutlery and plate guards available"],
}


def _mealtime_long(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "mealtime-long")
    path = folder / "Mealtime experience observations.xlsx"
    header = ["Visit ref", "Date of visit", "Home", "Household", "Meal", "Audit tool", "Area", "Requirement",
              "Met?", "Observation", "Observer"]
    rows: list[list[object]] = [header]
    households = {"Meadowbank Court": ["Larch", "Cedar"], "The Laurels": ["Ground", "Upstairs"]}
    for v, day in enumerate(_dates(rng, 14), start=1):
        home = rng.choice(list(households))
        household = rng.choice(households[home])
        meal = rng.choice(["Breakfast", "Lunch", "Tea"])
        observer = rng.choice(STAFF)
        for area, items in MEALTIME.items():
            for item in items:
                met = rng.choices(["Met", "Partially met", "Not met"], [0.8, 0.12, 0.08])[0]
                note = None
                if met != "Met":
                    note = rng.choice(["Only one choice shown; the other still in the kitchen",
                                       "Two residents waited 15 mins for help to eat",
                                       "Fork mashable diet served as minced - kitchen informed"])
                rows.append([f"MT-{v:03d}", day, home, household, meal, "Mealtime experience", area, item, met, note,
                             observer])
    book = _workbook([("Observations", rows)])
    _date_format(book["Observations"], "B", 2)
    book.save(path)
    columns = {"Visit ref": "audit_ref", "Date of visit": "audit_date", "Home": "service", "Household": "team",
               "Meal": None, "Audit tool": "audit_type", "Area": "section", "Requirement": "item", "Met?": "answer",
               "Observation": COMMENT, "Observer": "auditor"}
    return CorpusFile(
        path=path, shape="Long audit log with unlisted synonyms (Requirement, Met?, Observation, Area)",
        source="audits", sheet="Observations", data_rows=len(rows) - 1, columns=columns,
        comment_columns=["Observation"], header_row=1,
        notes="'Area' is a section here (Environment / Choice / Support), not a team: 'Household' is the team. "
              "'Requirement' is the item, 'Met?' the answer (Met / Partially met / Not met), 'Observation' free "
              "text. 'Meal' (Breakfast / Lunch / Tea) has no audit field.")


CARE_PLAN_ITEMS = {
    "Assessment": ["Pre-admission assessment on file", "Care plan reviewed in last 30 days"],
    "Risk": ["Waterlow completed and current", "MUST completed and current", "Falls risk assessment current"],
    "Consent": ["Consent or MCA recorded", "DoLS status recorded"],
}


def _care_plan_multiline_csv(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "care-plan-multiline")
    path = folder / "careplan_audit_export.csv"
    header = ["Audit Date", "Service", "Unit", "Audit Type", "Section", "Question", "Result", "Audit ID", "Auditor",
              "Comments"]
    records: list[list[object]] = []
    units = {"Beechcroft": ["Hazel", "Rowan"], "Willow Lodge": ["Maple", "Sycamore"]}
    for a, day in enumerate(_dates(rng, 10), start=1):
        home = rng.choice(list(units))
        unit = rng.choice(units[home])
        auditor = rng.choice(STAFF)
        for section, items in CARE_PLAN_ITEMS.items():
            for item in items:
                result = rng.choices(["Y", "N", "N/A"], [0.8, 0.15, 0.05])[0]
                comment = ""
                if result == "N":
                    comment = rng.choice([
                        "Risk assessment reviewed.\nMUST score not updated since weight loss in May.\nKW informed.",
                        "Reviewed with daughter by phone.\r\nPlan to be signed at next visit.",
                        "Not on file -\nrequested from hospital discharge team",
                    ])
                elif rng.random() < 0.1:
                    comment = "Good detail on night routine,\nincludes preferred music"
                records.append([_uk(day), home, unit, "Care plan", section, item, result, f"CPA-{a:03d}", auditor,
                                comment])
    bad_result, bad_date = 23, 41  # 0-based record indexes, after several multi-line comments
    records[bad_result][6] = "TBC"
    records[bad_date][0] = "31/09/2025"
    records[bad_date - 1][9] = "Care plan in draft.\nManager to sign off\nafter review meeting on Friday."
    text = _csv_text([header] + records)
    path.write_bytes(text.encode("utf-8-sig"))

    def physical_line(index: int) -> int:
        return _csv_text([header] + records[:index]).count("\n") + 1

    cells = [BadCell(bad_result + 2, "Result", "TBC", "not an answer (expected Y, N or N/A)"),
             BadCell(bad_date + 2, "Audit Date", "31/09/2025", "no such date: September has 30 days")]
    columns = {"Audit Date": "audit_date", "Service": "service", "Unit": "team", "Audit Type": "audit_type",
               "Section": "section", "Question": "item", "Result": "answer", "Audit ID": "audit_ref",
               "Auditor": "auditor", "Comments": COMMENT}
    return CorpusFile(
        path=path, shape="Care-plan audit CSV with line breaks inside quoted comment cells", source="audits",
        sheet="", data_rows=len(records), columns=columns, comment_columns=["Comments"], encoding="utf-8-sig",
        header_row=1, bad_cells=cells,
        notes=f"Comments hold line breaks (LF and CRLF) inside quoted cells, so physical lines differ from records: "
              f"the 'TBC' result is Excel row {bad_result + 2} but starts on line {physical_line(bad_result)} of the "
              f"file; the 31/09/2025 date is Excel row {bad_date + 2}, line {physical_line(bad_date)}. Rejections "
              "should give the Excel row. UTF-8 with BOM.")


DIGNITY_ITEMS = ["Knocks and waits before entering bedrooms", "Doors and curtains closed during personal care",
                 "Residents addressed by their preferred name", "Clothing clean and person's own",
                 "Call bell within reach", "Conversation with residents, not over them"]


def _utf16_dignity(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "utf16-dignity")
    path = folder / "Dignity audit - Unicode text.txt.csv"
    header = ["Date", "Location", "Unit", "Shift", "Audit", "Item", "Response", "Auditor"]
    rows: list[list[object]] = [header]
    units = {"Elm Court": ["Ground floor", "First floor"], "Oakwood House": ["Bluebell", "Primrose"]}
    for day in _dates(rng, 12):
        home = rng.choice(list(units))
        unit = rng.choice(units[home])
        shift = rng.choice(["Early", "Late", "Twilight"])
        auditor = rng.choice(ACCENTED_STAFF)
        for item in DIGNITY_ITEMS:
            rows.append([_uk(day), home, unit, shift, "Dignity in care", item, rng.choices(["Y", "N"], [0.88, 0.12])[0],
                         auditor])
    path.write_bytes(_csv_text(rows, delimiter="\t").encode("utf-16"))
    columns = {"Date": "audit_date", "Location": "service", "Unit": "team", "Shift": "shift", "Audit": "audit_type",
               "Item": "item", "Response": "answer", "Auditor": "auditor"}
    return CorpusFile(
        path=path, shape="Excel 'Unicode text' save: UTF-16 LE with BOM, tab separated", source="audits", sheet="",
        data_rows=len(rows) - 1, columns=columns, encoding="utf-16", delimiter="\t", header_row=1,
        notes="Saved from Excel as Unicode Text: UTF-16 little-endian with a BOM, tabs between cells. Auditors' "
              "names carry accents (Zoë, José, Renée, Chloé, Siân) that must come through intact.")


MATTRESS_CHECKS = ["Mattress cover intact, no tears", "No strike-through on the foam (unzipped and checked)",
                   "Bed rails fitted correctly, gaps under 120mm", "Bumpers fitted and in good order",
                   "Pressure-relieving mattress set to the resident's weight"]


def _xls_near_duplicate(folder: Path, seed: int) -> CorpusFile:
    import xlwt

    rng = _rng(seed, "xls-near-duplicate")
    path = folder / "Mattress & bed rail checks 2024-25.xls"
    header = ["Date", "Home", "Unit", "Room", "Check point", "Outcome of check", "Checked by", "Action taken"]
    rows: list[list[object]] = []
    variants = 0
    for day in _dates(rng, 30, START, date(2025, 9, 30)):
        home = rng.choice(["Oakwood House", "Oakwood House", "Elm Court"])
        if home == "Oakwood House" and rng.random() < 0.25:
            home = "Oakwood Hse"
            variants += 1
        unit = rng.choice(["Bluebell", "Primrose"] if home.startswith("Oakwood") else ["Ground floor", "First floor"])
        room = rng.randint(1, 24)
        checker = rng.choice(STAFF[8:])
        for check in MATTRESS_CHECKS:
            outcome = rng.choices(["Pass", "Fail", "N/A"], [0.86, 0.08, 0.06])[0]
            action = "Mattress replaced, old one condemned" if outcome == "Fail" else ""
            rows.append([day, home, unit, room, check, outcome, checker, action])
    if not variants:  # the near duplicate must be there whatever the seed
        rows[0][1] = "Oakwood Hse"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Checks")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for c, name in enumerate(header):
        sheet.write(0, c, name)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value, date_style) if isinstance(value, date) else sheet.write(r, c, value)
    book.save(str(path))
    columns = {"Date": "audit_date", "Home": "service", "Unit": "team", "Room": None, "Check point": "item",
               "Outcome of check": "answer", "Checked by": "auditor", "Action taken": COMMENT}
    return CorpusFile(
        path=path, shape="Legacy .xls checks log with a near-duplicate service name", source="audits",
        sheet="Checks", data_rows=len(rows), columns=columns, comment_columns=["Action taken"],
        needs=["audit_type"], supplied={"audit_type": "Mattress and bed rail checks"},
        near_duplicates={"Oakwood Hse": "Oakwood House"}, header_row=1,
        notes="Excel 97-2003 .xls (written by xlwt). 'Check point' is the item and 'Outcome of check' the answer "
              "(Pass / Fail / N/A). 'Oakwood Hse' appears beside 'Oakwood House': the user should be asked whether "
              "they are one service rather than get two. The audit type is only in the file name.")


# ---------------------------------------------------------------------------------------------------------
# Complaints

COMPLAINT_TEXTS = {
    "Communication": ["Daughter not told about her mother's fall until the next morning.",
                      "Calls to the unit went unanswered all weekend; nobody rang back.",
                      "Family not invited to the care plan review as promised."],
    "Personal care": ["Dad found in wet clothes at 11am on two visits.",
                      "Mum's hair has not been washed for two weeks and her nails are long.",
                      "Husband not shaved for several days; he was always clean-shaven."],
    "Medication": ["Evening tablets given after 10pm three nights running.",
                   "Eye drops missed for three days after the pharmacy changed supplier."],
    "Food and drink": ["Meals served cold on the first floor.",
                       "Soft diet not provided as SALT advised; sandwiches left on the table."],
    "Lost property": ["Cardigan labelled and still lost in the laundry.",
                      "Glasses went missing during the room move."],
    "Staff attitude": ["Night carer was abrupt with my wife when she asked for the toilet.",
                       "Agency worker on the phone while helping my father eat."],
    "Call bells": ["Call bell not answered for 25 minutes on Sunday afternoon.",
                   "Call bell left out of reach overnight."],
}
OUTCOMES = ["Upheld", "Partially upheld", "Not upheld"]


def _complaint(rng: random.Random) -> tuple[str, str]:
    category = rng.choice(list(COMPLAINT_TEXTS))
    return category, rng.choice(COMPLAINT_TEXTS[category])


def _radar_complaints(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "radar-complaints")
    n = 37
    path = folder / "Complaints_Report_2026-03-04.xlsx"
    header = ["Complaint Reference", "Date complaint received (dd/mm/yyyy)", "Location", "Department", "Subject",
              "Description of complaint", "Complainant relationship", "Risk grading", "Date acknowledged",
              "Final response date", "Outcome (Upheld/Partially/Not upheld)", "Status", "Handler",
              "Days to final response"]
    rows: list[list[object]] = [
        ["Radar Healthcare"],
        ["Complaints register – all locations"],
        ["Report run: 04/03/2026 08:41 by Quality Team"],
        ["Date range: 01/10/2024 – 28/02/2026"],
        [],
        header,
    ]
    departments = {"Rosewood Care Home": ["Nightingale", "Foxglove"], "Beechcroft": ["Hazel", "Rowan"],
                   "Willow Lodge": ["Maple", "Sycamore"]}
    for i, day in enumerate(_dates(rng, n), start=1):
        home = rng.choice(list(departments))
        category, text = _complaint(rng)
        acknowledged = day + timedelta(days=rng.randint(0, 4))
        closed = day > END - timedelta(days=30) and rng.random() < 0.7
        final = None if closed else day + timedelta(days=rng.randint(8, 40))
        rows.append([f"COMP-{day.year}-{100 + i:04d}", _uk(day), home, rng.choice(departments[home]), category, text,
                     rng.choice(["Daughter", "Son", "Wife", "Husband", "Resident", "Friend", "Social worker"]),
                     rng.choice(["Low", "Low", "Moderate", "High"]), acknowledged, final,
                     None if final is None else rng.choice(OUTCOMES),
                     "Open" if final is None else "Closed", rng.choice(["K. Holt", "S. McLean", "B. Quinn"]),
                     None if final is None else (final - day).days])
    rows += [[], [f"Total records: {n}"]]
    book = _workbook([("Complaints", rows)])
    sheet = book["Complaints"]
    sheet.merge_cells("A1:F1")
    sheet["A1"].font = Font(bold=True, size=16)
    _date_format(sheet, "IJ", 7)
    book.save(path)
    columns = {"Complaint Reference": "reference", "Date complaint received (dd/mm/yyyy)": "received_date",
               "Location": "service", "Department": "team", "Subject": "category",
               "Description of complaint": "summary", "Complainant relationship": "complainant",
               "Risk grading": "severity", "Date acknowledged": "acknowledged_date",
               "Final response date": "responded_date", "Outcome (Upheld/Partially/Not upheld)": "outcome",
               "Status": "status", "Handler": None, "Days to final response": None}
    return CorpusFile(
        path=path, shape="Radar-style complaints register export", source="complaints", sheet="Complaints",
        data_rows=n, columns=columns, comment_columns=["Description of complaint"], header_row=6,
        trailing_rows=1,
        notes="Four title rows (the first merged) and a blank row above the header on row 6; a blank row and "
              "'Total records: N' below the data. Received dates are dd/mm/yyyy text, as the header says; "
              "acknowledged and final response dates are Excel dates. Open complaints have no final response, "
              "outcome or days. 'Days to final response' is derived.")


def _homemade_complaints(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "homemade-complaints")
    n = 23
    prenumbered = 12
    path = folder / "Complaints Log 2025.xlsx"
    header = ["No.", "Date rec'd", "Home", "Floor", "Who raised it", "What about", "Details", "Action taken",
              "Ack sent", "Resp sent", "Upheld?", "Open/Closed", "Lessons learned"]
    log: list[list[object]] = [["Beechcroft & The Laurels – Complaints Log 2025"],
                               [("Please fill in every column and use the drop-downs. Ack within 3 working days, "
                                 "response within 28 days.")], [], header]
    floors = {"Beechcroft": ["Ground", "First"], "The Laurels": ["Ground", "Upstairs"]}
    for i, day in enumerate(_dates(rng, n, date(2025, 1, 2), date(2025, 12, 22)), start=1):
        home = rng.choice(list(floors))
        category, text = _complaint(rng)
        responded = rng.random() < 0.85
        log.append([i, day, home, rng.choice(floors[home]), rng.choice(["Relative", "Resident", "Visitor", "GP"]),
                    category, text, rng.choice(["Apologised and met with family", "Staff supervision held",
                                                "Laundry labelling system changed", "Reviewed call bell times"]),
                    day + timedelta(days=rng.randint(1, 3)),
                    day + timedelta(days=rng.randint(10, 30)) if responded else None,
                    rng.choice(["Yes", "Partly", "No"]) if responded else None,
                    "Closed" if responded else "Open",
                    rng.choice(["", "Share at team meeting", "Check labels on admission",
                                "Night staff reminded about call bells"]) or None])
    log += [[n + k] for k in range(1, prenumbered + 1)]
    readme = [["How to use this log"], ["One row per complaint. Compliments go in the other file."],
              ["The 'Lists' sheet holds the drop-down choices - do not delete it."],
              ["Send the log to the Quality team by the 5th of each month."]]
    lists = [["Categories", "Outcomes", "Status", "Who"]] + [
        [c, o, s, w] for c, o, s, w in zip(list(COMPLAINT_TEXTS), ["Yes", "Partly", "No", None, None, None, None],
                                           ["Open", "Closed", None, None, None, None, None],
                                           ["Relative", "Resident", "Visitor", "GP", "Advocate", None, None],
                                           strict=True)]
    book = _workbook([("Read me", readme), ("Log", log), ("Lists", lists)])
    book["Lists"].sheet_state = "hidden"
    sheet = book["Log"]
    sheet.merge_cells("A1:G1")
    sheet["A1"].font = Font(bold=True, size=14)
    last = 4 + n + prenumbered
    for column, formula in (("F", "=Lists!$A$2:$A$8"), ("K", "=Lists!$B$2:$B$4"), ("L", "=Lists!$C$2:$C$3")):
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.add(f"{column}5:{column}{last}")
        sheet.add_data_validation(validation)
    _date_format(sheet, "BIJ", 5)
    book.active = 1
    book.save(path)
    columns = {"No.": "reference", "Date rec'd": "received_date", "Home": "service", "Floor": "team",
               "Who raised it": "complainant", "What about": "category", "Details": "summary",
               "Action taken": COMMENT, "Ack sent": "acknowledged_date", "Resp sent": "responded_date",
               "Upheld?": "outcome", "Open/Closed": "status", "Lessons learned": COMMENT}
    return CorpusFile(
        path=path, shape="Homemade complaints tracker (notes sheet, hidden drop-down lists sheet)",
        source="complaints", sheet="Log", data_rows=n, columns=columns,
        comment_columns=["Details", "Action taken", "Lessons learned"], header_row=4, trailing_rows=prenumbered,
        notes="Three sheets: 'Read me' (notes, first), 'Log' (the data) and 'Lists' (hidden, the drop-down "
              "choices). Only 'Log' is complaints; 'Read me' and 'Lists' are not data. Title (merged) and an "
              f"instruction row above the header on row 4. Below the {n} complaints, {prenumbered} rows hold only a "
              "pre-filled 'No.' and are not complaints. 'Upheld?' answers Yes / Partly / No.")


def _cp1252_complaints(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "cp1252-complaints")
    path = folder / "Concerns and complaints 2024-25.csv"
    header = ["Case number", "Date of complaint", "Branch", "Patch", "Nature of complaint", "Complaint details",
              "Made by", "Ack date", "Date resolved", "Decision", "Goodwill payment (£)"]
    extra = [("Lost property", "Client’s glasses lost on a call; family asking for £45 towards new ones."),
             ("Missed visit", "Lunch call missed; Renée’s son found her without her café-style lunch from Monday."),
             ("Charges", "Invoice shows £18.50 for a 30 minute call that lasted 12 minutes."),
             ("Late calls", "Morning call arrived at 11:20 – daughter says this is the third time.")]
    rows: list[list[object]] = [header]
    patches = {"Northgate branch": ["Central", "East"], "Riverside branch": ["Riverside North", "Riverside South"]}
    for i, day in enumerate(_dates(rng, 28, START, date(2025, 9, 30)), start=1):
        branch = rng.choice(list(patches))
        nature, text = extra[i % len(extra)] if i % 3 == 0 else _complaint(rng)
        payment = "45.00" if "£45" in text else ""
        rows.append([f"NG/{day:%y}/{i:03d}", _uk(day), branch, rng.choice(patches[branch]), nature, text,
                     rng.choice(["Client", "Daughter", "Son", "Social worker"]), _uk(day + timedelta(days=2)),
                     _uk(day + timedelta(days=rng.randint(7, 35))), rng.choice(OUTCOMES), payment])
    path.write_bytes(_csv_text(rows).encode("cp1252"))
    columns = {"Case number": "reference", "Date of complaint": "received_date", "Branch": "service",
               "Patch": "team", "Nature of complaint": "category", "Complaint details": "summary",
               "Made by": "complainant", "Ack date": "acknowledged_date", "Date resolved": "closed_date",
               "Decision": "outcome", "Goodwill payment (£)": None}
    return CorpusFile(
        path=path, shape="Homecare complaints CSV saved in Windows-1252", source="complaints", sheet="",
        data_rows=len(rows) - 1, columns=columns, comment_columns=["Complaint details"], encoding="cp1252",
        header_row=1,
        notes="Windows-1252 bytes: £ (0xA3), é (0xE9), curly apostrophe (0x92) and en dash (0x96), in the header "
              "'Goodwill payment (£)' too. Homecare: 'Branch' is the service and 'Patch' the team.")


# ---------------------------------------------------------------------------------------------------------
# Feedback

GOOGLE_SURVEY_ASPECTS = ["Staff kindness", "Cleanliness of the home", "Food and drink", "Activities",
                         "Keeping you informed"]
GOOGLE_SURVEY_OVERALL = "Overall, how would you rate the home? (1 = very poor, 5 = excellent)"


def _google_family_survey(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "google-family-survey")
    n = 46
    path = folder / "Family & Friends Survey 2025 (Responses).xlsx"
    grid = [f"Please rate the following (1 = very poor, 5 = excellent) [{a}]" for a in GOOGLE_SURVEY_ASPECTS]
    header = (["Timestamp", "Which home does your relative live in?", "You are..."] + grid + [GOOGLE_SURVEY_OVERALL,
              "What was good?", "What could we do better?"])
    rows: list[list[object]] = [header]
    good = ["The staff on Nightingale are so patient with Mum.", "Lovely garden and the activities lady is brilliant.",
            "Always welcomed with a cup of tea.", ""]
    better = ["Tell us sooner when something happens.", "More staff at weekends, it feels rushed.",
              "Laundry keeps going missing.", "Food could be hotter.", ""]
    for day in _dates(rng, n, date(2025, 5, 1), date(2025, 7, 31)):
        base = rng.choice([2, 3, 4, 4, 5, 5])
        marks: list[object] = [min(5, max(1, base + rng.choice([-1, 0, 0, 1]))) for _ in grid]
        if rng.random() < 0.1:
            marks[3] = None  # optional grid row left blank
        rows.append([_stamp(rng, day), rng.choice(["Rosewood Care Home", "Beechcroft"]),
                     rng.choice(["Son or daughter", "Husband, wife or partner", "Friend", "Other relative"])]
                    + marks + [base, rng.choice(good) or None, rng.choice(better) or None])
    book = _workbook([("Form responses 1", rows)])
    _date_format(book["Form responses 1"], "A", 2, "dd/mm/yyyy hh:mm:ss")
    book.save(path)
    ratings = grid + [GOOGLE_SURVEY_OVERALL]
    columns: dict[str, str | None] = {"Timestamp": "feedback_date", "Which home does your relative live in?": "service",
                                      "You are...": "respondent_type", **{q: QUESTION for q in ratings},
                                      "What was good?": COMMENT, "What could we do better?": COMMENT}
    return CorpusFile(
        path=path, shape="Google Forms family survey (xlsx download, grid question)", source="feedback",
        sheet="Form responses 1", data_rows=n, columns=columns, rating_scale={q: "1-5" for q in ratings},
        rating_direction={q: "higher_is_better" for q in ratings},
        comment_columns=["What was good?", "What could we do better?"], header_row=1,
        notes="Wide: one row per response. A Google Forms grid question exports as one column per row, headed "
              "'<question> [<row>]'; the question is the bracketed part within the grid's title. The headers say "
              "1 = very poor, 5 = excellent, so the direction is known. Two free-text questions, both kept.")


FFT_QUESTION = "Overall, how was your experience of our service?"
FFT_COMMENTS = {
    1: ["The district nurses were wonderful with Dad.", "Kind, caring and on time every visit."],
    2: ["Good service but the visit times vary a lot.", "Nurses were lovely, parking is difficult."],
    3: ["Okay, nothing special.", "Fine once they arrived."],
    4: ["Waited all day for a visit that did not come.", "Nobody told us the appointment had moved."],
    5: ["Rude on the phone and no one called back.", "Dressing not changed for four days, wound got worse."],
    6: ["Only had one visit so far.", "Not sure yet."],
    7: ["(no answer given)", "Comment card left blank except this line."],
}
FFT_THEMES = ["Staff attitude", "Communication", "Waiting time", "Environment", "Care and treatment"]


def _trust_fft_comments(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "trust-fft-comments")
    n = 120
    path = folder / "FFT comments export Q3 2025-26.xlsx"
    header = (["Comment ID", "Date", "Service type 1", "Service type 2", "FFT categorical answer", "FFT question",
               "FFT answer", "Comment sentiment"] + FFT_THEMES)
    rows: list[list[object]] = [header]
    teams = {"Community nursing": ["District nursing - North", "District nursing - South"],
             "Intermediate care": ["Reablement team", "Step-down beds"]}
    sevens: list[int] = []
    for i, day in enumerate(_dates(rng, n), start=1):
        code = rng.choices([1, 2, 3, 4, 5, 6], [45, 25, 8, 7, 6, 4])[0]
        if i in (17, 58, 101):
            code = 7
            sevens.append(i + 1)
        service = rng.choice(list(teams))
        sentiment = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1, 6: 3, 7: 3}[code]
        sentiment = min(5, max(1, sentiment + rng.choice([-1, 0, 0, 0, 1])))
        themes = [1 if rng.random() < (0.5 if code >= 4 else 0.2) else 0 for _ in FFT_THEMES]
        rows.append([f"{880000 + i * 13}", day, service, rng.choice(teams[service]), code, FFT_QUESTION,
                     rng.choice(FFT_COMMENTS[code]), sentiment] + themes)
    book = _workbook([("Comments", rows)])
    _date_format(book["Comments"], "B", 2)
    book.save(path)
    columns: dict[str, str | None] = {"Comment ID": "response_id", "Date": "feedback_date", "Service type 1": "service",
                                      "Service type 2": "team", "FFT categorical answer": "rating",
                                      "FFT question": "question", "FFT answer": "comment", "Comment sentiment": None,
                                      **{t: None for t in FFT_THEMES}}
    return CorpusFile(
        path=path, shape="NHS trust FFT comment export (codes, sentiment, theme flags)", source="feedback",
        sheet="Comments", data_rows=n, columns=columns, rating_scale={"FFT categorical answer": "fft_code"},
        rating_direction={"FFT categorical answer": "lower_is_better"}, comment_columns=["FFT answer"],
        header_row=1,
        bad_cells=[BadCell(row, "FFT categorical answer", "7",
                           "7 is not an FFT response code (1-6); keep the row and its comment, no score")
                   for row in sevens],
        notes="Long: one row per response, the question in 'FFT question'. 'FFT categorical answer' holds FFT "
              "codes 1 very good ... 5 very poor, 6 don't know, and three 7s (some trust systems use 7 for "
              "'no answer'). 'FFT answer' is the free-text comment, despite its name. 'Comment sentiment' (1-5, "
              "made by a text classifier) and the theme flags (0/1) are derived from the comment: none of them "
              "is a rating.")


def _gp_fft(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "gp-fft")
    n = 85
    path = folder / "FFT responses - Riverside Surgery.csv"
    header = ["Date", "Rating", "Why did you give this answer?", "Source", "Age band"]
    reasons = {1: ["Seen quickly and the GP listened.", "Brilliant nurse, very thorough."],
               2: ["Good, but a long wait on the phone at 8am.", "Helpful receptionist."],
               3: ["Average.", "Got what I needed eventually."],
               4: ["Could not get an appointment for two weeks.", "Receptionist was dismissive."],
               5: ["Terrible - no appointments and rude staff.", "Prescription lost twice, awful service."],
               6: ["First visit, too early to say."]}
    rows: list[list[object]] = [header]
    for day in _dates(rng, n):
        code = rng.choices([1, 2, 3, 4, 5, 6], [40, 28, 10, 10, 9, 3])[0]
        rows.append([day.strftime("%d/%m/%Y"), code, rng.choice(reasons[code]),
                     rng.choice(["SMS", "SMS", "Online", "Tablet in waiting room"]),
                     rng.choice(["18-24", "25-44", "45-64", "65-74", "75+"])])
    path.write_text(_csv_text(rows), encoding="utf-8")
    columns = {"Date": "feedback_date", "Rating": "rating", "Why did you give this answer?": "comment",
               "Source": "channel", "Age band": None}
    return CorpusFile(
        path=path, shape="GP practice FFT export (codes under a plain 'Rating' header)", source="feedback", sheet="",
        data_rows=n, columns=columns, rating_scale={"Rating": "fft_code"},
        rating_direction={"Rating": "lower_is_better"},
        comment_columns=["Why did you give this answer?"], needs=["service", "scale_direction"],
        supplied={"service": "Riverside Surgery", "scale_direction": "lower_is_better"}, encoding="utf-8",
        header_row=1,
        notes="'Rating' holds FFT codes 1 = very good ... 5 = very poor, 6 = don't know: higher numbers are worse, "
              "which the header does not say. The comments show it (1 'Brilliant', 5 'Terrible'), and a 6 rules "
              "out a plain 1-5 scale. No service column: the practice is named in the file name.")


LOCAL_SURVEY_ITEMS = ["My care worker arrives on time", "Care workers are kind and treat me with respect",
                      "I am involved in planning my care", "The office staff are helpful when I ring"]


def _local_survey(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "local-survey-1-5")
    n = 58
    path = folder / "Homecare client questionnaire 2025.xlsx"
    header = ["Ref", "Date received", "Branch"] + LOCAL_SURVEY_ITEMS + ["Any comments"]
    rows: list[list[object]] = [header]
    comments = {5: ["Excellent, could not ask for better.", "Brilliant carers, always on time."],
                4: ["Very good on the whole.", "Good service, the odd late call."],
                3: ["Okay but calls are sometimes late.", "Mixed - depends who comes."],
                2: ["Poor timekeeping, often an hour late.", "Nobody rings to say they are late."],
                1: ["Awful. Carers never on time and the office never answers.", "Very poor, I am looking elsewhere."]}
    for i, day in enumerate(_dates(rng, n, date(2025, 3, 1), date(2025, 6, 30)), start=1):
        base = rng.choices([1, 2, 3, 4, 5], [5, 8, 15, 35, 37])[0]
        marks = [min(5, max(1, base + rng.choice([-1, 0, 0, 0, 1]))) for _ in LOCAL_SURVEY_ITEMS]
        rows.append([f"Q25-{i:03d}", day, rng.choice(["Northgate branch", "Riverside branch"])] + marks
                    + [rng.choice(comments[base]) if rng.random() < 0.7 else None])
    book = _workbook([("Responses", rows)])
    _date_format(book["Responses"], "B", 2)
    book.save(path)
    columns: dict[str, str | None] = {"Ref": "response_id", "Date received": "feedback_date", "Branch": "service",
                                      **{q: QUESTION for q in LOCAL_SURVEY_ITEMS}, "Any comments": "comment"}
    return CorpusFile(
        path=path, shape="Local homecare survey coded 1-5, 5 = best (direction only in the comments)",
        source="feedback", sheet="Responses", data_rows=n, columns=columns,
        rating_scale={q: "1-5" for q in LOCAL_SURVEY_ITEMS},
        rating_direction={q: "higher_is_better" for q in LOCAL_SURVEY_ITEMS}, comment_columns=["Any comments"],
        needs=["scale_direction"], supplied={"scale_direction": "higher_is_better"}, header_row=1,
        notes="Statements scored 1-5 with 5 the best; the headers do not say so, the comments do (5s with "
              "'Excellent', 1s with 'Awful'). The opposite of the GP practice's 'Rating'.")


GPPS_QUESTIONS = ["Overall, how would you describe your experience of living here?",
                  "How would you describe the food?", "How would you describe the activities on offer?",
                  "How would you describe the way staff listen to you?"]
GPPS_WORDS = ["Very good", "Fairly good", "Neither good nor poor", "Fairly poor", "Very poor"]


def _gpps_style(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "gpps-style")
    n = 52
    path = folder / "Residents survey 2025 (GP Patient Survey wording).csv"
    header = ["Respondent", "Date", "Home", "Completed with help from"] + GPPS_QUESTIONS
    rows: list[list[object]] = [header]
    for i, day in enumerate(_dates(rng, n, date(2025, 9, 1), date(2025, 10, 31)), start=1):
        answers = [rng.choices(GPPS_WORDS + ["Don't know"], [35, 35, 12, 8, 5, 5])[0] for _ in GPPS_QUESTIONS]
        rows.append([f"R{i:03d}", _uk(day), rng.choice(["Meadowbank Court", "The Laurels", "Willow Lodge"]),
                     rng.choice(["No one", "A relative", "A member of staff", "An advocate"])] + answers)
    path.write_text(_csv_text(rows), encoding="utf-8")
    columns: dict[str, str | None] = {"Respondent": "response_id", "Date": "feedback_date", "Home": "service",
                                      "Completed with help from": None, **{q: QUESTION for q in GPPS_QUESTIONS}}
    return CorpusFile(
        path=path, shape="GP Patient Survey style residents' survey (Very good ... Very poor words)",
        source="feedback", sheet="", data_rows=n, columns=columns,
        rating_scale={q: "gp_survey" for q in GPPS_QUESTIONS}, rating_direction={q: None for q in GPPS_QUESTIONS},
        encoding="utf-8", header_row=1,
        notes="Answers use the GP Patient Survey words Very good / Fairly good / Neither good nor poor / Fairly "
              "poor / Very poor (plus a few 'Don't know', no score). 'Fairly good' and 'Fairly poor' are not FFT "
              "words. 'Completed with help from' is not the respondent type.")


def _nhse_fft_summary(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "nhse-fft-summary")
    path = folder / "FFT_Monthly_Submission_Sep-25.xlsx"
    header = ["Period", "Org code", "Site code", "Site name", "Very good", "Good", "Neither good nor poor", "Poor",
              "Very poor", "Don't know", "Total responses", "Percentage positive", "Percentage negative"]
    rows: list[list[object]] = [["Friends and Family Test – monthly data submission"],
                                ["Organisation: Northgate Community Health (RXX)"], ["Collection: Community services"],
                                header]
    sites = [("RXX01", "Northgate Health Centre"), ("RXX02", "Riverside Clinic"), ("RXX03", "Elm Court Unit"),
             ("RXX04", "Reablement Service")]
    totals = [0] * 7
    for code, name in sites:
        counts = [rng.randint(40, 120), rng.randint(15, 50), rng.randint(2, 10), rng.randint(0, 6),
                  rng.randint(0, 5), rng.randint(0, 4)]
        total = sum(counts)
        scored = total - counts[5]
        for k, value in enumerate(counts + [total]):
            totals[k] += value
        rows.append(["Sep-25", "RXX", code, name] + counts
                    + [total, round((counts[0] + counts[1]) / scored, 3), round((counts[3] + counts[4]) / scored, 3)])
    rows.append(["Sep-25", "RXX", None, "Total"] + totals + [None, None])
    book = _workbook([("Submission", rows)])
    book["Submission"].merge_cells("A1:H1")
    book.save(path)
    return CorpusFile(
        path=path, shape="NHS England FFT monthly submission template (aggregated counts)", source=None,
        sheet="Submission", data_rows=len(sites), columns={h: None for h in header}, header_row=4, trailing_rows=1,
        refusal="This is a monthly summary: counts of responses per FFT category per site, not individual "
                "responses. Loading it as feedback would store counts as ratings; it should be refused with that "
                "reason (or one day read as counts, which no source holds).",
        notes="Three title rows, header on row 4, four site rows and a Total row. The response categories are "
              "column headers, each cell a count.")


LEGACY_FFT_QUESTION = ("How likely are you to recommend our care home to friends and family if they needed "
                       "similar care or treatment?")


def _legacy_fft_paper(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "legacy-fft-paper")
    path = folder / "Relatives FFT 2024-25 (paper forms typed up).xlsx"
    header = ["Date", "Unit", "Completed by", LEGACY_FFT_QUESTION, "Please tell us why"]
    words = ["Extremely likely", "Likely", "Neither likely nor unlikely", "Unlikely", "Extremely unlikely",
             "Don't know"]
    why = {"Extremely likely": "Staff treat Mum like family.", "Likely": "Good care, could do with more activities.",
           "Neither likely nor unlikely": "Some staff are great, others not.",
           "Unlikely": "Too many agency staff at night.", "Extremely unlikely": "Dad's needs are not being met.",
           "Don't know": ""}
    rows: list[list[object]] = [["Willow Lodge – Friends and Family Test (relatives)"], [], header]
    n = 0
    month = None
    for day in _dates(rng, 44, START, date(2025, 9, 30)):
        if month is not None and day.month != month:
            rows.append([])  # a blank spacer row between months
        month = day.month
        answer = rng.choices(words, [40, 30, 10, 8, 6, 6])[0]
        rows.append([day, rng.choice(["Maple", "Sycamore"]), rng.choice(["Relative", "Relative", "Resident"]), answer,
                     why[answer] or None])
        n += 1
    book = _workbook([("FFT", rows)])
    book["FFT"].merge_cells("A1:E1")
    _date_format(book["FFT"], "A", 4)
    book.save(path)
    columns = {"Date": "feedback_date", "Unit": "team", "Completed by": "respondent_type",
               LEGACY_FFT_QUESTION: QUESTION, "Please tell us why": "comment"}
    return CorpusFile(
        path=path, shape="Legacy FFT paper forms typed into Excel (blank rows between months)", source="feedback",
        sheet="FFT", data_rows=n, columns=columns, rating_scale={LEGACY_FFT_QUESTION: "fft_legacy"},
        rating_direction={LEGACY_FFT_QUESTION: None}, comment_columns=["Please tell us why"], needs=["service"],
        supplied={"service": "Willow Lodge"}, header_row=3,
        notes="Merged title on row 1, blank row 2, header on row 3, a blank spacer row between months. The single "
              "question column holds the old FFT 'likely to recommend' words. The home is only in the title.")


def _surveymonkey_nps(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "surveymonkey-nps")
    n = 70
    path = folder / "Brightside Homecare annual survey 2025 - SurveyMonkey.xlsx"
    recommend = "How likely is it that you would recommend Brightside Homecare to a friend or colleague?"
    branch_q = "Which branch provides your care?"
    reason_q = "What is the main reason for your score?"
    who_q = "Who is completing this survey?"
    first = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
             "Last Name", "Custom Data 1", branch_q, recommend, reason_q, who_q]
    second = [None] * 9 + ["Response", "Response", "Open-Ended Response", "Response"]
    rows: list[list[object]] = [first, second]
    reasons = {"high": ["Carers are reliable and kind.", "They go above and beyond."],
               "mid": ["Fine, but times vary.", "Mostly good."],
               "low": ["Calls cut short all the time.", "Different carer every day, nobody knows Mum."]}
    for day in _dates(rng, n, date(2025, 4, 1), date(2025, 5, 31)):
        score = rng.choices(range(11), [2, 1, 2, 3, 3, 5, 7, 12, 20, 20, 25])[0]
        band = "high" if score >= 9 else "mid" if score >= 6 else "low"
        started = _stamp(rng, day)
        ended = started + timedelta(minutes=rng.randint(2, 9))
        rows.append([11400000000 + rng.randrange(10**8), 431234567, started, ended,
                     None, None, None, None, None, rng.choice(["Northgate", "Riverside"]), score,
                     rng.choice(reasons[band]) if rng.random() < 0.8 else None,
                     rng.choice(["The person receiving care", "A family member"])])
    book = _workbook([("Sheet", rows)])
    _date_format(book["Sheet"], "CD", 3, "mm/dd/yyyy hh:mm:ss AM/PM")
    book.save(path)
    columns = {"Respondent ID": "response_id", "Collector ID": None, "Start Date": None, "End Date": "feedback_date",
               "IP Address": None, "Email Address": None, "First Name": None, "Last Name": None,
               "Custom Data 1": None, branch_q: "service", recommend: QUESTION, reason_q: "comment",
               who_q: "respondent_type"}
    return CorpusFile(
        path=path, shape="SurveyMonkey 'all responses' export (two header rows, 0-10 recommend question)",
        source="feedback", sheet="Sheet", data_rows=n, columns=columns, rating_scale={recommend: "0-10"},
        rating_direction={recommend: "higher_is_better"}, comment_columns=[reason_q], header_rows=2, header_row=1,
        notes="SurveyMonkey writes two header rows: the question, then 'Response' / 'Open-Ended Response' under "
              "it; the second row is not data. Data starts on row 3. The recommend question is a 0-10 "
              "likelihood (10 = extremely likely). IP, e-mail, name and custom data columns are empty here and "
              "should not be read.")


def _comment_cards(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "comment-cards")
    path = folder / "comment cards typed up.csv"
    header = ["Date", "Unit", "From", "Comment", "How received"]
    texts = ["Thank you for the lovely birthday party for Dad.", "The lounge was very hot on Sunday.",
             "Please can Mum's room be hoovered more often.", "The new chef's roast dinner was superb!",
             "Parking is impossible at visiting time.", "Staff on Foxglove always make time to chat."]
    rows: list[list[object]] = [header]
    for day in _dates(rng, 33):
        rows.append([_uk(day), rng.choice(["Nightingale", "Foxglove"]), rng.choice(["Relative", "Visitor", "Resident"]),
                     rng.choice(texts), rng.choice(["Comment box", "Email", "Verbal - written up"])])
    path.write_text(_csv_text(rows), encoding="utf-8")
    return CorpusFile(
        path=path, shape="Comment cards typed up (free text only, no ratings)", source="feedback", sheet="",
        data_rows=len(rows) - 1, columns={"Date": "feedback_date", "Unit": "team", "From": "respondent_type",
                                          "Comment": "comment", "How received": "channel"},
        comment_columns=["Comment"], needs=["service"], supplied={"service": "Rosewood Care Home"}, encoding="utf-8",
        header_row=1,
        notes="Feedback with comments and no rating at all: every row is still feedback. No service column.")


# ---------------------------------------------------------------------------------------------------------
# Rota


def _weekly_variance(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "weekly-variance")
    path = folder / "Willow Lodge staffing variance (weekly).xlsx"
    header = ["Week commencing", "Unit", "Shift", "Planned hrs", "Actual hrs", "Agency hrs", "Bank hrs",
              "Sickness hrs", "Variance"]
    rows: list[list[object]] = [["Willow Lodge – weekly staffing variance"], [], header]
    monday = date(2024, 10, 7)
    n = 0
    sums = [0.0] * 5
    unknown: list[int] = []
    while monday <= date(2025, 12, 29):
        for unit in ("Maple", "Sycamore"):
            for shift in ("Day", "Night"):
                planned = 7 * (36 if shift == "Day" else 24)
                actual = planned - rng.choice([0, 0, 0, 6, 12, 12, 24])
                agency: object = round(rng.choice([0, 0, 12, 12, 24, 36]) * (1.6 if shift == "Night" else 1), 1)
                if rng.random() < 0.05:
                    agency = "N/K"
                    unknown.append(len(rows) + 1)
                bank = rng.choice([0, 0, 6, 12])
                sick = rng.choice([0, 0, 0, 6, 12, 24])
                rows.append([monday, unit, shift, planned, actual, agency, bank, sick, actual - planned])
                n += 1
                for k, value in enumerate((planned, actual, agency, bank, sick)):
                    sums[k] += value if isinstance(value, (int, float)) else 0
        monday += timedelta(days=7)
    rows.append(["Total", None, None] + sums + [sums[1] - sums[0]])
    notes = [["Notes"], ["Hours are for care staff only (no nurses, domestics or kitchen)."],
             ["N/K = agency hours not known when the report was run; the agency invoice follows."],
             ["Sleep-ins are not included."]]
    book = _workbook([("Variance", rows), ("Notes", notes)])
    sheet = book["Variance"]
    sheet.merge_cells("A1:I1")
    _date_format(sheet, "A", 4)
    book.save(path)
    columns = {"Week commencing": "rota_date", "Unit": "team", "Shift": "shift", "Planned hrs": "planned_hours",
               "Actual hrs": "actual_hours", "Agency hrs": "agency_hours", "Bank hrs": "bank_hours",
               "Sickness hrs": "sickness_hours", "Variance": None}
    return CorpusFile(
        path=path, shape="Weekly rota variance report with N/K cells and a totals row", source="rota", sheet="Variance",
        data_rows=n, columns=columns, needs=["service"], supplied={"service": "Willow Lodge"}, header_row=3,
        trailing_rows=1,
        bad_cells=[BadCell(row, "Agency hrs", "N/K", "not known: no value, not zero and not a failure of the row")
                   for row in unknown],
        notes="Merged title row, blank row, header on row 3, one row per week x unit x shift, a 'Total' row at "
              "the bottom and a 'Notes' sheet. 'N/K' in agency hours means not known: store no value, keep the "
              "row. 'Variance' is derived (actual - planned). The home is only in the title and file name.")


def _shift_names(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "shift-names")
    path = folder / "Rota fill Oct24-Sep25.csv"
    header = ["Date", "Home", "Unit", "Shift", "Role", "Required", "On duty", "Unfilled", "Handover completed?"]
    rows: list[list[object]] = [header]
    units = {"Meadowbank Court": ["Larch", "Cedar"], "The Laurels": ["Ground", "Upstairs"]}
    shifts = {"Morning": 4, "Long day": 2, "Evening": 3, "Twilight": 1, "Sleep-in": 1}
    for day in _dates(rng, 36, START, date(2025, 9, 30)):
        home = rng.choice(list(units))
        unit = rng.choice(units[home])
        for shift, need in shifts.items():
            role = "Senior carer" if shift in ("Sleep-in", "Long day") else "Care assistant"
            on_duty = max(0, need - rng.choice([0, 0, 0, 0, 1]))
            rows.append([_uk(day), home, unit, shift, role, need, on_duty, need - on_duty,
                         rng.choice(["Y", "Y", "Y", "N"]) if shift != "Sleep-in" else ""])
    path.write_text(_csv_text(rows), encoding="utf-8")
    columns = {"Date": "rota_date", "Home": "service", "Unit": "team", "Shift": "shift", "Role": "role",
               "Required": "planned_staff", "On duty": "actual_staff", "Unfilled": "unfilled_shifts",
               "Handover completed?": "handover_completed"}
    return CorpusFile(
        path=path, shape="Rota fill report with Twilight, Long day, Sleep-in, Morning and Evening shifts",
        source="rota", sheet="", data_rows=len(rows) - 1, columns=columns, encoding="utf-8", header_row=1,
        notes="Shift names are not Early / Late / Night: Morning reads as Early and Evening as Late; Long day, "
              "Twilight and Sleep-in are kept as written and listed in the load summary. 'On duty' is the actual "
              "staff count (not a listed synonym). Sleep-in rows leave 'Handover completed?' blank: no answer, "
              "not No.")


def _blank_service(folder: Path, seed: int) -> CorpusFile:
    rng = _rng(seed, "blank-service")
    path = folder / "Daily staffing - Oakwood and Elm Court.xlsx"
    header = ["Date", "Service", "Unit", "Shift", "Role", "Planned staff", "Actual staff", "Agency hours",
              "Sickness hours"]
    rows: list[list[object]] = [header]
    units = {"Oakwood House": ["Bluebell", "Primrose"], "Elm Court": ["Ground floor", "First floor"]}
    for day in _dates(rng, 40, date(2025, 3, 1), date(2026, 2, 27)):
        for home, names in units.items():
            unit = rng.choice(names)
            for shift in ("Early", "Late", "Night"):
                planned = 5 if shift != "Night" else 3
                actual = planned - rng.choice([0, 0, 0, 1])
                rows.append([day, home, unit, shift, "Care assistant", planned, actual,
                             rng.choice([0, 0, 7.5, 12]) if actual == planned else 0, rng.choice([0, 0, 0, 7.5])])
    blank = 2 + 3 * 6 + 4  # a row well inside the data
    rows[blank - 1][1] = None
    book = _workbook([("Daily", rows)])
    _date_format(book["Daily"], "A", 2)
    book.save(path)
    columns = {"Date": "rota_date", "Service": "service", "Unit": "team", "Shift": "shift", "Role": "role",
               "Planned staff": "planned_staff", "Actual staff": "actual_staff", "Agency hours": "agency_hours",
               "Sickness hours": "sickness_hours"}
    return CorpusFile(
        path=path, shape="Daily staffing for two services with one blank service cell", source="rota", sheet="Daily",
        data_rows=len(rows) - 1, columns=columns, header_row=1,
        bad_cells=[BadCell(blank, "Service", "", "service blank in a file naming two services: ask or refuse the "
                                                 "row, do not guess it or fill it from the row above")],
        notes="Every row names Oakwood House or Elm Court except one. That row must not be given a service by "
              "guessing (its unit names only one of the two homes, which a loader may offer as a suggestion).")


BUILDERS = (_ms_forms_medication, _ms_forms_quiz, _google_forms_audit, _kobo_hand_hygiene, _month_tracker,
            _mealtime_long, _care_plan_multiline_csv, _utf16_dignity, _xls_near_duplicate,
            _radar_complaints, _homemade_complaints, _cp1252_complaints,
            _google_family_survey, _trust_fft_comments, _gp_fft, _local_survey, _gpps_style, _nhse_fft_summary,
            _legacy_fft_paper, _surveymonkey_nps, _comment_cards,
            _weekly_variance, _shift_names, _blank_service)


def write_corpus(folder: Path, seed: int = 0) -> list[CorpusFile]:
    """Write every corpus file into `folder` and return the reading each should get."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [build(folder, seed) for build in BUILDERS]


def _normal(text: str | None) -> str:
    from analytics.sources import normalise_header

    return normalise_header(text)


def reading_agreement(expected: CorpusFile, actual_mapping: dict[str, str | None]) -> float:
    """The share of the file's columns that a loader read as expected.

    `actual_mapping` maps headers (as written, or normalised as analytics.sources.normalise_header does) to
    what the loader read them as: a canonical field, "question" for a wide question column, "period" for a
    month column, "comment" for kept free text; a column it left unread is absent, None or "". For feedback,
    a free-text column read as the "comment" field counts as COMMENT. A file expected to be refused scores 1.0
    when nothing is mapped and 0.0 otherwise.
    """
    if expected.source is None:
        return 1.0 if not any(actual_mapping.values()) else 0.0
    by_normal = {_normal(header): value for header, value in actual_mapping.items()}
    agreed = 0
    for header, want in expected.columns.items():
        got = actual_mapping[header] if header in actual_mapping else by_normal.get(_normal(header))
        agreed += (got or None) == want
    return agreed / len(expected.columns) if expected.columns else 1.0
