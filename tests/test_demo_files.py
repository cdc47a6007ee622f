"""The demo spreadsheets: written, reproducible, messy in the intended ways, and holding the planted patterns."""

from __future__ import annotations

import fnmatch
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics.demo_files import (
    OAKWOOD_UNITS,
    PLANTED_PATTERNS,
    RECOMMEND_QUESTION,
    RIVERSIDE_TEAMS,
    SIGNED_ITEM,
    SPOT_CHECK_ITEMS,
    SURVEY_QUESTIONS,
    demo_months,
    write_demo_files,
)
from analytics.sources import SOURCES, normalise_header

END = date(2026, 10, 31)
MONTH_STARTS = demo_months(END)
EXPECTED_FILES = {
    "oakwood_audits_2025-05_to_2026-10.xlsx", "oakwood_spot_checks_forms.csv", "riverside_audits.csv",
    "complaints_log_2026-06.xlsx", "complaints_log_2026-10.xlsx", "oakwood_rota_variance.csv",
    "riverside_rota.xlsx", "feedback_fft.csv", "riverside_survey_google_forms.csv",
}
PASSES = {"Yes": 1.0, "Met": 1.0, "\u2713": 1.0, "Y": 1.0, "1": 1.0, 1: 1.0,
          "No": 0.0, "Not met": 0.0, "Partially met": 0.0, "\u2717": 0.0, "N": 0.0, "0": 0.0, 0: 0.0}
# Per audit sheet: header -> canonical name used by these tests.
SHEET_COLUMNS = {
    "Care plans": {"Date of audit": "date", "Unit": "team", "Question": "item", "Answer": "answer",
                   "Audit ref": "ref", "Audit type": "audit_type", "Scheduled or spot check": "kind"},
    "Medication MAR": {"Audit date": "date", "Wing": "team", "Shift pattern": "shift", "Criteria": "item",
                       "Result": "answer", "Audit reference": "ref", "Audit": "audit_type", "Visit type": "kind"},
    "Infection control": {"Completed on": "date", "Unit name": "team", "Time of day": "shift", "Check": "item",
                          "Compliant": "answer", "Ref": "ref", "Audit tool": "audit_type", "Audit basis": "kind"},
}


def month_no(dates: pd.Series) -> pd.Series:
    """1 for the first of the 18 months, 18 for the last."""
    start = MONTH_STARTS[0]
    return (dates.dt.year - start.year) * 12 + dates.dt.month - start.month + 1


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default demo set (seed 7), written once for the module."""
    return {p.name: p for p in write_demo_files(tmp_path_factory.mktemp("demo"))}


@pytest.fixture(scope="module")
def audits(demo: dict[str, Path]) -> pd.DataFrame:
    """Oakwood scheduled audits and spot checks, one row per answered item: date, month, team, type, kind, passed."""
    frames = []
    sheets = pd.read_excel(demo["oakwood_audits_2025-05_to_2026-10.xlsx"], sheet_name=None, header=3, dtype=object,
                           engine="openpyxl")
    for name, sheet in sheets.items():
        frame = sheet[list(SHEET_COLUMNS[name])].rename(columns=SHEET_COLUMNS[name]).dropna(subset=["item"])
        frame["date"] = pd.to_datetime(frame["date"], format="%d/%m/%Y" if name == "Medication MAR" else None)
        frames.append(frame)
    spot = pd.read_csv(demo["oakwood_spot_checks_forms.csv"], encoding="utf-8-sig")
    questions = [i.text for items in SPOT_CHECK_ITEMS.values() for i in items]
    long = spot.melt(id_vars=["ID", "Completion time", "Unit", "Shift", "Audit type", "Scheduled or spot check"],
                     value_vars=questions, var_name="item", value_name="answer").dropna(subset=["answer"])
    frames.append(long.rename(columns={"ID": "ref", "Completion time": "date", "Unit": "team", "Shift": "shift",
                                       "Audit type": "audit_type", "Scheduled or spot check": "kind"})
                  .assign(date=lambda f: pd.to_datetime(f["date"], format="%Y-%m-%d %H:%M:%S")))
    result = pd.concat(frames, ignore_index=True)
    result["passed"] = result["answer"].map(PASSES)
    result["month"] = month_no(result["date"])
    return result.dropna(subset=["passed"])


@pytest.fixture(scope="module")
def rota(demo: dict[str, Path]) -> pd.DataFrame:
    frame = pd.read_csv(demo["oakwood_rota_variance.csv"])
    frame["month"] = month_no(pd.to_datetime(frame["Date"], format="%d/%m/%Y"))
    frame["shift"] = frame["Shift"].replace({"Nights": "Night", "N": "Night", "Waking night": "Night"})
    return frame


def read_complaints(path: Path) -> pd.DataFrame:
    frame = pd.read_excel(path, header=2, engine="openpyxl")
    frame["month"] = month_no(frame["Date received"])
    return frame


@pytest.fixture(scope="module")
def complaints(demo: dict[str, Path]) -> pd.DataFrame:
    return read_complaints(demo["complaints_log_2026-10.xlsx"])


def compliance(frame: pd.DataFrame) -> float:
    return float(frame["passed"].mean())


def workbook_values(path: Path) -> dict[str, object]:
    """Every sheet's cell values and merged ranges (xlsx files carry a creation timestamp, so bytes differ)."""
    workbook = load_workbook(path)
    return {ws.title: (list(ws.iter_rows(values_only=True)), sorted(str(r) for r in ws.merged_cells.ranges))
            for ws in workbook}


