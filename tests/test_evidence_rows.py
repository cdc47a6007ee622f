"""The rows behind a piece of evidence: read from what the analytics wrote, said in words, fetched and masked."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.evidence_rows import (
    RowSelection,
    describe,
    evidence_words,
    fetch,
    month_rows,
    parse_rows,
    period_words,
    selection_of,
    shift_words,
)
from analytics.findings import Evidence

OAK, MAY, OCT = "Oakwood House", date(2026, 5, 1), date(2026, 10, 31)


@pytest.mark.parametrize(("rows", "expected"), [
    ("audits: service = 'Oakwood House', team = 'Willow Unit', spot_check IS NOT TRUE, audit_date 2026-05-01 to "
     "2026-10-31", RowSelection("audits", (("service", OAK), ("team", "Willow Unit")), MAY, OCT, spot_check=False)),
    ("audits: service = 'Oakwood House', audit_type = 'Care plan', 01/05/2026 to 31/10/2026, item = 'Signed'",
     RowSelection("audits", (("service", OAK), ("audit_type", "Care plan"), ("item", "Signed")), MAY, OCT)),
    ("audits: service = 'Oakwood House', audit_type = 'Infection control', spot_check = true, audit_date "
     "2026-05-01 to 2026-10-31",
     RowSelection("audits", (("service", OAK), ("audit_type", "Infection control")), MAY, OCT, spot_check=True)),
    ("rota rows for service Oakwood House and team Willow Unit and shift Night, rota_date from 01 May 2026 to "
     "31 Oct 2026",
     RowSelection("rota", (("service", OAK), ("team", "Willow Unit"), ("shift", "Night")), MAY, OCT)),
    ("complaints: service = 'Oakwood House', 01/05/2026 to 31/10/2026, categories mapped to Well-led; earlier = 4",
     RowSelection("complaints", (("service", OAK),), MAY, OCT, key_question="Well-led")),
    ("feedback, service = 'Oakwood House', feedback_date 2026-05-01 to 2026-10-31, comment in theme 'call times'",
     RowSelection("feedback", (("service", OAK),), MAY, OCT, note="those in the theme call times")),
    ("feedback: service = 'Oakwood House', respondent_type family or friend, feedback_date 2026-05-01 to 2026-10-31",
     RowSelection("feedback", (("service", OAK), ("respondent_type", "family or friend")), MAY, OCT)),
    ("complaints: service = \"O'Neill Court\", category = 'Food', received_date 2026-05-01 to 2026-10-31",
     RowSelection("complaints", (("service", "O'Neill Court"), ("category", "Food")), MAY, OCT)),
    ("audits: service = 'Oak', team = 'x', undated", RowSelection("audits", (("service", "Oak"), ("team", "x")))),
])
def test_parse_rows(rows: str, expected: RowSelection) -> None:
    assert parse_rows(expected.source, rows) == expected


JUDGEMENT = "leaders' judgement #3, recorded on the Board report"


@pytest.mark.parametrize(("source", "rows"), [("leaders", JUDGEMENT), ("audits", "")])
def test_parse_rows_none_where_no_source_rows(source: str, rows: str) -> None:
    assert parse_rows(source, rows) is None


@pytest.mark.parametrize(("start", "end", "words"), [
    (MAY, OCT, "May to October 2026"),
    (date(2025, 5, 1), OCT, "May 2025 to October 2026"),
    (date(2026, 10, 1), OCT, "October 2026"),
    (date(2026, 5, 3), OCT, "3 May to 31 October 2026"),
    (date(2025, 12, 3), date(2026, 1, 31), "3 December 2025 to 31 January 2026"),
    (None, None, ""),
])
def test_period_words(start: date | None, end: date | None, words: str) -> None:
    assert period_words(start, end) == words


@pytest.mark.parametrize(("shift", "words"), [("Night", "nights"), ("day", "days"), ("Late", "late shifts"),
                                              ("Early", "early shifts")])
def test_shift_words(shift: str, words: str) -> None:
    assert shift_words(shift) == words


@pytest.mark.parametrize(("selection", "words"), [
    (RowSelection("audits", (("service", OAK), ("team", "Willow Unit"), ("shift", "Night")), MAY, OCT, False),
     "scheduled audit answers on Willow Unit at Oakwood House, nights, May to October 2026"),
    (RowSelection("audits", (("service", OAK), ("audit_type", "Care plan"), ("item", "Signed")), MAY, OCT),
     "audit answers on 'Signed' (Care plan audits) at Oakwood House, May to October 2026"),
    (RowSelection("audits", (("service", OAK), ("audit_type", "Care plan")), MAY, OCT, True),
     "spot-check audit answers from Care plan audits at Oakwood House, May to October 2026"),
    (RowSelection("complaints", (("service", OAK), ("category", "Food")), MAY, OCT),
     "complaints about 'Food' at Oakwood House, May to October 2026"),
    (RowSelection("complaints", (("service", OAK),), MAY, OCT, key_question="Safe"),
     "complaints in categories mapped to Safe at Oakwood House, May to October 2026"),
    (RowSelection("feedback", (("service", OAK), ("question", "Visits are on time")), MAY, OCT),
     "feedback answers to 'Visits are on time' at Oakwood House, May to October 2026"),
    (RowSelection("feedback", (("service", OAK),), MAY, OCT, note="those in the theme late calls"),
     "feedback answers at Oakwood House, May to October 2026 (those in the theme late calls)"),
    (RowSelection("rota", (), MAY, OCT), "rota lines in every service, May to October 2026"),
])
def test_describe(selection: RowSelection, words: str) -> None:
    assert describe(selection) == words


def test_structured_fields_win_over_the_text() -> None:
    evidence = Evidence("rota", "fill rate", 0.9, rows="rota: service = 'Elsewhere'",
                        where=(("service", OAK), ("shift", "Night")), start="2026-05-01", end="2026-10-31")
    assert selection_of(evidence) == RowSelection("rota", (("service", OAK), ("shift", "Night")), MAY, OCT)
    assert evidence_words(evidence) == "rota lines at Oakwood House, nights, May to October 2026"


def test_evidence_from_json_keeps_hashable_pairs() -> None:
    evidence = Evidence("rota", "fill rate", 0.9, where=[["service", OAK]])  # as read back from stored JSON
    assert evidence.where == (("service", OAK),) and hash(evidence)


def test_words_for_evidence_without_source_rows_are_what_was_written() -> None:
    assert evidence_words(Evidence("leaders", "judged strong", None, rows=JUDGEMENT)) == JUDGEMENT


def test_fetch_binds_values_and_masks(loaded_con) -> None:
    hostile = RowSelection("complaints", (("service", "Oak House' OR 1=1 --"),), date(2026, 1, 1), date(2026, 3, 31))
    assert fetch(loaded_con, hostile).empty
    rows = fetch(loaded_con, RowSelection("complaints", (("service", "Oak House"),), date(2026, 1, 1),
                                          date(2026, 3, 31)))
    assert list(rows["reference"]) == ["C-103", "C-101"]  # newest first
    feedback = fetch(loaded_con, RowSelection("feedback", (("service", "Elm Court"),), date(2026, 1, 1),
                                              date(2026, 3, 31)))
    assert list(feedback["comment"]) == ["Nobody answered the call bell at night"]


def test_fetch_masks_personal_data_unless_original(loaded_con) -> None:
    loaded_con.execute("UPDATE complaints SET summary = 'Call Mrs Jane Smith on 07700 900123' WHERE reference = 'C-101'")
    selection = RowSelection("complaints", (("service", "Oak House"), ("category", "Communication")))
    assert "07700" not in fetch(loaded_con, selection)["summary"][0]
    assert "07700 900123" in fetch(loaded_con, selection, original=True)["summary"][0]


def test_fetch_spot_checks_and_key_questions(loaded_con) -> None:
    rules = [{"key_question": "Safe", "quality_statement": "Medicines", "matches": ["staffing"]}]
    mapped = fetch(loaded_con, RowSelection("complaints", (("service", "Oak House"),), key_question="Safe"), rules)
    assert list(mapped["category"]) == ["Staffing"]
    scheduled = fetch(loaded_con, RowSelection("audits", (("service", "Oak House"),), spot_check=False))
    assert len(scheduled) == 3 and fetch(loaded_con, RowSelection("audits", spot_check=True)).empty


def test_fetch_refuses_a_column_it_does_not_know(loaded_con) -> None:
    with pytest.raises(ValueError, match="cannot be selected"):
        fetch(loaded_con, RowSelection("audits", (("1=1; DROP TABLE audits; --", "x"),)))


@pytest.mark.parametrize("measure_id, place, source, words", [
    ("agency_share", (OAK, "Willow Unit", "Night", None), "rota",
     "rota lines on Willow Unit at Oakwood House, nights, June 2026"),
    ("audit_compliance", (OAK, None, None, "Medication (MAR)"), "audits",
     "audit answers from Medication (MAR) audits at Oakwood House, June 2026"),
    ("complaint_rate", (OAK, "Beech Unit", None, None), "complaints",   # the complaints counted, not the hours
     "complaints on Beech Unit at Oakwood House, June 2026"),
])
def test_a_chart_point_opens_that_month_at_that_place(measure_id, place, source, words) -> None:
    selection = month_rows(measure_id, date(2026, 6, 14), *place)
    assert (selection.source, selection.start, selection.end) == (source, date(2026, 6, 1), date(2026, 6, 30))
    assert describe(selection) == words
