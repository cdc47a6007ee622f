"""Each parser with its table of tiny cases: answers, ratings, dates, numbers, flags, shifts."""

from datetime import date, datetime

import pandas as pd
import pytest

from analytics.date_cells import numeric_date_order, parse_date
from analytics.settings import default_settings
from analytics.values import (
    Unreadable,
    cell_as_text,
    clean_text,
    detect_rating_scale,
    is_blank,
    normalise_shift,
    parse_answer,
    parse_audit_kind,
    parse_column,
    parse_flag,
    parse_number,
    parse_rating,
    shift_lookup,
)


@pytest.mark.parametrize("value, expected", [
    ("Yes", ("met", 1.0)), ("y", ("met", 1.0)), (" YES ", ("met", 1.0)), ("Met", ("met", 1.0)),
    ("✓", ("met", 1.0)), ("✔", ("met", 1.0)), (1, ("met", 1.0)), (1.0, ("met", 1.0)), (True, ("met", 1.0)),
    ("No", ("not_met", 0.0)), ("N", ("not_met", 0.0)), ("Not met", ("not_met", 0.0)), ("✗", ("not_met", 0.0)),
    ("✘", ("not_met", 0.0)), (0, ("not_met", 0.0)), ("0", ("not_met", 0.0)), (False, ("not_met", 0.0)),
    ("Partially met", ("partial", None)), ("Partial", ("partial", None)),
    ("N/A", ("na", None)), ("NA", ("na", None)), ("Not applicable", ("na", None)),
    ("85%", ("score", 0.85)), ("100%", ("met", 1.0)), ("0%", ("not_met", 0.0)), (0.85, ("score", 0.85)),
    (85, ("score", 0.85)), ("72.5", ("score", 0.725)),
])
def test_answers_in_every_form(value, expected):
    assert parse_answer(value) == pytest.approx(expected) if expected[1] is not None else parse_answer(value) == expected


@pytest.mark.parametrize("value, message", [
    ("Maybe", "not an answer we recognise"), ("x", "could mean a tick or a cross"), ("150%", "outside 0-100%"),
    (-3, "outside 0-100%"),
])
def test_unreadable_answers_say_why(value, message):
    with pytest.raises(Unreadable, match=message):
        parse_answer(value)


@pytest.mark.parametrize("values, header, scale", [
    (["Very good", "Good", "Poor"], "Rating", "fft"),
    (["Extremely likely", "Likely", "Unlikely"], "How likely are you to recommend", "fft_legacy"),
    ([1, 2, 3, 6], "FFT categorical answer", "fft_code"),
    ([1, 2, 5], "Rating", "1-5"),
    ([0, 7, 10], "Score", "0-10"),
    ([3, 4, 5], "Score (0-10)", "0-10"),
    (["3", "9"], "Satisfaction", "0-10"),
])
def test_rating_scale_detection(values, header, scale):
    assert detect_rating_scale(values, header) == scale


@pytest.mark.parametrize("value, scale, expected", [
    ("Very good", "fft", (1.0, 1.0)), ("Good", "fft", (2.0, 0.75)), ("Neither good nor poor", "fft", (3.0, 0.5)),
    ("Very poor", "fft", (5.0, 0.0)), ("Don't know", "fft", (None, None)),
    ("Extremely likely", "fft_legacy", (1.0, 1.0)), ("Extremely unlikely", "fft_legacy", (5.0, 0.0)),
    (1, "fft_code", (1.0, 1.0)), (5, "fft_code", (5.0, 0.0)), (6, "fft_code", (6.0, None)),
    (5, "1-5", (5.0, 1.0)), (1, "1-5", (1.0, 0.0)), ("3", "1-5", (3.0, 0.5)),
    (10, "0-10", (10.0, 1.0)), (0, "0-10", (0.0, 0.0)), ("4/5", "0-10", (4.0, 0.75)), ("8 out of 10", "1-5", (8.0, 0.8)),
    ("★★★★", "1-5", (4.0, 0.75)),
])
def test_ratings_on_every_scale(value, scale, expected):
    assert parse_rating(value, scale) == pytest.approx(expected) if expected[1] is not None \
        else parse_rating(value, scale)[1] is None


