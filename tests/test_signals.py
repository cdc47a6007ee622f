"""SPC signals over the monthly measures: the series, the charts, and which latest signals become findings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import duckdb
import numpy as np
import pytest
from canonical_rows import insert

from analytics import signal_judging
from analytics.findings import percent
from analytics.scope import Scope
from analytics.settings import default_settings, load_settings, save_setting
from analytics.signals import (
    _beyond_the_rest,
    measure_icons,
    metric_catalogue,
    metric_series,
    signal_findings,
    spc_chart,
)
from analytics.spc import xmr
from analytics.store import connect

SERVICE = "Elm Court"
TEAMS = ("Ash", "Birch", "Hazel")
SHIFTS = ("Early", "Late", "Night")
SETTINGS = default_settings()


def month(index: int) -> date:
    """The first day of the index-th month from January 2025."""
    return date(2025 + index // 12, index % 12 + 1, 1)


def audit(when: date, answer_class: str, team: str = "Ash", audit_type: str = "Medication") -> dict:
    score = {"met": 1.0, "partial": 0.5, "not_met": 0.0, "na": None}[answer_class]
    return {"audit_date": when, "service": SERVICE, "team": team, "shift": None, "audit_type": audit_type,
            "item": "MAR signed", "answer_class": answer_class, "answer_score": score, "spot_check": False}


def audits_at(levels: list[float], count: int = 20, teams: tuple[str, ...] = TEAMS) -> list[dict]:
    """`count` answers per team per month, round(level × count) of them met."""
    rows = []
    for index, level in enumerate(levels):
        for team in teams:
            met = round(level * count)
            rows += [audit(month(index) + timedelta(days=i), "met" if i < met else "not_met", team)
                     for i in range(count)]
    return rows


def rota(when: date, team: str, shift: str, planned: float = 10.0, actual: float = 10.0, agency: float = 0.0,
         handover: bool | None = True) -> dict:
    return {"rota_date": when, "service": SERVICE, "team": team, "shift": shift, "role": "Carer",
            "planned_hours": planned, "actual_hours": actual, "agency_hours": agency, "handover_completed": handover}


def complaint(when: date, team: str = "Ash") -> dict:
    return {"reference": f"C-{when:%Y%m%d}-{team}", "received_date": when, "service": SERVICE, "team": team,
            "category": "Communication", "summary": "Calls not returned"}


def feedback(when: date, score: float | None, team: str = "Ash") -> dict:
    return {"feedback_date": when, "service": SERVICE, "team": team, "question": "Overall",
            "rating": "Good", "rating_score": score}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "t.duckdb")
    yield connection
    connection.close()


# --- the catalogue and the series ----------------------------------------------------------------


def test_catalogue_names_each_measure_once_with_its_better_direction():
    catalogue = {m.id: m for m in metric_catalogue()}
    assert len(catalogue) == len(metric_catalogue())
    assert {m.source for m in catalogue.values()} == {"audits", "rota", "complaints", "feedback"}
    directions = {metric_id: m.improvement_direction for metric_id, m in catalogue.items()}
    assert directions == {"audit_compliance": "increase", "rota_fill_rate": "increase", "agency_share": "decrease",
                          "handover_completion": "increase", "complaints_per_month": "decrease",
                          "complaints_per_1000_hours": "decrease", "feedback_score": "increase"}
    assert all(m.label and m.description and m.unit for m in catalogue.values())


def test_audit_compliance_series_follows_the_compliance_rule(store):
    insert(store, "audits", [audit(month(0), c) for c in ("met", "partial", "not_met", "na")]
           + [audit(month(1), "met"), audit(month(1), "met", audit_type="Infection control"),
              audit(month(1), "not_met", team="Birch")])
    series = metric_series(store, Scope(), "audit_compliance", SERVICE, settings=SETTINGS)
    assert series["month"].tolist() == [month(0), month(1)]
    assert series["value"].tolist() == pytest.approx([0.5, 2 / 3])
    assert series["denominator"].tolist() == [3, 3]
    strict = {**SETTINGS, "partial_credit": 0.0}
    assert metric_series(store, Scope(), "audit_compliance", SERVICE, settings=strict)["value"].iloc[0] == \
        pytest.approx(1 / 3)
    ash_mar = metric_series(store, Scope(), "audit_compliance", SERVICE, team="Ash", audit_type="Medication",
                            settings=SETTINGS)
    assert ash_mar["value"].tolist() == pytest.approx([0.5, 1.0])


def test_partial_credit_comes_from_the_store_when_no_settings_are_given(store):
    insert(store, "audits", [audit(month(0), "partial"), audit(month(0), "met")])
    save_setting(store, "partial_credit", 0.0)
    assert metric_series(store, Scope(), "audit_compliance", SERVICE)["value"].tolist() == [0.5]


def test_rota_measures_by_team_and_shift(store):
    insert(store, "rota", [rota(month(0), "Ash", "Night", planned=10, actual=8, agency=4, handover=False),
                           rota(month(0), "Ash", "Early", planned=10, actual=10, agency=0, handover=True),
                           rota(month(0), "Birch", "Night", planned=20, actual=20, agency=0, handover=None)])
    assert metric_series(store, Scope(), "rota_fill_rate", SERVICE, settings=SETTINGS)["value"].tolist() == \
        pytest.approx([38 / 40])
    agency = metric_series(store, Scope(), "agency_share", SERVICE, team="Ash", shift="Night", settings=SETTINGS)
    assert agency["value"].tolist() == pytest.approx([0.5]) and agency["denominator"].tolist() == [8]
    handover = metric_series(store, Scope(), "handover_completion", SERVICE, settings=SETTINGS)
    assert handover["value"].tolist() == [0.5] and handover["denominator"].tolist() == [2]  # unrecorded left out


def test_complaints_count_every_full_month_including_quiet_ones(store):
    insert(store, "complaints", [complaint(date(2025, 1, 5)), complaint(date(2025, 1, 9)),
                                 complaint(date(2025, 3, 2)), complaint(date(2025, 4, 3))])
    as_of_mid_april = Scope(as_of=date(2025, 4, 15))
    series = metric_series(store, as_of_mid_april, "complaints_per_month", SERVICE, settings=SETTINGS)
    assert series["month"].tolist() == [month(0), month(1), month(2)]  # April is not over yet
    assert series["value"].tolist() == [2, 0, 1]


def test_complaints_per_thousand_planned_hours(store):
    insert(store, "complaints", [complaint(date(2025, 1, 5)), complaint(date(2025, 1, 9))])
    insert(store, "rota", [rota(month(0), "Ash", "Early", planned=400), rota(month(1), "Ash", "Early", planned=500)])
    series = metric_series(store, Scope(), "complaints_per_1000_hours", SERVICE, settings=SETTINGS)
    assert series["value"].tolist() == pytest.approx([5.0, 0.0])
    assert series["denominator"].tolist() == pytest.approx([0.4, 0.5])  # thousands of planned hours


def test_feedback_mean_score_leaves_out_dont_know(store):
    insert(store, "feedback", [feedback(month(0), 1.0), feedback(month(0), 0.5), feedback(month(0), None)])
    series = metric_series(store, Scope(), "feedback_score", SERVICE, settings=SETTINGS)
    assert series["value"].tolist() == [0.75] and series["denominator"].tolist() == [2]


def test_unknown_metric_is_refused(store):
    with pytest.raises(ValueError, match="unknown metric"):
        metric_series(store, Scope(), "falls", SERVICE, settings=SETTINGS)


def test_spc_chart_judges_each_measure_in_its_own_direction(store):
    rng = np.random.default_rng(3)
    shares = list(0.05 + rng.uniform(-0.01, 0.01, 17)) + [0.4]
    insert(store, "rota", [rota(month(i), "Ash", "Night", planned=100, actual=100 - i % 3, agency=100 * share)
                           for i, share in enumerate(shares)])
    chart = spc_chart(store, Scope(), SETTINGS, "agency_share", SERVICE, team="Ash")
    assert len(chart.points) == 18
    assert chart.latest_variation == "special_cause_concern"  # more agency is worse
    fill = spc_chart(store, Scope(), SETTINGS, "rota_fill_rate", SERVICE, target=0.95)
    assert fill.assurance == "consistent_pass"
    with pytest.raises(ValueError, match="no feedback mean score data"):
        spc_chart(store, Scope(), SETTINGS, "feedback_score", SERVICE)


# --- which signals become findings ---------------------------------------------------------------


def noisy_rota(months: int, agency: dict[tuple[str, str], list[float]] | None = None, seed: int = 11,
               days: int = 10) -> list[dict]:
    """`days` rota rows per team, shift and month at ~5% agency, unless `agency` gives a team and shift its own
    shares."""
    rng = np.random.default_rng(seed)
    rows = []
    for index in range(months):
        for team in TEAMS:
            for shift in SHIFTS:
                level = (agency or {}).get((team, shift), [0.05] * months)[index]
                rows += [rota(month(index) + timedelta(days=day), team, shift, planned=10, actual=10,
                              agency=10 * max(level + rng.uniform(-0.03, 0.03), 0.0)) for day in range(days)]
    return rows


def test_agency_rising_on_one_teams_nights_is_found_there_and_only_there(store):
    insert(store, "rota", noisy_rota(18, {("Hazel", "Night"): [0.05] * 10 + [0.4] * 8}))
    [finding] = signal_findings(store, Scope(), SETTINGS)
    assert (finding.kind, finding.status) == ("special_cause", "concern")
    assert (finding.service, finding.team, finding.shift) == (SERVICE, "Hazel", "Night")
    assert finding.subject == "Agency share of hours"
    assert (finding.key_question, finding.quality_statement) == ("Safe", "Safe and effective staffing")
    assert finding.period_start == month(10) and finding.period_end == date(2026, 6, 30)
    assert "Hazel night shifts" in finding.summary and "8 months in a row" in finding.summary
    assert "has shifted since Nov 2025" in finding.summary and "Jun 2026" in finding.summary
    [evidence] = finding.evidence
    assert "Start new limits at Nov 2025 once the cause is understood" in evidence.detail
    assert "team Hazel" in evidence.rows and "shift Night" in evidence.rows
    assert "mean" in evidence.detail and "process limits" in evidence.detail and "above the mean" in evidence.detail
    assert evidence.value == pytest.approx(0.4, abs=0.03)


def test_a_change_every_team_shares_is_reported_once_for_the_service(store):
    insert(store, "audits", audits_at([0.7] * 8 + [0.95] * 10))
    [finding] = signal_findings(store, Scope(), SETTINGS)
    assert (finding.team, finding.status) == (None, "improving")
    assert finding.subject == "Audit compliance: Medication"  # the only audit type, named


def test_one_shift_far_beyond_a_change_every_team_shares_keeps_its_own_finding(store):
    """Every team's every shift up from 5% to 25% agency in the last month, and Hazel's nights to 45%: the service's
    change told once, and Hazel's nights beside it, not Hazel or nights as a whole."""
    levels = {(team, shift): [0.05] * 17 + [0.45 if (team, shift) == ("Hazel", "Night") else 0.25]
              for team in TEAMS for shift in SHIFTS}
    insert(store, "rota", noisy_rota(18, levels, days=25))
    found = {(f.team, f.shift) for f in signal_findings(store, Scope(), SETTINGS)}
    assert found == {(None, None), ("Hazel", "Night")}


