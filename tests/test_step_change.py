"""A sustained shift: found, suggested as a new start for the limits, and read as one change until rebased."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from analytics.spc import SPCOptions, xmr
from analytics.spc_counts import c_chart
from analytics.step_change import read_shift, step_change


def months(n: int) -> list[date]:
    return [date(2025 + i // 12, i % 12 + 1, 1) for i in range(n)]


WOBBLE = [0.01, -0.01, 0.005, 0.0, -0.005, 0.01, -0.01, 0.005, 0.0, -0.005, 0.01, -0.01]


@pytest.mark.parametrize("values, month, before, after", [
    ([0.03 + w for w in WOBBLE[:10]] + [0.38 + w for w in WOBBLE[:8]], date(2025, 11, 1), 0.03, 0.38),
    ([0.9 + w for w in WOBBLE] + [0.7 + w for w in WOBBLE[:7]], date(2026, 1, 1), 0.9, 0.7),   # a step down
    ([1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4], date(2025, 7, 1), 1.0, 4.0),                      # two flat levels
])
def test_a_sustained_shift_is_found_at_its_first_month(values, month, before, after):
    found = step_change(values, months(len(values)))
    assert found is not None and found.month == month
    assert (found.mean_before, found.mean_after) == pytest.approx((before, after), abs=0.005)
    assert found.suggestion() == f"Start new limits at {month:%b %Y} once the cause is understood"


@pytest.mark.parametrize("values", [
    [0.5 + w for w in WOBBLE + WOBBLE[:6]],                  # common cause only
    [0.03] * 10 + [0.38] * 6,                                # 6 months since: not yet sustained
    [0.03, 0.03] + [0.38] * 10,                              # too few months of the old level to say what it was
    [0.5] * 18,                                              # never varies
    [0.5, 0.52, 0.49, 0.51, 0.5, 0.48, 0.52, 0.51, 0.53, 0.5, 0.52, 0.51, 0.52, 0.53],  # a run, but within chance
])
def test_no_shift(values):
    assert step_change(values, months(len(values))) is None


def test_a_missing_month_ends_the_run():
    values = [0.03] * 10 + [0.38] * 3 + [np.nan] + [0.38] * 6
    assert step_change(values, months(len(values))) is None


WILLOW = [0.03 + w for w in WOBBLE[:10]] + [0.38 + w for w in WOBBLE[:8]]  # agency share, lower is better


def test_months_before_the_shift_are_not_special_cause_improvement():
    chart = xmr(WILLOW, months(18), SPCOptions(improvement_direction="decrease", target=0.2))
    assert (chart.points["point_type"].iloc[:10] == "special_cause_improvement").all()  # the reference's reading
    assert chart.assurance == "inconsistent"
    read = read_shift(chart, 0.2, "decrease")
    assert read.step_change is not None and read.step_change.month == date(2025, 11, 1)
    assert (read.points["point_type"].iloc[:10] == "common_cause").all()
    assert (read.points["point_type"].iloc[10:] == "special_cause_concern").all()
    assert read.assurance == "consistent_fail"          # every month since the shift fails the 20% target
    assert read.points["lower_limit"].tolist() == chart.points["lower_limit"].tolist()  # never rebased silently
    assert read.latest_variation == "special_cause_concern"


def test_a_person_who_rebased_at_the_shift_gets_two_periods_and_no_suggestion():
    chart = xmr(WILLOW, months(18), SPCOptions(improvement_direction="decrease", target=0.2,
                                               rebase=(date(2025, 11, 1),)))
    read = read_shift(chart, 0.2, "decrease")
    assert read.step_change is None and read is chart


def test_without_a_shift_the_chart_is_unchanged():
    chart = xmr([0.5 + w for w in WOBBLE + WOBBLE], months(24), SPCOptions(target=0.4))
    assert read_shift(chart, 0.4, "increase") is chart


def test_a_step_in_complaint_counts_is_read_the_same_way():
    chart = c_chart([1] * 12 + [3, 3, 4, 3, 3, 4, 3, 4, 3], months(21))
    read = read_shift(chart, None, "decrease")
    assert read.step_change is not None and read.step_change.month == date(2026, 1, 1)
    assert set(read.points["point_type"].iloc[:12]) == {"common_cause"}
    assert set(read.points["point_type"].iloc[12:]) == {"special_cause_concern"}


def test_a_shift_in_a_count_with_quiet_months_inside_it_is_marked_and_suggested():
    """No run of 7 (the quiet months break it), yet 17 complaints in 11 months after 2 in 13: the count's own
    test finds the shift, marks the months since as part of it and offers a new start there."""
    counts = [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 2, 0, 2, 0, 2, 2, 3, 3, 2]
    chart = c_chart(counts, months(len(counts)))
    assert step_change(counts, months(len(counts))) is None and chart.latest_variation == "common_cause"
    read = read_shift(chart, None, "decrease")
    shift = read.step_change
    assert shift is not None and shift.month == date(2026, 4, 1) and not shift.in_a_row
    assert (shift.months_before, shift.months_after) == (15, 9)
    # each month since is part of the shift, but where another rule names it (two of three near the limit)
    assert read.points["special_cause_type"].iloc[15:].tolist() == ["shift_above"] * 6 + ["two_in_three_above"] * 2 \
        + ["shift_above"]
    assert set(read.points["point_type"].iloc[15:]) == {"special_cause_concern"}
    assert set(read.points["special_cause_type"].iloc[:15]) == {""}
    assert read.latest_variation == "special_cause_concern"


def test_a_count_without_a_shift_is_unchanged():
    chart = c_chart([0, 1, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1, 0, 1], months(14))
    assert read_shift(chart, None, "decrease") is chart