def content(path: Path) -> object:
    return workbook_values(path) if path.suffix == ".xlsx" else path.read_bytes()


# ------------------------------------------------------------------------------------------- files


def test_writes_every_file_into_the_directory(demo: dict[str, Path]) -> None:
    assert set(demo) == EXPECTED_FILES
    for path in demo.values():
        assert path.parent.name.startswith("demo") and path.stat().st_size > 1000


def test_same_seed_same_content_and_another_seed_differs(tmp_path: Path) -> None:
    first = write_demo_files(tmp_path / "a", seed=3)
    again = write_demo_files(tmp_path / "b", seed=3)
    other = write_demo_files(tmp_path / "c", seed=4)
    assert [p.name for p in first] == [p.name for p in again] == [p.name for p in other]
    for a, b, c in zip(first, again, other):
        expected = content(a)
        assert content(b) == expected, a.name
        assert content(c) != expected, a.name


def test_end_date_sets_the_period_and_file_names(tmp_path: Path) -> None:
    names = {p.name for p in write_demo_files(tmp_path, end=date(2025, 12, 15))}
    assert {"oakwood_audits_2024-07_to_2025-12.xlsx", "complaints_log_2025-08.xlsx",
            "complaints_log_2025-12.xlsx"} <= names
    rota = pd.read_csv(tmp_path / "oakwood_rota_variance.csv")
    days = pd.to_datetime(rota["Date"], format="%d/%m/%Y")
    assert days.min() == pd.Timestamp("2024-07-01") and days.max() == pd.Timestamp("2025-12-15")