@pytest.mark.parametrize(("own", "others", "width", "kept"), [
    (0.34, [0.19, 0.18, 0.20], 0.03, True),     # one late shift's 41% beside every other unit's 26%
    (0.23, [0.19, 0.18, 0.20], 0.013, False),   # a team a little above the rest: carried by its worst shift
    (0.34, [0.19], 0.20, False),                # further, but within its own noisy limits
    (0.27, [0.19, 0.18, 0.20], 0.03, False),    # further by less than half the others' move
    (-0.30, [-0.15, -0.14], 0.05, True),        # a fall, further than the others' fall
    (0.30, [-0.10, -0.12], 0.03, False),        # the other way from the others
    (None, [0.19], 0.03, False),
    (0.30, [None, None], 0.03, False),
    (0.30, [0.19], float("nan"), False),        # no limits (a constant series)
])
def test_a_part_beyond_the_rest(own, others, width, kept):
    judged = SimpleNamespace(mean=0.05, upper=0.05 + width, lower=0.05 - width)
    assert _beyond_the_rest(judged, own, others) is kept


def test_a_short_series_is_not_judged(store):
    insert(store, "rota", noisy_rota(10, {("Hazel", "Night"): [0.05] * 6 + [0.6] * 4}))
    assert signal_findings(store, Scope(), SETTINGS) == []


