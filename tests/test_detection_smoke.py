"""Smoke test of the detection benchmark (bench/scenarios.py, bench/detection.py) on a few small seeds.

It checks that scenarios are deterministic per seed, that a store holds the planted structure and that the
harness runs end to end with figures in range. It asserts no recall or precision target: those figures are
the benchmark's to report (bench/README.md, "Detection").
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import detection
from scenarios import KINDS, make_scenario

from analytics.findings import Finding

SEEDS = (2, 5)  # small scenarios: one service each, a few teams


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seed_always_gives_the_same_scenario(seed):
    first, again = make_scenario(seed), make_scenario(seed)
    assert first.planted == again.planted
    assert first.months == again.months and first.services == again.services
    for table in ("audits", "rota", "complaints", "feedback"):
        pd.testing.assert_frame_equal(pd.DataFrame(first.rows[table]), pd.DataFrame(again.rows[table]))
    assert make_scenario(seed + 100).planted != first.planted


@pytest.mark.parametrize("seed", SEEDS)
def test_the_store_holds_the_planted_structure(seed):
    scenario = make_scenario(seed)
    assert 12 <= len(scenario.months) <= 36
    assert {p.kind for p in scenario.planted} <= set(KINDS) | {"clean"}
    con = scenario.build_store(":memory:")
    try:
        cur = con.cursor()
        for table in ("audits", "rota", "complaints", "feedback"):
            assert cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == len(scenario.rows[table])
        for service in scenario.services:
            teams = {t for (t,) in cur.execute("SELECT DISTINCT team FROM rota WHERE service = ?",
                                                [service.name]).fetchall()}
            shifts = {s for (s,) in cur.execute("SELECT DISTINCT shift FROM rota WHERE service = ?",
                                                 [service.name]).fetchall()}
            types = {t for (t,) in cur.execute("SELECT DISTINCT audit_type FROM audits WHERE service = ?",
                                                [service.name]).fetchall()}
            assert teams == set(service.teams) and shifts == set(service.shifts)
            assert types == set(service.audit_types)
            assert any(u.service == service.name for u in scenario.clean_units)
            assert cur.execute("SELECT count(*) FROM audits WHERE service = ? AND spot_check",
                               [service.name]).fetchone()[0] > 0
        first, last = cur.execute("SELECT min(audit_date), max(audit_date) FROM audits").fetchone()
        assert first >= scenario.months[0] and last <= scenario.end
        for p in scenario.planted:
            service = next(s for s in scenario.services if s.name == p.service)
            assert p.team is None or p.team in service.teams
            assert p.shift is None or p.shift in service.shifts
            assert scenario.months[0] <= p.start <= scenario.months[-1]
            if p.kind in ("repeat_finding", "masked_weakness") and p.audit_type:
                assert cur.execute("SELECT count(*) FROM audits WHERE service = ? AND item = ?",
                                   [p.service, p.subject]).fetchone()[0] > 0
    finally:
        con.close()


def test_the_harness_runs_end_to_end_with_figures_in_range(tmp_path):
    figures, results = detection.measure(list(SEEDS), progress=False)
    assert [r.seed for r in results] == list(SEEDS)
    assert figures.totals["planted"] == sum(len(r.scenario.patterns) for r in results)
    assert figures.clean["units"] == sum(len(r.scenario.clean_units) for r in results)
    ratios = figures.ratios()
    assert ratios and all(0.0 <= value <= 1.0 for value in ratios)
    for row in figures.recall.values():
        assert 0 <= row["found"] <= row["planted"]
    text = detection.report(figures, 1.0)
    assert "| kind | level | planted | found | of which named | recall |" in text and "## Clean units" in text

    assert detection.main(["--seeds", "1", "--first-seed", str(SEEDS[0]), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "detection.md").read_text(encoding="utf-8").startswith("# Detection")


@pytest.mark.parametrize("background, planted, expected", [
    (0.95, [], 0.95),               # nothing planted: the item's background
    (0.95, [None], 0.95),           # a plant that leaves scheduled audits alone
    (0.95, [0.49], 0.49),           # one plant
    (0.95, [0.49, 0.75], 0.49),     # a failing item, then a milder fragile team: the failure is not undone
    (0.95, [0.75, 0.49], 0.49),     # whichever order they were planted in
    (0.95, [0.97], 0.97),           # an improvement above the background still applies
])
def test_the_lowest_planted_pass_rate_applies(background, planted, expected):
    from scenarios import _pass_probability
    assert _pass_probability(background, planted) == expected


@pytest.mark.parametrize("after, before, detectable", [
    ((0, 0), (50, 50), False),      # no answers since the start: nothing to see
    ((3, 3), (0, 0), False),        # nothing before to compare with
    ((2, 3), (48, 50), False),      # one failure in three: within chance
    ((5, 12), (48, 50), True),      # 5 of 12 against 48 of 50: beyond chance
    ((12, 12), (40, 50), False),    # better, not worse: one-sided
])
def test_the_oracle_asks_whether_a_fall_in_answers_shows(after, before, detectable):
    from oracle import ALPHA, _fisher_less
    assert (_fisher_less(after[0], after[1], before[0], before[1]) <= ALPHA) is detectable


def test_the_oracle_reads_comments_drawn_from_a_category_with_anyone_in_them():
    from oracle import _template_pattern
    from scenarios import COMPLAINT_TEXT
    category = next(iter(COMPLAINT_TEXT))
    text = COMPLAINT_TEXT[category][0].replace("{who}", "my gran")
    assert _template_pattern(category).fullmatch(text)
    assert not _template_pattern(category).fullmatch("Lovely staff, thank you")
    assert not _template_pattern("no such category").fullmatch(text)


def _finding(team, summary):
    return Finding(kind="special_cause", service="S", team=team, shift=None, key_question=None,
                   quality_statement=None, subject="Complaints", status="concern", confidence="limited",
                   period_start=date(2025, 1, 1), period_end=date(2025, 6, 30), summary=summary)


@pytest.mark.parametrize(("team", "finding", "named"), [
    ("Rural Patch", _finding("Rural Patch", "Complaints rose."), True),
    ("Rural Patch", _finding("West Patch", "Complaints rose at Rural Patch's neighbour."), False),
    # a service-wide finding names the teams the pattern is on (analytics.service_wide)
    ("Rural Patch", _finding(None, "Service-wide at S: 2 of the 3 teams with data show the same pattern about "
                                   "Complaints (City Centre Patch and Rural Patch)."), True),
    ("West Patch", _finding(None, "Service-wide at S: 2 of the 3 teams ... (City Centre Patch and Rural Patch)."),
     False),
    ("Rural", _finding(None, "... (City Centre Patch and Rural Patch)."), True),  # a whole word of the summary
    ("Oak", _finding(None, "... (Oakwood Unit and Rural Patch)."), False),  # not part of a word
])
def test_a_team_pattern_is_found_where_a_finding_names_the_team(team, finding, named):
    assert detection.names_team(finding, team) is named


def _audit_plant(kind, start):
    from scenarios import Planted
    return Planted(id="P1", kind=kind, level="audit_type", service="S", team=None, shift=None,
                   subject="Health and safety", measure="audit_compliance", start=start, strength=0.5,
                   audit_type="Health and safety", detail="compliance 71% -> 93%, some teams (T stays behind)")


def _item_finding(subject, start):
    return Finding(kind="repeat_finding", service="S", team="T", shift=None, key_question=None,
                   quality_statement=None, subject=subject, status="concern", confidence="limited",
                   period_start=start, period_end=date(2025, 12, 31), summary="...")


@pytest.mark.parametrize(("kind", "subject", "finding_start", "explained"), [
    # a team left behind on an audit type fails its items: the plant explains them, whenever they are seen
    ("not_embedded", "Hoist slings checked", date(2025, 7, 1), True),
    ("not_embedded", "Hoist slings checked", date(2023, 1, 1), True),
    ("not_embedded", "Fridge temperature recorded daily", date(2025, 7, 1), False),  # another audit type's item
    # an improvement holds every item low only before it
    ("embedded_improvement", "Hoist slings checked", date(2024, 1, 1), True),
    ("embedded_improvement", "Hoist slings checked", date(2025, 7, 1), False),
])
def test_a_plant_on_a_whole_audit_type_explains_its_items_while_it_holds_them_low(kind, subject, finding_start,
                                                                                  explained):
    plant = _audit_plant(kind, date(2024, 6, 1))
    assert detection.explained(plant, _item_finding(subject, finding_start)) is explained
