"""An item failing across a service on all its teams' answers together: the pooled row's verdict, whether the
failure is spread over the teams, and the service-wide repeat finding they make."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from canonical_rows import insert

from analytics.pooled_items import PooledItem, pooled_finding, pooled_masked_finding, pooled_verdict, spread_on_teams
from analytics.repeat_findings import failing_chance, repeat_findings, repeat_table
from analytics.scope import Scope
from analytics.settings import default_settings
from analytics.store import connect

SERVICE = "Elm House"
ITEM = "Care plan reviewed and signed"
OTHER = "Falls risk assessment up to date"
AS_OF = Scope(as_of=date(2026, 10, 31))
RECENT = (5, 6, 7, 8, 9, 10)       # the six recent cycles up to 31 October 2026
EARLIER = (11, 12, 1, 2, 3, 4)     # Nov 2025 to Apr 2026


@pytest.fixture
def settings() -> dict:
    return default_settings()


@pytest.mark.parametrize(("classification", "score", "answers", "past_score", "past_answers", "expected"), [
    ("isolated", 5, 30, 95, 100, None),         # one bad month is never a pattern
    ("recurring", 5, 19, 95, 100, None),        # fewer answers than min_audit_answers (20)
    ("persistent", 15, 20, 95, 100, None),      # exactly at the failing line is not below it
    ("persistent", 16, 20, 95, 100, None),      # above the line: a fall, but not a failing item
    ("persistent", 8, 20, 0, 0, "line"),        # 40% on 20: beyond chance against 75%, no past needed
    ("recurring", 13, 20, 95, 100, "fall"),     # 65% on 20 is within chance of 75%, far below its own 95%
    ("recurring", 13, 20, 18, 19, None),        # ... but 19 earlier answers are too few to stand for its level
    ("recurring", 13, 20, 14, 20, None),        # ... and 70% before is no fall
    ("not failing", 0, 20, 95, 100, None),
])
def test_pooled_verdict_table(settings, classification, score, answers, past_score, past_answers, expected):
    verdict = pooled_verdict(classification, score, answers, past_score, past_answers, settings)
    assert (verdict[0] if verdict else None) == expected
    if expected == "line":
        assert verdict[1] == pytest.approx(float(failing_chance(score, answers, 0.75)))
    if expected:
        assert verdict[1] <= settings["thresholds"]["item_failing_chance"]


def teams(*rows: tuple[str, float, float, float, float, bool]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["team", "score", "answers", "past_score", "past_answers", "clear"])


@pytest.mark.parametrize(("rows", "expected"), [
    ((), False),                                                            # no team audited
    ((("A", 5, 12, 38, 40, False),), False),                                # one team is never service-wide
    ((("A", 5, 12, 38, 40, False), ("B", 7, 12, 38, 40, False)), True),     # both below, both fell
    ((("A", 0, 12, 38, 40, True), ("B", 8, 12, 30, 40, False)), False),     # A's own failure; B at its usual 75%
    ((("A", 0, 12, 38, 40, True), ("B", 8, 12, 38, 40, False)), True),      # B fell too, from 95%
    ((("A", 5, 12, 38, 40, False), ("B", 7, 12, 38, 40, False),
      ("C", 12, 12, 38, 40, False), ("D", 12, 12, 38, 40, False)), False),  # rest pooled with C, D: no fall
    ((("A", 2, 12, 38, 40, False), ("B", 5, 12, 38, 40, False),
      ("C", 9, 12, 38, 40, False), ("D", 11, 12, 38, 40, False)), True),    # half below, the rest fell
    ((("A", 3, 12, 38, 40, False), ("B", 6, 12, 38, 40, False),
      ("C", 12, 12, 38, 40, False), ("D", 0, 0, 38, 40, False)), True),     # 2 of 4 below; B and C fell from 95%
    ((("A", 3, 12, 38, 40, False), ("B", 6, 12, 38, 40, False), ("C", 12, 12, 38, 40, False),
      ("D", 0, 0, 38, 40, False), ("E", 12, 12, 38, 40, False)), False),   # D, audited earlier in the cycles, counts:
    #                                                                         2 of 5 below is not half
    ((("A", 5, 12, 38, 40, False), ("B", 7, 12, 0, 0, False)), False),      # the rest has no earlier level
])
def test_spread_on_teams_table(settings, rows, expected):
    assert spread_on_teams(teams(*rows), settings["thresholds"]) is expected


def audit(month: int, team: str, item: str, met: int, records: int) -> list[dict]:
    year = 2025 if month >= 11 else 2026
    return [{"audit_date": date(year, month, 10), "service": SERVICE, "team": team, "shift": None,
             "audit_type": "Care plan", "section": "Review", "item": item, "answer": "Yes" if r < met else "No",
             "answer_class": "met" if r < met else "not_met", "answer_score": 1.0 if r < met else 0.0,
             "audit_ref": f"{team}-{year}-{month}-{r}", "spot_check": False} for r in range(records)]


def store(tmp_path: Path, recent_met: dict[str, tuple[int, ...]], records: int = 3):
    """Two teams audited monthly on three records; every record met before May, then `recent_met` records met a
    month on each team, May to October."""
    con = connect(tmp_path / "t.duckdb")
    rows = []
    for team, met in recent_met.items():
        for month in EARLIER:
            rows += audit(month, team, ITEM, records, records) + audit(month, team, OTHER, records, records)
        for month, count in zip(RECENT, met):
            rows += audit(month, team, ITEM, count, records) + audit(month, team, OTHER, records, records)
    insert(con, "audits", rows)
    return con


def test_an_item_failing_on_every_team_is_one_service_wide_finding_with_window_and_n(tmp_path, settings):
    # 2 of 3 met a month on each team from June (67%): no team's own answers are beyond chance against 75%.
    con = store(tmp_path, {"Ash Unit": (3, 2, 2, 2, 2, 2), "Birch Unit": (3, 2, 2, 2, 2, 2)})
    try:
        found = [f for f in repeat_findings(con, AS_OF, settings) if f.subject == ITEM]
        table = repeat_table(con, AS_OF, settings)
    finally:
        con.close()
    assert [(f.team, f.shift) for f in found] == [(None, None)]
    # The Trends page's table says so too, on every row of the item (each team's own answers alone would not).
    assert set(table.loc[table["subject"] == ITEM, "spread"]) == {"service-wide"}
    assert set(table.loc[table["subject"] == OTHER, "spread"].dropna()) <= {"local"}
    finding = found[0]
    assert finding.status == "concern" and "service-wide" in finding.summary
    assert "(Ash Unit 10 of 15 answers met and Birch Unit 10 of 15)" in finding.summary
    assert "Jun 2026 to Oct 2026" in finding.summary
    pooled, before = finding.evidence[:2]
    assert pooled.value == pytest.approx(20 / 30) and "30 answers" in pooled.detail
    assert pooled.period == "Jun 2026 to Oct 2026" and "01/06/2026 to 31/10/2026" in pooled.rows
    assert before.value == 1.0 and "42 answers" in before.detail and before.period == "Nov 2025 to May 2026"
    assert "01/11/2025 to 31/05/2026" in before.rows


def test_one_team_failing_beside_a_sound_one_stays_that_teams(tmp_path, settings):
    con = store(tmp_path, {"Ash Unit": (0, 0, 0, 0, 0, 0), "Birch Unit": (3, 3, 2, 3, 3, 3)})
    try:
        found = [f for f in repeat_findings(con, AS_OF, settings) if f.subject == ITEM]
    finally:
        con.close()
    assert [f.team for f in found] == ["Ash Unit"]


def found_item() -> PooledItem:
    """Two teams at 10 of 15 since June (20 of 30 together), every answer met in the six months before."""
    row = {"service": SERVICE, "audit_type": "Care plan", "section": "Review", "subject": ITEM,
           "classification": "persistent", "cycles_failed": 5, "cycles_audited": 6,
           "failing_months": ["Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026"],
           "scheduled_cycles_failed": 5, "spot_check_cycles_failed": 0}
    return PooledItem(row, date(2026, 6, 1), ("fall", 0.0001), (20.0, 30.0), (42.0, 42.0), date(2025, 11, 1),
                      teams(("Ash Unit", 10, 15, 21, 21, False), ("Birch Unit", 10, 15, 21, 21, False)))


@pytest.mark.parametrize(("headline", "looks_good", "expected"), [
    (0.92, True, True),
    (0.92, False, False),          # a headline that does not look acceptable hides nothing: the news itself
    (2 / 3 + 0.1, True, True),     # exactly `fragility_gap` (10 points) above the item's 67%
    (0.76, True, False),           # 9 points: not enough of a gap to hide it
])
def test_pooled_masked_finding_table(settings, headline, looks_good, expected):
    pair = {"headline_value": headline, "headline_good": looks_good, "months": 6, "headline_answers": 180}
    finding = pooled_masked_finding(found_item(), pair, (date(2026, 5, 1), date(2026, 10, 31)), settings)
    assert (finding is not None) is expected
    if finding:
        assert (finding.kind, finding.team, finding.status) == ("masked_weakness", None, "concern")
        assert "May 2026 to Oct 2026" in finding.summary and "20 of 30" not in finding.summary
        assert "67% on 30 answers across the service from Jun 2026 to Oct 2026" in finding.summary
        headline_evidence, pooled = finding.evidence[:2]
        assert headline_evidence.period == "May 2026 to Oct 2026" and "180 answers" in headline_evidence.detail
        assert pooled.period == "Jun 2026 to Oct 2026" and "30 answers" in pooled.detail


def test_a_service_wide_items_finding_gives_each_team_below_the_line_its_answers(settings):
    found = found_item()
    found = PooledItem(found.row, found.first, found.verdict, found.span, found.past, found.past_start,
                       teams(("Ash Unit", 10, 15, 21, 21, False), ("Birch Unit", 4, 6, 21, 21, False),
                             ("Cedar Unit", 14, 15, 21, 21, False)))
    finding = pooled_finding(found, (date(2026, 5, 1), date(2026, 10, 31)), settings)
    # A team on six answers is named as a team on fifteen is, with its own count: a reader can weigh it.
    assert "below 75% on 2 of the 3 teams audited (Ash Unit 10 of 15 answers met and Birch Unit 4 of 6)" \
        in finding.summary
    assert "Cedar Unit" not in finding.summary