def test_one_bad_month_in_the_past_is_not_a_current_signal(store):
    """Left in the mean, the one-off would put every later month below it: a false run of improvement."""
    insert(store, "rota", noisy_rota(18, {("Hazel", "Night"): [0.05] * 9 + [0.6] + [0.05] * 8}))
    chart = spc_chart(store, Scope(), SETTINGS, "agency_share", SERVICE, team="Hazel", shift="Night")
    assert chart.latest_variation == "special_cause_improvement"  # XmR alone flags the latest month
    assert signal_findings(store, Scope(), SETTINGS) == []


@pytest.mark.parametrize("days, status", [(25, "concern"), (10, "not_enough_evidence")])
def test_a_bad_latest_month_is_a_signal_limited_evidence_on_few_shifts(store, days, status):
    insert(store, "rota", noisy_rota(18, {("Hazel", "Night"): [0.05] * 17 + [0.6]}, days=days))
    [finding] = signal_findings(store, Scope(), SETTINGS)
    assert (finding.team, finding.shift, finding.status) == ("Hazel", "Night", status)
    if days == 10:  # the minimum is 20 shifts
        assert finding.summary.startswith("Limited evidence (10 shifts in the signal's months, fewer than 20)")
    assert "outside its usual range" in finding.summary
    assert finding.period_start == month(17)