def test_riverside_audits_are_windows_1252(demo: dict[str, Path]) -> None:
    raw = demo["riverside_audits.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "\u2019" in text and "\u2013" in text and "\u00a3" in text
    assert b"\r\n" in raw


def test_spot_checks_carry_a_byte_order_mark(demo: dict[str, Path]) -> None:
    raw = demo["oakwood_spot_checks_forms.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").startswith("ID,Start time,Completion time,Email,Name")


def test_volumes_are_realistic_but_small(demo: dict[str, Path], complaints: pd.DataFrame,
                                         rota: pd.DataFrame) -> None:
    feedback = (len(pd.read_csv(demo["feedback_fft.csv"]))
                + len(pd.read_csv(demo["riverside_survey_google_forms.csv"])))
    assert 100 <= len(complaints) <= 250
    assert 1500 <= feedback <= 3000
    assert len(rota) == ((END - MONTH_STARTS[0]).days + 1) * 4 * 3


# ------------------------------------------------------------------------------------------ layouts


def header_rows(demo: dict[str, Path]) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(file, sheet) -> (source name, headers) for every table in the demo set."""
    tables = {}
    for name, path in demo.items():
        source = ("audits" if "audits" in name or "spot_checks" in name else "complaints" if "complaints" in name
                  else "rota" if "rota" in name else "feedback")
        if path.suffix == ".csv":
            encoding = {"riverside_audits.csv": "cp1252", "oakwood_spot_checks_forms.csv": "utf-8-sig"}.get(name)
            tables[(name, "")] = (source, list(pd.read_csv(path, nrows=0, encoding=encoding).columns))
            continue
        for ws in load_workbook(path, read_only=True):
            row = {"complaints": 3, "audits": 4}.get(source, 1)
            headers = next(ws.iter_rows(min_row=row, max_row=row, values_only=True))
            tables[(name, ws.title)] = (source, [h for h in headers if h is not None])
    return tables


def test_every_header_is_a_synonym_our_ingest_recognises(demo: dict[str, Path]) -> None:
    # Wide layouts: the question columns are the questions; Forms' "Start time" is noise.
    questions = {i.text for items in SPOT_CHECK_ITEMS.values() for i in items} | set(SURVEY_QUESTIONS)
    questions |= {RECOMMEND_QUESTION, "How would you score us out of 10?", "Start time"}
    for (name, sheet), (source, headers) in header_rows(demo).items():
        synonyms = {normalise_header(s) for f in SOURCES[source].fields for s in f.synonyms}
        unknown = [h for h in headers if normalise_header(h) not in synonyms and h not in questions]
        assert not unknown, (name, sheet, unknown)


def test_headers_vary_between_files(demo: dict[str, Path]) -> None:
    tables = header_rows(demo).values()
    team = {normalise_header(s) for s in SOURCES["audits"].field("team").synonyms}
    audit_date = {normalise_header(s) for s in SOURCES["audits"].field("audit_date").synonyms}
    service = {normalise_header(s) for s in SOURCES["audits"].field("service").synonyms}
    used = lambda names: {h for _, headers in tables for h in headers if normalise_header(h) in names}  # noqa: E731
    assert len(used(team)) >= 4
    assert len(used(service)) >= 4
    assert {"Date of audit", "Audit date", "Completed on", "Completion time", "Date completed"} <= used(audit_date)


def test_audit_workbook_is_messy_in_the_intended_ways(demo: dict[str, Path]) -> None:
    workbook = load_workbook(demo["oakwood_audits_2025-05_to_2026-10.xlsx"])
    assert workbook.sheetnames == list(SHEET_COLUMNS)
    answers = {}
    for ws in workbook:
        rows = list(ws.iter_rows(values_only=True))
        assert [str(r) for r in ws.merged_cells.ranges][0].startswith("B1:")
        assert rows[1][1].startswith("Notes:") and not any(rows[2])
        assert all(row[0] is None for row in rows)  # blank spacer column A
        assert not any(rows[-2]) and rows[-1][1] == "Overall compliance"
        header = list(rows[3])
        answer_col = next(i for i, h in enumerate(header) if h in ("Answer", "Result", "Compliant"))
        date_col = next(i for i, h in enumerate(header) if h in ("Date of audit", "Audit date", "Completed on"))
        answers[ws.title] = {r[answer_col] for r in rows[4:-2]}
        assert 0.5 < rows[-1][answer_col] < 1
        date_types = {type(r[date_col]).__name__ for r in rows[4:-2]}
        assert date_types == ({"str"} if ws.title == "Medication MAR" else {"datetime"})
    assert answers == {"Care plans": {"Yes", "No", "N/A"},
                       "Medication MAR": {"Met", "Partially met", "Not met", "N/A"},
                       "Infection control": {"\u2713", "\u2717", "N/A"}}
    ipc_header = list(workbook["Infection control"].iter_rows(min_row=4, max_row=4, values_only=True))[0]
    assert None in ipc_header[2:-1]  # a blank spacer column inside the table too
    mar = workbook["Medication MAR"]
    assert pd.to_datetime(mar.cell(5, 3).value, format="%d/%m/%Y").year >= 2025


def test_riverside_answers_differ_by_audit_type(demo: dict[str, Path]) -> None:
    frame = pd.read_csv(demo["riverside_audits.csv"], encoding="cp1252", dtype=str, keep_default_na=False)
    answers = frame.groupby("Type of audit")["Outcome"].agg(set).to_dict()
    assert answers["MAR chart audit"] <= {"1", "0", ""} and {"1", "0"} <= answers["MAR chart audit"]
    assert answers["Care plan review"] == {"Y", "N", "N/A"}
    assert pd.to_datetime(frame["Date completed"], format="%Y-%m-%d").notna().all()


def test_rota_uses_uk_dates_and_variant_night_labels(rota: pd.DataFrame, demo: dict[str, Path]) -> None:
    assert {"Early", "Late", "Night", "Nights", "N", "Waking night"} == set(rota["Shift"])
    assert set(rota["Handover completed"]) == {"Y", "N"}
    weekly = pd.read_excel(demo["riverside_rota.xlsx"], engine="openpyxl")
    assert set(weekly["Shift"]) == {"Morning", "Evening"}
    assert set(weekly["Week commencing"].dt.day_of_week) == {0}


def test_feedback_uses_both_fft_scales_and_varied_comments(demo: dict[str, Path]) -> None:
    fft = pd.read_csv(demo["feedback_fft.csv"])
    survey = pd.read_csv(demo["riverside_survey_google_forms.csv"])
    assert set(fft["Overall, how was your experience of our service?"]) == {
        "Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"}
    assert set(fft["Respondent type"]) == {"Person using the service", "Family or friend", "Staff", "Professional"}
    assert set(survey[RECOMMEND_QUESTION]) == {"Extremely likely", "Likely", "Neither likely nor unlikely",
                                               "Unlikely", "Extremely unlikely", "Don't know"}
    assert set(survey["Visits are on time"].dropna()) == {1, 2, 3, 4, 5}
    assert survey["How would you score us out of 10?"].between(0, 10).all()
    comments = pd.concat([fft["Please tell us why"], survey["Any other comments"]]).dropna()
    assert comments.nunique() > 0.6 * len(comments) > 600
    assert pd.to_datetime(survey["Timestamp"], format="%d/%m/%Y %H:%M:%S").notna().all()


def test_older_complaints_export_is_a_subset_with_updates(demo: dict[str, Path], complaints: pd.DataFrame) -> None:
    older = read_complaints(demo["complaints_log_2026-06.xlsx"]).set_index("Ref")
    newer = complaints.set_index("Ref")
    assert older.index.is_unique and newer.index.is_unique
    assert set(older.index) < set(newer.index)
    assert older["Date received"].max() <= pd.Timestamp("2026-06-30") < newer["Date received"].max()
    both = newer.loc[older.index]
    changed = older["Status"] != both["Status"]
    assert changed.sum() >= 3
    assert (both.loc[changed, "Status"] == "Closed").any()
    assert older.loc[changed, "Closed"].isna().all() and both.loc[changed, "Outcome"].notna().all()
    assert (older["Summary"] == both["Summary"]).all()


# ------------------------------------------------------------------------------------------ patterns


def test_patterns_name_real_teams_sources_and_files(demo: dict[str, Path]) -> None:
    teams = set(OAKWOOD_UNITS) | set(RIVERSIDE_TEAMS)
    assert [p.id for p in PLANTED_PATTERNS] == ["A", "B", "C", "D", "E", "F1", "F2", "G"]
    for pattern in PLANTED_PATTERNS:
        assert pattern.team is None or pattern.team in teams
        assert set(pattern.sources) <= set(SOURCES)
        assert 1 <= pattern.from_month <= 18
        for glob in pattern.files:
            assert fnmatch.filter(demo, glob), glob


def test_a_care_plan_audit_is_green_but_the_signed_item_keeps_failing(audits: pd.DataFrame) -> None:
    care = audits[audits["audit_type"] == "Care plan"]
    monthly = care.groupby("month")["passed"].mean()
    assert 0.92 <= compliance(care) <= 0.97
    assert monthly.min() >= 0.88
    signed = care[care["item"] == SIGNED_ITEM]
    fails = signed.groupby(["team", "month"])["passed"].max().eq(0).groupby("team").mean()
    assert set(fails.index) == set(OAKWOOD_UNITS)
    assert (fails >= 2 / 3).all() and fails.mean() >= 0.7
    others = care[care["item"] != SIGNED_ITEM].groupby("item")["passed"].mean()
    assert others.min() >= 0.93


def test_b_willow_nights_run_on_agency_with_missed_handovers(rota: pd.DataFrame) -> None:
    recent = rota[rota["month"] >= 10]
    sums = recent.groupby(["Unit", "shift"])[["Agency hours", "Actual hours"]].sum()
    share = sums["Agency hours"] / sums["Actual hours"]
    handover = recent.groupby(["Unit", "shift"])["Handover completed"].apply(lambda s: (s == "Y").mean())
    assert share[("Willow Unit", "Night")] >= 0.25
    assert share.drop(("Willow Unit", "Night")).max() < 0.12
    assert handover[("Willow Unit", "Night")] <= 0.7
    assert handover.drop(("Willow Unit", "Night")).min() >= 0.92
    fill = rota["Actual hours"].sum() / rota["Planned hours"].sum()
    assert 0.95 <= fill <= 0.99
    early = rota[(rota["month"] <= 6) & (rota["Unit"] == "Willow Unit") & (rota["shift"] == "Night")]
    assert early["Agency hours"].sum() / early["Actual hours"].sum() < 0.12


def test_c_beech_audits_stay_green_while_family_communication_worsens(
        audits: pd.DataFrame, complaints: pd.DataFrame, demo: dict[str, Path]) -> None:
    beech = audits[(audits["team"] == "Beech Unit") & (audits["kind"] == "Scheduled") & (audits["month"] >= 13)]
    assert compliance(beech) >= 0.94
    family_comms = complaints[(complaints["Unit"] == "Beech Unit") & (complaints["Category"] == "Communication")
                              & (complaints["Complainant"] == "Family member")]
    recent, before = (family_comms["month"] >= 13).sum(), (family_comms["month"] < 13).sum()
    assert recent >= 6 and recent / 6 > 3 * before / 12
    summaries = " ".join(family_comms.loc[family_comms["month"] >= 13, "Summary"]).lower()
    assert "informed" in summaries or "not returned" in summaries or "not told" in summaries
    fft = pd.read_csv(demo["feedback_fft.csv"])
    fft["month"] = month_no(pd.to_datetime(fft["Date submitted"]))
    good = fft["Overall, how was your experience of our service?"].isin(["Very good", "Good"])
    family = fft["Respondent type"] == "Family or friend"
    beech_family = fft["Unit"] == "Beech Unit"
    last = fft["month"] >= 16
    assert good[beech_family & family & last].mean() < good[beech_family & family & (fft["month"] < 13)].mean() - 0.25
    assert good[~beech_family & family & last].mean() >= 0.75


def test_d_medication_improvement_is_embedded_everywhere(audits: pd.DataFrame) -> None:
    mar = audits[audits["audit_type"] == "Medication (MAR)"]
    for kind in ("Scheduled", "Spot check"):
        assert 0.72 <= compliance(mar[(mar["kind"] == kind) & (mar["month"] < 8)]) <= 0.88
        assert compliance(mar[(mar["kind"] == kind) & (mar["month"] >= 8)]) >= 0.94
    after = mar[mar["month"] >= 8]
    assert after.groupby("team")["passed"].mean().min() >= 0.92
    assert after.groupby("shift")["passed"].mean().min() >= 0.92


def test_e_infection_control_improves_only_in_scheduled_audits(audits: pd.DataFrame) -> None:
    ipc = audits[audits["audit_type"] == "Infection control"]
    scheduled, spot = ipc[ipc["kind"] == "Scheduled"], ipc[ipc["kind"] == "Spot check"]
    assert compliance(scheduled[scheduled["month"] < 10]) < 0.82
    assert compliance(scheduled[scheduled["month"] >= 13]) > 0.93
    assert compliance(spot[spot["month"] >= 13]) < 0.80
    assert compliance(spot[spot["month"] < 10]) < 0.80


def test_f_cedar_and_north_raise_no_concern(audits: pd.DataFrame, rota: pd.DataFrame, complaints: pd.DataFrame,
                                            demo: dict[str, Path]) -> None:
    cedar_rota = rota[rota["Unit"] == "Cedar Unit"]
    assert cedar_rota["Agency hours"].sum() / cedar_rota["Actual hours"].sum() < 0.08
    assert (cedar_rota["Handover completed"] == "Y").mean() >= 0.93
    per_unit = complaints[complaints["Home"] == "Oakwood House"].groupby("Unit").size()
    assert per_unit["Cedar Unit"] <= per_unit.drop("Cedar Unit").median() * 1.3
    unit_scores = audits[audits["kind"] == "Scheduled"].groupby("team")["passed"].mean()
    assert unit_scores["Cedar Unit"] >= unit_scores.mean() - 0.02
    fft = pd.read_csv(demo["feedback_fft.csv"])
    cedar = fft[fft["Unit"] == "Cedar Unit"]["Overall, how was your experience of our service?"]
    assert cedar.isin(["Very good", "Good"]).mean() >= 0.75

    river = pd.read_csv(demo["riverside_audits.csv"], encoding="cp1252", dtype=str, keep_default_na=False)
    river["passed"] = river["Outcome"].map(PASSES)
    assert river[river["Team"] == "North Team"]["passed"].mean() >= 0.93
    north = complaints[complaints["Unit"] == "North Team"]
    assert (north["Category"] == "Call times").sum() <= 5 and len(north) <= 28
    survey = pd.read_csv(demo["riverside_survey_google_forms.csv"])
    assert survey.loc[survey["Team"] == "North Team", list(SURVEY_QUESTIONS)].mean().min() >= 4.0


def test_g_town_team_late_calls_emerge(complaints: pd.DataFrame, demo: dict[str, Path]) -> None:
    calls = complaints[(complaints["Unit"] == "Town Team") & (complaints["Category"] == "Call times")]
    recent, before = (calls["month"] >= 15).sum(), (calls["month"] < 15).sum()
    assert recent >= 8 and recent / 4 > 4 * before / 14
    survey = pd.read_csv(demo["riverside_survey_google_forms.csv"])
    survey["month"] = month_no(pd.to_datetime(survey["Timestamp"], format="%d/%m/%Y %H:%M:%S"))
    town = survey[survey["Team"] == "Town Team"]
    before = town.loc[town["month"] < 15, "Visits are on time"].mean()
    last_two = town.loc[town["month"] >= 17, "Visits are on time"].mean()
    assert last_two < 3.3 and before >= 4.0
    others = survey[(survey["Team"] != "Town Team") & (survey["month"] >= 15)]
    assert others["Visits are on time"].mean() >= 3.8
    comments = town.loc[town["month"] >= 15, "Any other comments"].dropna()
    late_words = comments.str.contains("late|missed|turn up|cut short", case=False)
    assert late_words.sum() >= 8


def test_seed_does_not_change_the_planted_figures(tmp_path: Path) -> None:
    write_demo_files(tmp_path, seed=11)
    rota = pd.read_csv(tmp_path / "oakwood_rota_variance.csv")
    rota["month"] = month_no(pd.to_datetime(rota["Date"], format="%d/%m/%Y"))
    nights = rota[(rota["month"] >= 10) & rota["Shift"].isin(["Night", "Nights", "N", "Waking night"])]
    share = nights.groupby("Unit")["Agency hours"].sum() / nights.groupby("Unit")["Actual hours"].sum()
    assert share["Willow Unit"] >= 0.25 and share.drop("Willow Unit").max() < 0.12
    assert np.isclose(rota["Actual hours"].sum() / rota["Planned hours"].sum(), 0.97, atol=0.015)