@pytest.mark.parametrize("value, scale, message", [
    (7, "fft_code", "not a Friends and Family Test code"), (6, "1-5", "outside the 1-5 scale"),
    (11, "0-10", "outside the 0-10 scale"), ("Terrible", "fft", "not a rating we recognise"),
    ("6/5", "1-5", "not a rating out of 5 or 10"),
])
def test_unreadable_ratings_say_why(value, scale, message):
    with pytest.raises(Unreadable, match=message):
        parse_rating(value, scale)


@pytest.mark.parametrize("value, order, expected", [
    ("30/09/2021", "dmy", date(2021, 9, 30)), ("03/04/2026", "dmy", date(2026, 4, 3)),
    ("03/04/2026", "mdy", date(2026, 3, 4)), ("3.4.26", "dmy", date(2026, 4, 3)), ("30-09-2021", "dmy", date(2021, 9, 30)),
    ("2026-03-31", "dmy", date(2026, 3, 31)), ("2026-03-31 14:05:11", "dmy", date(2026, 3, 31)),
    ("2026-03-31T14:05", "dmy", date(2026, 3, 31)), ("1 Mar 2026", "dmy", date(2026, 3, 1)),
    ("01-Mar-26", "dmy", date(2026, 3, 1)), ("Tuesday 3rd March 2026", "dmy", date(2026, 3, 3)),
    ("March 3, 2026", "dmy", date(2026, 3, 3)), ("Mar-26", "dmy", date(2026, 3, 1)),
    ("March 2026", "dmy", date(2026, 3, 1)), ("2026-03", "dmy", date(2026, 3, 1)), ("20260331", "dmy", date(2026, 3, 31)),
    (46000, "dmy", date(2025, 12, 9)), (46000.0, "dmy", date(2025, 12, 9)), ("46000", "dmy", date(2025, 12, 9)),
    (datetime(2026, 3, 1, 9, 30), "dmy", date(2026, 3, 1)), (date(2026, 3, 1), "dmy", date(2026, 3, 1)),
    ("30/09/2021 14:00", "dmy", date(2021, 9, 30)),
])
def test_dates_in_every_form(value, order, expected):
    assert parse_date(value, order) == expected


@pytest.mark.parametrize("value, order, message", [
    ("31/02/2026", "dmy", "not a real date"), ("03/04/2026", "mixed", "could be 3 April or 4 March"),
    ("next Tuesday", "dmy", "not a date we recognise"), (12, "dmy", "is a number, not a date"),
    ("Smarch-26", "dmy", "not a month"),
])
def test_unreadable_dates_say_why(value, order, message):
    with pytest.raises(Unreadable, match=message):
        parse_date(value, order)


@pytest.mark.parametrize("values, order, noted", [
    (["30/09/2021", "01/10/2021"], "dmy", False),
    (["09/30/2021", "10/01/2021"], "mdy", True),
    (["01/02/2026", "03/04/2026"], "dmy", True),
    (["30/09/2021", "09/30/2021", "01/02/2021"], "mixed", False),
    (["2026-03-01"], "dmy", False),
])
def test_a_column_is_read_one_way_and_says_so_when_it_could_not_tell(values, order, noted):
    found, note = numeric_date_order(values)
    assert found == order
    assert (note is not None) == noted