def test_a_one_answer_wobble_in_a_steady_audit_is_not_a_signal(store):
    """13 of 14 met every month gives XmR limits narrower than one answer; 12 of 14 is chance, not a change. The
    chart draws the limits the judgement uses, so it does not mark the month either."""
    rows = []
    for index in range(18):
        met = 12 if index == 17 else 13
        rows += [audit(month(index), "met" if i < met else "not_met") for i in range(14)]
    insert(store, "audits", rows)
    chart = spc_chart(store, Scope(), SETTINGS, "audit_compliance", SERVICE)
    last = chart.points.iloc[-1]
    assert last["special_cause_type"] == "" and last["lower_limit"] < 12 / 14
    assert signal_findings(store, Scope(), SETTINGS) == []
    plain = xmr(chart.points["value"].tolist(), chart.points["date"].tolist())
    assert plain.points["special_cause_type"].iloc[-1] == "below_lower_limit"  # XmR alone would flag it


def handovers(missed: list[int], days: int = 30) -> list[dict]:
    """Ash's night shifts, one a day for `days` days a month, all handed over but `missed[i]` in month i."""
    return [rota(month(index) + timedelta(days=day), "Ash", "Night", handover=day >= gone)
            for index, gone in enumerate(missed) for day in range(days)]


@pytest.mark.parametrize("missed, signal", [
    ([0] * 20 + [1, 1, 2, 1], False),            # near 100%, most months exactly: one or two missed in thirty
    ([0, 1] * 10 + [3], False),                  # 27 of 30 against 29.5: counting chance
    ([0, 1] * 10 + [9], True),                   # 21 of 30: beyond what counting gives
    ([0] * 17 + [1] + [0] * 5 + [6, 7], True),   # two months at 80% after two years at 100%
    ([0] * 22 + [1, 12, 3], True),               # 60%, then 90%: two of the last three beyond two thirds of the way
    # Seven months in a row below the mean, 17 missed against 7 at the earlier rate: a run's months are chosen by
    # the data, so it must clear 3 standard errors, as a point beyond a limit does, not the 2.4 of its own chance.
    ([1] * 17 + [3, 2, 2, 3, 2, 2, 3], False),
    ([1] * 17 + [3] * 7, True),                  # 21 missed against 7: a shift
])
def test_a_share_near_100_percent_is_judged_against_counting_chance(store, missed, signal):
    """With most months at exactly 100% the moving ranges are nought and XmR's limits close in on the mean; the
    limits are never narrower than a p-chart's on the month's shifts."""
    insert(store, "rota", handovers(missed))
    found = [f for f in signal_findings(store, Scope(), SETTINGS) if "andover" in f.subject]
    assert bool(found) == signal, [f.summary for f in found]
    if signal:
        assert all(f.status == "concern" for f in found)


