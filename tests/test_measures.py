"""One definition of each monthly measure (analytics.measures): tiny hand-made tables, one rule each."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from canonical_rows import insert

from analytics import measures
from analytics.findings import Finding, limited
from analytics.scope import Scope
from analytics.settings import default_settings
from analytics.store import connect

SETTINGS = default_settings()
MAY, JUNE, JULY = date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)
END = date(2026, 7, 31)


@pytest.fixture
def con(tmp_path):
    con = connect(tmp_path / "m.duckdb")
    yield con
    con.close()


def audit(day, answer_class, score, team="Rowan", spot=False, item="MAR signed"):
    return {"audit_date": day, "service": "Oak", "team": team, "shift": "Early", "audit_type": "Medication",
            "section": "Records", "item": item, "answer": answer_class, "answer_class": answer_class,
            "answer_score": score, "spot_check": spot, "audit_ref": f"A-{day}-{team}-{spot}"}


def rota(day, planned, actual, agency=None, handover=None, team="Rowan", shift="Night", **extra):
    return {"rota_date": day, "service": "Oak", "team": team, "shift": shift, "role": "Carer",
            "planned_hours": planned, "actual_hours": actual, "agency_hours": agency, "handover_completed": handover,
            **extra}


def one(frame: pd.DataFrame, **where) -> pd.Series:
    for column, value in where.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1, frame
    return frame.iloc[0]


# --- audits ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answers, expected, n", [
    ([("met", 1.0), ("not_met", 0.0)], 0.5, 2),
    ([("met", 1.0), ("partial", None)], 0.75, 2),       # partly met at the partial-credit setting
    ([("met", 1.0), ("na", None)], 1.0, 1),             # N/A on neither side
    ([("not_met", 0.0), ("not_met", 0.0), ("met", 1.0)], 1 / 3, 3),
])
def test_audit_compliance_counts_applicable_answers(con, answers, expected, n):
    insert(con, "audits", [audit(date(2026, 6, 3), c, s, item=f"item {i}") for i, (c, s) in enumerate(answers)])
    row = one(measures.monthly(con, Scope(), "audit_compliance", ("service",), MAY, END, SETTINGS))
    assert row["value"] == pytest.approx(expected) and row["n"] == n and row["month"] == JUNE


def test_only_keeps_spot_checks_apart(con):
    insert(con, "audits", [audit(date(2026, 6, 3), "met", 1.0), audit(date(2026, 6, 9), "not_met", 0.0, spot=True)])
    scheduled = measures.monthly(con, Scope(), "audit_compliance", ("service",), MAY, END, SETTINGS,
                                 only={"spot_check": False})
    spot = measures.monthly(con, Scope(), "audit_compliance", ("service",), MAY, END, SETTINGS,
                            only={"spot_check": True})
    assert one(scheduled)["value"] == 1.0 and one(spot)["value"] == 0.0


# --- rota -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rows, measure_id, expected, n", [
    ([rota(date(2026, 6, 1), 10, 8), rota(date(2026, 6, 2), 10, 10)], "fill_rate", 0.9, 2),
    ([rota(date(2026, 6, 1), 10, None), rota(date(2026, 6, 2), 10, 10)], "fill_rate", 1.0, 1),  # half a ratio
    ([rota(date(2026, 6, 1), 10, 10, 5), rota(date(2026, 6, 2), 10, 10, None)], "agency_share", 0.5, 1),
    ([rota(date(2026, 6, 1), 10, 0, 0), rota(date(2026, 6, 2), 10, 10, 2)], "agency_share", 0.2, 1),
    ([rota(date(2026, 6, 1), 10, 10, handover=True), rota(date(2026, 6, 2), 10, 10, handover=False),
      rota(date(2026, 6, 3), 10, 10)], "handover_completion", 0.5, 2),
])
def test_rota_measures_count_rows_with_both_figures(con, rows, measure_id, expected, n):
    insert(con, "rota", rows)
    row = one(measures.monthly(con, Scope(), measure_id, ("service",), MAY, END, SETTINGS))
    assert row["value"] == pytest.approx(expected) and row["n"] == n


def test_fill_rate_is_in_staff_numbers_where_the_rota_has_no_hours(con):
    insert(con, "rota", [rota(date(2026, 6, 1), None, None, planned_staff=4, actual_staff=3),
                         rota(date(2026, 6, 2), None, None, planned_staff=4, actual_staff=4)])
    assert one(measures.monthly(con, Scope(), "fill_rate", ("service",), MAY, END, SETTINGS))["value"] == 7 / 8


def test_not_known_teams_group_as_missing(con):
    insert(con, "rota", [rota(date(2026, 6, 1), 10, 10, team="Not known"), rota(date(2026, 6, 1), 10, 5, team="Ash")])
    frame = measures.monthly(con, Scope(), "fill_rate", ("service", "team"), MAY, END, SETTINGS)
    assert set(frame["team"].dropna()) == {"Ash"} and frame["team"].isna().sum() == 1


# --- complaints -------------------------------------------------------------------------------------------

def complaint(day, team="Rowan", category="Staffing", ref=None):
    return {"reference": ref or f"C-{day}-{team}", "received_date": day, "service": "Oak", "team": team,
            "category": category}


def test_complaints_count_zero_in_months_the_log_covers(con):
    insert(con, "complaints", [complaint(date(2026, 5, 2)), complaint(date(2026, 7, 9)),
                               complaint(date(2026, 7, 10), ref="C-2")])
    frame = measures.monthly(con, Scope(), "complaints", ("service",), MAY, END, SETTINGS)
    assert list(frame["value"]) == [1.0, 0.0, 2.0] and list(frame["month"]) == [MAY, JUNE, JULY]
    window = measures.over_window(frame, ["service"], "complaints")
    assert one(window)["n"] == 3 and one(window)["value"] == pytest.approx(1.0)  # 3 complaints over 3 months


@pytest.mark.parametrize("rows", [
    [(MAY, 3.0, 4.0, 4.0), (JUNE, 1.0, 2.0, 2.0)],      # a share over two months
    [(MAY, 2.0, None, 2.0), (JUNE, 0.0, None, 0.0)],    # a count: no denominator
    [(MAY, None, None, None)],                          # nothing summed: missing, not zero
])
def test_one_group_over_a_window_is_the_grouped_figure_without_a_group(rows):
    frame = pd.DataFrame(rows, columns=["month", "numerator", "denominator", "n"]).assign(service="Oak")
    frame = frame.astype({"numerator": float, "denominator": float, "n": float})
    grouped = measures.over_window(frame, ["service"]).drop(columns="service")
    alone = measures.over_window(frame, [])
    pd.testing.assert_frame_equal(alone, grouped, check_dtype=False)


def test_a_part_month_is_not_counted(con):
    insert(con, "complaints", [complaint(date(2026, 6, 2)), complaint(date(2026, 7, 9))])
    frame = measures.monthly(con, Scope(), "complaints", ("service",), MAY, date(2026, 7, 20), SETTINGS)
    assert list(frame["month"]) == [JUNE]


def test_complaint_rate_is_per_thousand_planned_hours(con):
    insert(con, "rota", [rota(date(2026, 6, 1), 500, 500), rota(date(2026, 6, 2), 1500, 1500)])
    insert(con, "complaints", [complaint(date(2026, 6, 9)), complaint(date(2026, 6, 10), ref="C-2")])
    row = one(measures.monthly(con, Scope(), "complaint_rate", ("service",), MAY, END, SETTINGS))
    assert row["value"] == pytest.approx(1.0) and row["n"] == 2
    with pytest.raises(ValueError, match="choose from"):
        measures.monthly(con, Scope(), "complaint_rate", ("question",), MAY, END, SETTINGS)


# --- feedback ----------------------------------------------------------------------------------------------

def answer(response, question, score, day=date(2026, 6, 5)):
    return {"feedback_date": day, "service": "Oak", "team": "Rowan", "response_id": response, "question": question,
            "rating": str(score), "rating_score": score}


def test_feedback_counts_responses_not_answers(con):
    # Two responses of four questions are two responses: a minimum of five is not met.
    insert(con, "feedback", [answer(r, f"Q{q}", 1.0 if r == "R1" else 0.5) for r in ("R1", "R2") for q in range(4)])
    row = one(measures.monthly(con, Scope(), "feedback_score", ("service",), MAY, END, SETTINGS))
    assert row["n"] == 2 and row["value"] == pytest.approx(0.75)
    assert not measures.enough("feedback_score", row["n"], SETTINGS)


def test_a_long_response_weighs_no_more_than_a_short_one(con):
    insert(con, "feedback", [answer("R1", "Q1", 1.0), answer("R1", "Q2", 1.0), answer("R1", "Q3", 1.0),
                             answer("R2", "Q1", 0.0)])
    assert one(measures.monthly(con, Scope(), "feedback_score", ("service",), MAY, END, SETTINGS))["value"] == 0.5


def test_per_question_is_the_question_mean(con):
    insert(con, "feedback", [answer("R1", "Q1", 1.0), answer("R1", "Q2", 0.0), answer("R2", "Q1", 0.5)])
    frame = measures.monthly(con, Scope(), "feedback_score", ("service", "question"), MAY, END, SETTINGS)
    assert one(frame, question="Q1")["value"] == 0.75 and one(frame, question="Q2")["value"] == 0.0


# --- rules shared by all ----------------------------------------------------------------------------------

def test_scope_of_no_services_is_nothing(con):
    insert(con, "rota", [rota(date(2026, 6, 1), 10, 10)])
    assert measures.monthly(con, Scope(services=()), "fill_rate", ("service",), MAY, END, SETTINGS).empty


def test_unknown_measure_or_grouping_names_the_choices(con):
    with pytest.raises(ValueError, match="unknown measure 'fill'.*fill_rate"):
        measures.monthly(con, Scope(), "fill", ("service",), MAY, END, SETTINGS)
    with pytest.raises(ValueError, match="cannot group or filter rota by item; choose from service"):
        measures.monthly(con, Scope(), "fill_rate", ("item",), MAY, END, SETTINGS)


@pytest.mark.parametrize("measure_id, value, n, text", [
    ("audit_compliance", 0.834, 412, "83% (412 answers, May 2026 to Jul 2026)"),
    ("feedback_score", 0.8, 1, "80% (1 response, May 2026 to Jul 2026)"),
    ("complaints", 2.5, 15, "2.5 a month (15 complaints, May 2026 to Jul 2026)"),
    ("complaint_rate", 1.234, 3, "1.23 per 1,000 hours (3 complaints, May 2026 to Jul 2026)"),
    ("fill_rate", None, None, "n/a (no shifts, May 2026 to Jul 2026)"),
])
def test_every_figure_says_its_n_and_window(measure_id, value, n, text):
    assert measures.figure(measure_id, value, n, MAY, END) == text


@pytest.mark.parametrize("measure_id, n, enough", [
    ("feedback_score", 9, False), ("feedback_score", 10, True), ("audit_compliance", 19, False),
    ("fill_rate", 20, True), ("complaints", 2, False), ("complaints", None, False),
])
def test_the_minimum_sample(measure_id, n, enough):
    assert measures.enough(measure_id, n, SETTINGS) is enough


def test_limited_evidence_is_never_a_concern():
    finding = Finding("fragility", "Oak", "Rowan", None, "Safe", None, "feedback score", "concern", "high",
                      MAY, END, "Rowan's feedback averaged 40%.")
    shown = limited(finding, "7 responses, fewer than 10")
    assert shown.status == "not_enough_evidence" and shown.confidence == "limited"
    assert shown.summary == "Limited evidence (7 responses, fewer than 10): Rowan's feedback averaged 40%."