@pytest.mark.parametrize("value, expected", [
    ("7.5", 7.5), (12, 12.0), ("1,234", 1234.0), ("7.5h", 7.5), ("12 hrs", 12.0), ("0", 0.0),
])
def test_numbers(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", ["-3", "lots", True])
def test_bad_numbers(value):
    with pytest.raises(Unreadable):
        parse_number(value)


@pytest.mark.parametrize("value, expected", [
    ("Y", True), ("yes", True), ("✓", True), (1, True), ("Completed", True),
    ("N", False), ("No", False), ("✗", False), (0, False), ("Missed", False),
])
def test_flags(value, expected):
    assert parse_flag(value) is expected


@pytest.mark.parametrize("value, header, spot", [
    ("Spot check", "Visit type", True), ("Unannounced", "Type of visit", True), ("Scheduled", "Audit kind", False),
    ("Planned", "Scheduled or spot check", False), ("Yes", "Spot check", True), ("No", "Spot check", False),
    ("Yes", "Scheduled", False),
])
def test_scheduled_or_spot_check(value, header, spot):
    assert parse_audit_kind(value, header) is spot


def test_a_yes_under_a_header_that_does_not_say_which_is_refused():
    with pytest.raises(Unreadable, match="scheduled or a spot check"):
        parse_audit_kind("Yes", "Audit kind")


@pytest.mark.parametrize("label, standard", [
    ("Nights", "Night"), ("N", "Night"), ("Night shift", "Night"), ("Waking night", "Night"), ("night", "Night"),
    ("AM", "Early"), ("Early shift", "Early"), ("PM", "Late"), ("Lates", "Late"), ("LD", "Long day"),
    # A provider's own shifts stay their own: a twilight, a sleep-in, a morning run is not another shift.
    ("Twilight", "Twilight"), ("Sleep-in", "Sleep-in"), ("Morning", "Morning"), ("Evening", "Evening"),
    ("Weekend bank", "Weekend bank"),
])
def test_shift_labels_through_the_editable_table(label, standard):
    assert normalise_shift(label, shift_lookup(default_settings()["shifts"])) == standard


def test_a_providers_own_shift_label_joins_the_table():
    table = {"Night": ["Sleep over"], "Day": ["Days"]}
    assert normalise_shift("sleep over", shift_lookup(table)) == "Night"
    assert normalise_shift("Nights", shift_lookup(table)) == "Nights"


def test_parse_column_parses_each_distinct_value_once_and_keeps_reasons_per_row():
    calls = []

    def counting(value):
        calls.append(value)
        return parse_number(value)

    parsed = parse_column(pd.Series(["1", "1", "x", None, "", "2"] * 100), counting, "float64")
    assert sorted(calls) == ["1", "2", "x"]
    assert list(parsed.values[:6][[0, 5]]) == [1.0, 2.0]
    assert parsed.reasons[2] == "'x' is not a number; the cell was left empty, not read as 0"
    assert parsed.reasons[3] is None and parsed.reasons[4] is None


@pytest.mark.parametrize("value, expected", [
    ("  Rowan\u00a0 Unit ", "Rowan Unit"), ("Willow\nUnit", "Willow Unit"), (123.0, "123"), (7.5, "7.5"),
    ("Already clean", "Already clean"),
])
def test_clean_text(value, expected):
    assert clean_text(value) == expected


@pytest.mark.parametrize("value, blank", [
    (None, True), ("", True), ("  ", True), ("N/K", True), (" none ", True), (float("nan"), True),
    ("None given", True), ("Nothing to add here", False), ("0", False), (0.0, False),
])
def test_blank_cells_and_placeholders(value, blank):
    assert is_blank(value) is blank


@pytest.mark.parametrize("cell, shown", [
    ("2026-03-01 09:00:00", "01/03/2026 09:00"), ("2026-03-01 00:00:00", "01/03/2026"), (5.0, "5"), (2.5, "2.5"),
    (None, ""), (float("nan"), ""), ("Rowan Unit", "Rowan Unit"), ("2026-03-01", "2026-03-01"),
])
def test_a_cell_as_a_person_reads_it(cell, shown):
    assert cell_as_text(cell) == shown