def test_the_chart_draws_the_limits_the_finding_names(store):
    """Near 100% the limits are counting's, wider than XmR's, on the chart as in the finding's words."""
    insert(store, "rota", handovers([0] * 20 + [1] * 3 + [8]))
    [found] = [f for f in signal_findings(store, Scope(), SETTINGS) if "andover" in f.subject]
    chart = spc_chart(store, Scope(), SETTINGS, "handover_completion", SERVICE, found.team, found.shift)
    last = chart.points.iloc[-1]
    assert last["special_cause_type"] == "below_lower_limit" and last["lower_limit"] < 0.95
    assert (f"outside its usual range of {percent(last['lower_limit'])} to {percent(min(last['upper_limit'], 1))}"
            in found.summary), found.summary


def test_two_of_three_says_when_one_of_them_was_beyond_the_limit(store):
    insert(store, "rota", handovers([0] * 22 + [1, 12, 3]))
    [found] = [f for f in signal_findings(store, Scope(), SETTINGS) if "andover" in f.subject]
    assert "has been close to or beyond its lower limit in 2 of the last 3 months, at 90% in " in found.summary


def test_a_complaints_spike_on_one_team_without_rota_hours_is_counted_per_month(store):
    quiet = [complaint(month(i) + timedelta(days=3), team) for i in range(0, 18, 3) for team in TEAMS]
    spike = [complaint(month(17) + timedelta(days=d), "Birch") for d in range(5, 11)]
    insert(store, "complaints", quiet + spike)
    assert signal_findings(store, Scope(), SETTINGS) == []  # the data ends on 10 June: June is not over
    [finding] = signal_findings(store, Scope(as_of=date(2026, 6, 30)), SETTINGS)
    assert (finding.team, finding.status, finding.subject) == ("Birch", "concern", "Complaints per month")
    assert "6 in Jun 2026" in finding.summary


@pytest.mark.parametrize(("values", "beyond", "expected"), [
    ([0, 0, 5, 2], [0, 0, 1, 0], ("held_above_limit", 2)),     # beyond, then above the mean since
    ([0, 5, 3, 3], [0, 1, 0, 0], ("held_above_limit", 3)),     # three months back is still recent
    ([5, 2, 1, 1], [1, 0, 0, 0], ("", 0)),                     # four months back is not
    ([0, 0, 5, 0], [0, 0, 1, 0], ("", 0)),                     # back to the usual level
    ([0, 0, 5, 1.25], [0, 0, 1, 0], ("", 0)),                  # on the mean is not above it
    ([3, 3, 0, 1], [0, 0, 1, 0], ("held_below_limit", 2)),     # and the same below
    ([0, 0, 0, 5], [0, 0, 0, 1], ("", 0)),                     # the latest beyond is its own rule
])
def test_a_point_beyond_a_limit_held_since(values, beyond, expected):
    values = np.array(values, dtype=float)
    assert signal_judging._held(np.array(beyond, dtype=bool), values, values.mean(), 3) == expected


