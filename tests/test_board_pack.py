"""The board pack: direction of travel, the balanced picture, leaders against the evidence, and the two exports."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics.board_pack import (
    BETTER,
    NOT_COMPARABLE,
    SAME,
    WORSE,
    balanced_picture,
    board_pack_html,
    build_board_pack,
    direction,
    direction_of_travel,
    evidence_frame,
    leaders_versus_evidence,
)
from analytics.board_summary import (
    cell_evidence,
    change_words,
    last_complete_quarter,
    last_month,
    must_know,
    quarter_before,
    quarter_settings,
    start_here,
    status_grid,
)
from analytics.findings import Evidence, Finding, comparison_text, figure_text, limited
from analytics.insights import Insights
from analytics.workbooks import board_pack_xlsx

NOW, BEFORE = date(2026, 10, 31), date(2026, 9, 30)
GENERATED = datetime(2026, 11, 3, 9, 30)
OAK, ELM = "Oak House", "Elm Court"
MASKED = "At Oak House the fill rate was 97%, but on Rowan's Night shift agency staff worked 38% of hours."
EMBEDDED = "Medication compliance rose from 82% to 98% and has held for 11 monthly cycles on every team."
BASELINE = Evidence("rota", "fill rate", 0.97, period="May 2026 to Oct 2026", rows="rota: service = 'Oak House'")


def finding(kind: str, status: str, summary: str, team: str | None = None, key_question: str = "Safe",
            statement: str | None = "Safe and effective staffing", confidence: str = "limited",
            evidence: tuple[Evidence, ...] = (), shift: str | None = None) -> Finding:
    """A finding at Oak House over the six months to the end of October."""
    return Finding(kind=kind, service=OAK, team=team, shift=shift, key_question=key_question,
                   quality_statement=statement, subject=statement or key_question, status=status,
                   confidence=confidence, period_start=date(2026, 5, 1), period_end=NOW, summary=summary,
                   evidence=evidence)


def register_row(service: str, key_question: str, status: str, summary: str, team: str | None = None,
                 confidence: str = "high", evidence: list[Evidence] | None = None) -> dict:
    """One register row, as run_insights builds it."""
    return {"service": service, "team": team, "key_question": key_question, "status": status,
            "confidence": confidence, "sources": "audits, rota", "summary": summary, "evidence": evidence or [],
            "findings": 1}


def insights_now() -> Insights:
    """Oak House: Safe a concern hiding an embedded medication improvement, Caring strong; Elm Court fragile."""
    masked = finding("masked_weakness", "concern", MASKED, team="Rowan",
                     evidence=(Evidence("rota", "agency share of hours", 0.38, comparison=0.06,
                                        period="May 2026 to Oct 2026", rows="rota: team = 'Rowan'"),))
    embedded = finding("embedded_improvement", "strong", EMBEDDED, statement="Medicines optimisation",
                       confidence="high")
    signal = finding("special_cause", "improving", "Medication audit compliance has been above its average.",
                     statement="Medicines optimisation")
    register = pd.DataFrame([
        register_row(OAK, "Safe", "concern", MASKED, evidence=[BASELINE]),
        register_row(OAK, "Safe", "concern", MASKED, team="Rowan", confidence="qualified"),
        register_row(OAK, "Caring", "strong", "Consistently good: mean feedback score 86%.", confidence="limited"),
        register_row(OAK, "Well-led", "not_enough_evidence", "No evidence for Well-led.", confidence="limited"),
        register_row(ELM, "Safe", "fragile", "Cleaning schedule failed in 2 of 6 months.", confidence="qualified"),
    ])
    return Insights(NOW, [masked, embedded, signal], register)


def insights_before() -> Insights:
    """At the end of September: Oak House Safe was fragile and Caring a concern; Elm Court Safe fragile."""
    register = pd.DataFrame([
        register_row(OAK, "Safe", "fragile", "Handover completion dipped."),
        register_row(OAK, "Caring", "concern", "Families rated Rowan poorly."),
        register_row(OAK, "Well-led", "strong", "Governance audits good."),
        register_row(ELM, "Safe", "fragile", "Cleaning schedule failed in 2 of 6 months."),
    ])
    return Insights(BEFORE, [], register)


def views() -> pd.DataFrame:
    """Two judgements leaders recorded: one over-optimistic, one that agrees."""
    return pd.DataFrame([
        {"view_id": 2, "service": OAK, "team": None, "key_question": "Safe", "subject": None, "stance": "strong",
         "statement": "Staffing is <b>stable</b> on every unit", "recorded_by": "rm@example.org",
         "recorded_at": datetime(2026, 11, 1, 10, 0)},
        {"view_id": 1, "service": OAK, "team": None, "key_question": "Caring", "subject": None, "stance": "strong",
         "statement": "Families are happy", "recorded_by": "rm@example.org", "recorded_at": datetime(2026, 10, 2, 9)},
    ])


def test_figures_read_as_percentages_rates_or_counts() -> None:
    assert figure_text("fill rate", 0.9688) == "97%"
    assert figure_text("complaints per 1,000 planned hours", 1.78) == "1.8"
    assert figure_text("complaints (recent vs earlier)", 13.0) == "13"
    assert figure_text("monthly cycles failed", 6.0) == "6"
    assert figure_text("compliance: recent cycles against the baseline", 0.99) == "99%"
    assert figure_text("fill rate", None) == ""
    assert figure_text("fill rate", float("nan")) == ""
    assert figure_text("complaints per month", 3.0) == "3"  # a count, not 300%
    assert figure_text("complaints per month", 2.5) == "2.5"
    assert figure_text("complaints per 1,000 planned hours", 2.0) == "2.0"
    assert comparison_text("fill rate", 0.9) == " against 90%"
    assert comparison_text("monthly cycles failed", 6.0) == " of 6 audited"
    assert comparison_text("fill rate", None) == comparison_text("fill rate", float("nan")) == ""
    table = evidence_frame([BASELINE])
    assert table.iloc[0].to_dict() == {"Source": "Rota", "Measure": "fill rate", "Figure": "97%", "Compared with": "",
                                       "Period": "May 2026 to Oct 2026", "Rows": "rota lines at Oak House",
                                       "Detail": ""}


def test_direction_between_two_statuses() -> None:
    assert direction("fragile", "strong") == BETTER
    assert direction("strong", "concern") == WORSE
    assert direction("concern", "concern") == SAME
    assert direction("not_enough_evidence", "not_enough_evidence") == SAME
    assert direction("strong", "not_enough_evidence") == NOT_COMPARABLE
    assert direction(None, "strong") == NOT_COMPARABLE


def test_direction_of_travel_compares_service_rows_by_key_question() -> None:
    travel = direction_of_travel(insights_now(), insights_before(), OAK)
    moves = dict(zip(travel["key_question"], zip(travel["status_before"], travel["status"], travel["direction"])))
    assert moves == {"Safe": ("fragile", "concern", WORSE), "Caring": ("concern", "strong", BETTER),
                     "Well-led": ("strong", "not_enough_evidence", NOT_COMPARABLE)}


def test_balanced_picture_keeps_strengths_a_worse_row_hides() -> None:
    picture = balanced_picture(insights_now())
    assert list(picture["group"]) == ["strong", "strong", "fragile", "concern"]
    embedded = picture.iloc[0]
    assert (embedded["summary"], embedded["about"], embedded["confidence"]) == \
        (EMBEDDED, "Safe: Medicines optimisation", "high")
    # The SPC signal for the same improvement is not listed as "not yet embedded" beside its embedded finding.
    assert not (picture["group"] == "improving").any()
    # Rowan's row repeats the service's sentence, so it is shown once, with the finding's evidence behind it.
    concern = picture[picture["group"] == "concern"].iloc[0]
    assert (concern["where"], concern["summary"]) == (OAK, MASKED)
    assert [e.measure for e in concern["evidence"]] == ["fill rate", "agency share of hours"]


def test_balanced_picture_for_one_service() -> None:
    picture = balanced_picture(insights_now(), ELM)
    assert list(zip(picture["where"], picture["group"], picture["confidence"])) == [(ELM, "fragile", "qualified")]
    assert balanced_picture(Insights(None, [], pd.DataFrame())).empty


def test_leaders_set_against_the_evidence() -> None:
    table = leaders_versus_evidence(views(), insights_now())
    readings = dict(zip(table["key_question"], table["reading"]))
    assert readings == {"Safe": "▼ Leaders more optimistic than the evidence", "Caring": "● Agrees with the evidence"}
    assert table.set_index("key_question").loc["Safe", "why"] == MASKED


def test_personal_data_in_what_leaders_said_is_masked() -> None:
    said = views().assign(statement=["Mrs Jane Smith's falls are managed; her son rings 07700 900461", "Happy"])
    statement = leaders_versus_evidence(said, insights_now()).set_index("key_question").loc["Safe", "statement"]
    assert statement == "Mrs [name]'s falls are managed; her son rings [phone]"


def test_board_pack_sections() -> None:
    pack = build_board_pack(insights_now(), insights_before(), OAK, views(), generated=GENERATED)
    assert pack.title == "Board report: Oak House"
    assert pack.moves() == ("Since 30/09/2026: 1 better, 1 worse, 0 the same, 1 without evidence at one of the two "
                            "dates.")
    assert list(pack.register["Status"]) == ["⚠ Concern", "✓ Strong", "○ Not enough evidence"]
    assert list(pack.direction["Then"]) == ["◐ Fragile", "⚠ Concern", "✓ Strong"]
    assert list(pack.strong["Key question"]) == ["Safe: Medicines optimisation", "Caring"]
    assert pack.qualified.empty  # Rowan's qualified row says what the service's row says
    assert list(pack.concerns["Status"]) == ["⚠ Concern"] and pack.fragile.empty  # Elm Court is not Oak House
    assert list(pack.leaders["Recorded"]) == ["01/11/2026", "02/10/2026"]
    assert list(pack.evidence["Measure"]) == ["fill rate", "agency share of hours"]


def test_limited_evidence_is_listed_apart_and_never_as_a_concern() -> None:
    now = insights_now()
    thin = limited(finding("fragility", "concern", "Rowan's professional visitors rated it 40%.", team="Rowan",
                           evidence=(Evidence("feedback", "feedback score", 0.4, period="May 2026 to Oct 2026",
                                              detail="7 responses"),)), "7 responses, fewer than 10")
    pack = build_board_pack(Insights(now.as_of, [*now.findings, thin], now.register), insights_before(), None,
                            views(), generated=GENERATED)
    assert list(pack.limited["Where"]) == ["Oak House · Rowan"]
    assert pack.limited["Why"].iloc[0].startswith("Limited evidence (7 responses, fewer than 10): ")
    assert pack.limited["Evidence"].iloc[0] == "feedback score: 40% (May 2026 to Oct 2026; 7 responses)"
    assert not pack.concerns["Why"].str.contains("professional visitors").any()
    assert list(pack.fragile["Where"]) == [ELM]
    assert "Limited evidence: places to look" in board_pack_html(pack)


def test_board_pack_workbook() -> None:
    pack = build_board_pack(insights_now(), insights_before(), None, views(), generated=GENERATED)
    workbook = load_workbook(BytesIO(board_pack_xlsx(pack)))
    assert workbook.sheetnames == ["Board report", "By key question", "Key question grid", "Direction of travel",
                                   "Concerns", "Still fragile", "What is strong", "What is qualified",
                                   "Leaders vs evidence", "Leadership response", "Overdue actions",
                                   "Concern timelines", "Limited evidence", "Evidence"]
    front = [row[0] for row in workbook["Board report"].iter_rows(values_only=True)]
    assert front[5] == "What the board must know"
    assert front[6] == f"1. ⚠ Concern · Oak House · Rowan: {MASKED}"
    grid = workbook["Key question grid"]
    assert [c.value for c in grid[1]] == ["Service", "Team", "Safe", "Caring", "Well-led"]
    assert [c.value for c in grid[2]] == [ELM, None, "◐ Fragile", None, None]
    assert workbook["Board report"]["A1"].value == "Board report: All services"
    register = workbook["By key question"]
    assert [c.value for c in register[1]] == ["Service", "Key question", "Status", "Confidence",
                                              "Since last quarter", "Why"]
    assert [register.cell(row, 5).value for row in range(2, 6)] == [WORSE, BETTER, NOT_COMPARABLE, SAME]
    assert [c.value for c in workbook["What is qualified"][2]][:3] == ["Service", ELM, "Safe"]
    leaders = workbook["Leaders vs evidence"]
    assert leaders["E2"].value == "✓ Strong: Staffing is <b>stable</b> on every unit"


def test_board_pack_html_is_print_ready_and_self_contained() -> None:
    pack = build_board_pack(insights_now(), insights_before(), OAK, views(), generated=GENERATED)
    page = board_pack_html(pack)
    assert page.startswith("<!doctype html>") and "<title>Board report: Oak House</title>" in page
    assert "@page { size: A4" in page and "break-before: page" in page
    assert page.count("<section>") == 11  # seven sections, three of leadership response, the limited evidence
    for heading in ("What the evidence shows, by key question", "Direction of travel since 30/09/2026",
                    "What is strong, and why", "What is qualified, and why", "What is a concern",
                    "What is still fragile",
                    "What leaders said versus what the evidence shows"):
        assert f"<h2>{heading}</h2>" in page
    assert "Generated 03/11/2026 09:30" in page
    assert "Staffing is &lt;b&gt;stable&lt;/b&gt;" in page and "<b>stable</b>" not in page
    assert "<link" not in page and "src=" not in page and "<script" not in page
    assert '<p class="empty">Nothing to report in this section.</p>' in page  # nothing is qualified


def test_a_board_pack_without_data() -> None:
    empty = Insights(None, [], pd.DataFrame())
    pack = build_board_pack(empty, empty, None, pd.DataFrame(), generated=GENERATED)
    assert pack.moves() == "No key question has a judgement to compare."
    assert board_pack_html(pack).count("Nothing to report in this section.") == 11
    assert load_workbook(BytesIO(board_pack_xlsx(pack)))["Evidence"]["A2"].value == "Nothing to report in this section."


# What a busy leader reads first (analytics.board_summary) -----------------------------------------------------

@pytest.mark.parametrize(("as_of", "quarter", "before"), [
    (date(2026, 10, 31), (date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 4, 1), date(2026, 6, 30))),
    (date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 4, 1), date(2026, 6, 30))),
    (date(2026, 9, 29), (date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 1, 1), date(2026, 3, 31))),
    (date(2026, 2, 15), (date(2025, 10, 1), date(2025, 12, 31)), (date(2025, 7, 1), date(2025, 9, 30))),
    (date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31)), (date(2026, 7, 1), date(2026, 9, 30))),
])
def test_quarters_the_direction_compares_never_overlap(as_of: date, quarter: tuple, before: tuple) -> None:
    assert last_complete_quarter(as_of) == quarter
    assert quarter_before(quarter) == before and before[1] < quarter[0]


def test_quarter_settings_judge_three_months_and_leave_the_rest() -> None:
    settings = {"thresholds": {"recent_cycles": 6, "min_rota_shifts": 20}, "key_questions": []}
    assert quarter_settings(settings)["thresholds"] == {"recent_cycles": 3, "min_rota_shifts": 20}
    assert settings["thresholds"]["recent_cycles"] == 6


@pytest.mark.parametrize(("now", "before", "words"), [
    ("concern", None, "New since last month"), ("concern", "fragile", "Was fragile, now a concern"),
    ("concern", "concern", "Still a concern, as last month"), ("fragile", "concern", "Was a concern, now fragile"),
])
def test_change_words(now: str, before: str | None, words: str) -> None:
    assert change_words(now, before) == words


def test_change_words_name_where_a_moved_pattern_was() -> None:
    assert change_words("concern", "concern", "Town Team, Evening") == \
        "Still a concern, as last month at Town Team, Evening"
    assert change_words("concern", "fragile", "the whole service") == "Was fragile at the whole service, now a concern"


@pytest.mark.parametrize(("then", "now", "expected"), [
    (("Town", "Evening"), (None, "Evening"), ("concern", "Town, Evening")),  # one team's evenings, then every team's
    ((None, None), ("Town", None), ("concern", "the whole service")),  # service-wide, then one team
    (("Town", None), ("Town", None), ("concern", None)),  # the same place
    (("Town", None), ("Rowan", None), (None, None)),  # another team: a new pattern
    (("Town", "Night"), ("Town", "Evening"), (None, None)),  # another shift
])
def test_last_month_follows_a_pattern_that_moved_between_overlapping_places(then, now, expected) -> None:
    earlier = finding("fragility", "concern", "Complaints ran high.", team=then[0], shift=then[1])
    later = finding("fragility", "concern", "Complaints ran high.", team=now[0], shift=now[1])
    assert last_month(later, [earlier]) == expected


def test_must_know_puts_concerns_first_and_keeps_a_strength() -> None:
    points = must_know(insights_now())
    assert [(p.status, p.sentence) for p in points] == [("concern", MASKED), ("strong", EMBEDDED)]
    assert points[0].evidence[0].measure == "agency share of hours"


def test_must_know_holds_at_most_five_one_per_service_and_key_question() -> None:
    many = [finding("repeat_finding", "concern", f"Item {n} failed.", key_question=question)
            for n, question in enumerate(["Safe", "Safe", "Effective", "Caring", "Responsive", "Well-led"])]
    points = must_know(Insights(NOW, many + [finding("strength", "strong", "Good.")], pd.DataFrame()))
    assert len(points) == 5 and points[-1].sentence == "Good."
    assert [p.key_question for p in points[:4]] == ["Safe", "Effective", "Caring", "Responsive"]


def test_start_here_says_what_changed_since_last_month() -> None:
    old = finding("repeat_finding", "fragile", "Cleaning failed twice.")
    gone = finding("emerging_theme", "concern", "Complaints about food rose.", statement="Food")
    worse = finding("repeat_finding", "concern", "Cleaning failed in 4 of 6 months.")
    new = finding("fragility", "fragile", "Rowan's nights short-staffed.", team="Rowan")
    points, resolved = start_here(Insights(NOW, [new, worse], pd.DataFrame()),
                                  Insights(BEFORE, [old, gone], pd.DataFrame()))
    assert [(p.status, p.change) for p in points] == [("concern", "Was fragile, now a concern"),
                                                       ("fragile", "New since last month")]
    assert [p.sentence for p in resolved] == ["Complaints about food rose."]
    assert start_here(Insights(NOW, [new], pd.DataFrame()), Insights(BEFORE, [], pd.DataFrame()),
                      services=("Elsewhere",)) == ([], [])


def test_status_grid_is_key_question_by_place_service_first() -> None:
    grid = status_grid(insights_now())
    assert list(grid.columns) == ["service", "team", "Safe", "Caring", "Well-led"]
    assert [(s, t) for s, t in zip(grid["service"], grid["team"])] == [(ELM, None), (OAK, None), (OAK, "Rowan")]
    assert grid.loc[1, ["Safe", "Caring", "Well-led"]].tolist() == ["concern", "strong", "not_enough_evidence"]
    assert status_grid(insights_now(), OAK, teams=False)["service"].tolist() == [OAK]


def test_cell_evidence_is_the_register_row_and_its_findings() -> None:
    sentence, evidence = cell_evidence(insights_now(), OAK, None, "Safe")
    assert sentence == MASKED and [e.measure for e in evidence] == ["fill rate", "agency share of hours"]
    assert cell_evidence(insights_now(), ELM, None, "Caring")[1] == []


def test_the_leadership_response_reads_in_words() -> None:
    tables = {"counts": pd.DataFrame({"what": ["opened (first signal)", "recognised"], "count": [3, 1]}),
              "measures": pd.DataFrame([{"concerns": 5, "median_days_to_recognise": 41.5, "overdue_actions": 2,
                                         "closed_verified_share": 0.5, "recurring": 1,
                                         "median_days_to_first_action": None}]),
              "overdue": pd.DataFrame([{"service": OAK, "place": "Rowan", "concern": "Care plan signed",
                                        "action": "Weekly spot check", "owner": "Deputy", "due": date(2026, 9, 30),
                                        "status": "in progress"}]),
              "timelines": pd.DataFrame([{"concern_id": 1, "place": "Rowan", "concern": "Care plan signed",
                                          "state": "not working", "on": date(2026, 6, 1), "what": "first signal"}])}
    pack = build_board_pack(insights_now(), insights_before(), None, views(), generated=GENERATED, response=tables)
    figures = dict(zip(pack.response["Leadership response"], pack.response["Figure"]))
    assert figures["Concerns opened (first signal) this quarter"] == "3"
    assert figures["Median days from first signal to recognition"] == "42"
    assert figures["Closed actions the data shows worked"] == "50%"
    assert figures["Median days from first signal to first action"] == "n/a"
    assert list(pack.overdue.iloc[0]) == [OAK, "Rowan", "Care plan signed", "Weekly spot check", "Deputy",
                                          "30/09/2026"]
    assert pack.timelines.iloc[0]["What happened"] == "first signal"
    sheets = load_workbook(BytesIO(board_pack_xlsx(pack))).sheetnames
    assert {"Leadership response", "Overdue actions", "Concern timelines"} <= set(sheets)
    assert "How leaders responded" in board_pack_html(pack)