def test_a_complaints_spike_still_above_the_mean_is_a_signal(store):
    """Five complaints after 18 quiet months, then two: the latest month alone is within its limits, but the process
    has not come back; a person reading the chart sees a change."""
    quiet = [complaint(month(i) + timedelta(days=3), team) for i in range(0, 20, 3) for team in ("Ash", "Hazel")]
    spike = [complaint(month(18) + timedelta(days=d), "Birch") for d in range(5, 10)]
    spike += [complaint(month(19) + timedelta(days=d), "Birch") for d in range(5, 7)]
    insert(store, "complaints", quiet + spike)
    [finding] = signal_findings(store, Scope(as_of=date(2026, 8, 31)), SETTINGS)
    assert (finding.team, finding.status, finding.subject) == ("Birch", "concern", "Complaints per month")
    assert "went above its upper limit in Jul 2026 (5) and has stayed above its average of " in finding.summary
    assert finding.period_start == month(18)
    # Two months are too few to say a new level has held (`spc_counts.count_shift`): without the held rule, nothing.
    save_setting(store, "thresholds", {**SETTINGS["thresholds"], "spc_recent_limit_months": 1})
    assert signal_findings(store, Scope(as_of=date(2026, 8, 31)), load_settings(store)) == []


def test_complaints_are_charted_for_counts_not_xmr(store):
    """0 to 3 complaints a month: XmR marks the 7 quiet months a run below the mean; with a mean of 0.67 a month,
    half of all months have none, so the c-chart marks nothing."""
    counts = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 3, 0, 1, 2, 0, 1]
    assert (xmr(counts, [month(i) for i in range(18)]).points["special_cause_type"] != "").sum() >= 7
    insert(store, "complaints", [complaint(month(i) + timedelta(days=d + 1)) for i, c in enumerate(counts)
                                 for d in range(c)])
    as_of = Scope(as_of=date(2026, 6, 30))
    chart = spc_chart(store, as_of, SETTINGS, "complaints_per_month", SERVICE)
    mean = sum(counts) / 18
    assert chart.points["upper_limit"].iloc[0] == pytest.approx(mean + 3 * mean ** 0.5)
    assert chart.points["lower_limit"].iloc[0] == 0
    assert (chart.points["special_cause_type"] != "").sum() == 0
    assert signal_findings(store, as_of, SETTINGS) == []


def test_a_sustained_rise_in_complaints_with_quiet_months_inside_it_is_a_signal(store):
    """2 complaints in 13 months, then 17 in 11 with months of none between: no point beyond a limit at the end and
    never 7 months in a row above the mean, yet a person reading the log sees the unit change in April 2026. The
    count's own test says so, on the chart as in the finding, and offers new limits there."""
    counts = [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 2, 0, 2, 0, 2, 2, 3, 3, 2]
    insert(store, "complaints", [complaint(month(i) + timedelta(days=d + 1), "Birch") for i, c in enumerate(counts)
                                 for d in range(c)])
    as_of = Scope(as_of=date(2026, 12, 31))
    [finding] = signal_findings(store, as_of, SETTINGS)
    assert (finding.team, finding.status, finding.period_start) == ("Birch", "concern", date(2026, 4, 1))
    assert ("has shifted since Apr 2026: 0.2 on average before, 1.8 since (9 months), at 2 in Dec 2026"
            in finding.summary)
    assert "a sustained rise in the rate" in finding.evidence[0].detail
    chart = spc_chart(store, as_of, SETTINGS, "complaints_per_month", SERVICE, "Birch")
    assert chart.latest_variation == "special_cause_concern" and chart.step_change.month == date(2026, 4, 1)


def test_a_count_beyond_its_limit_at_the_end_of_a_shift_is_told_as_the_shift(store):
    """1 complaint in 13 months, then 2, 1, 2, 3 and 6: the latest month is above the limit, and the chart shows the
    shift since February; the finding tells the shift too, over its months, naming the point that ends it."""
    counts = [0, 0, 1] + [0] * 10 + [2, 1, 2, 3, 6]
    insert(store, "complaints", [complaint(month(i) + timedelta(days=d + 1), "Birch") for i, c in enumerate(counts)
                                 for d in range(c)])
    as_of = Scope(as_of=date(2026, 6, 30))
    [finding] = signal_findings(store, as_of, SETTINGS)
    assert (finding.status, finding.period_start) == ("concern", date(2026, 2, 1))
    told = "has shifted since Feb 2026: 0.1 on average before, 2.8 since (5 months), at 6 in Jun 2026"
    assert told in finding.summary
    assert ("rule: a point above the upper process limit in Jun 2026, the latest month of a sustained rise in the "
            "rate" in finding.evidence[0].detail)
    assert "14 complaints in those months" in finding.evidence[0].detail


def test_a_complaint_rate_spike_is_judged_per_month_of_planned_hours(store):
    """Two complaints after months of none: the u-chart's limits are not '0.0 to 0.0', and 2 is within chance."""
    insert(store, "rota", [rota(month(i) + timedelta(days=d), "Ash", "Early", planned=100) for i in range(18)
                           for d in range(20)])
    insert(store, "complaints", [complaint(month(3)), complaint(month(17) + timedelta(days=2)),
                                 complaint(month(17) + timedelta(days=5))])
    as_of = Scope(as_of=date(2026, 6, 30))
    chart = spc_chart(store, as_of, SETTINGS, "complaints_per_1000_hours", SERVICE)
    assert chart.points["upper_limit"].iloc[-1] > 0.5
    assert signal_findings(store, as_of, SETTINGS) == []


def test_falling_agency_use_is_an_improvement(store):
    insert(store, "rota", noisy_rota(18, {(team, shift): [0.3] * 9 + [0.05] * 9 for team in TEAMS for shift in SHIFTS}))
    [finding] = signal_findings(store, Scope(), SETTINGS)
    assert (finding.team, finding.shift, finding.status) == (None, None, "improving")


def test_measure_icons_give_a_table_its_columns(store):
    insert(store, "rota", noisy_rota(18, {("Hazel", "Night"): [0.05] * 10 + [0.4] * 8}))
    icons = measure_icons(store, Scope(), SETTINGS, "agency_share", SERVICE, team="Hazel", shift="Night", target=0.2)
    assert (icons["variation"], icons["assurance"]) == ("concern_high", "consistent_fail")
    assert icons["shift"] == "A shift since November 2025. Start new limits at Nov 2025 once the cause is understood."
    assert measure_icons(store, Scope(), SETTINGS, "feedback_score", SERVICE)["variation"] == "none"  # no data


def test_an_empty_store_has_no_signals(store):
    assert signal_findings(store, Scope(), SETTINGS) == []


# --- the demo data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_findings(demo_con: duckdb.DuckDBPyConnection) -> list:
    return signal_findings(demo_con, Scope(), SETTINGS)


def test_demo_willow_nights_agency_and_handovers_are_located(demo_findings):
    willow_nights = {f.subject: f for f in demo_findings if (f.team, f.shift) == ("Willow Unit", "Night")}
    assert willow_nights["Agency share of hours"].status == "concern"
    assert willow_nights["Handover completion"].status == "concern"
    # Reported where it lives, not again for Willow Unit as a whole, night shifts or Oakwood House.
    agency = [f for f in demo_findings if f.subject == "Agency share of hours"]
    assert [(f.team, f.shift) for f in agency] == [("Willow Unit", "Night")]


def test_demo_clean_teams_raise_no_concern(demo_findings):
    assert not [f for f in demo_findings if f.team in ("Cedar Unit", "North Team") and f.status == "concern"]


def test_demo_town_team_complaints_and_medication_improvement(demo_findings):
    town = [f for f in demo_findings if f.team == "Town Team" and f.subject.startswith("Complaints")]
    assert [f.status for f in town] == ["concern"]
    medication = [f for f in demo_findings if f.subject == "Audit compliance: Medication (MAR)"]
    assert [(f.service, f.team, f.status) for f in medication] == [("Oakwood House", None, "improving")]
