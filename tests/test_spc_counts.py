"""Charts and a test for counts of rare events: c-chart, u-chart and the exact Poisson comparison."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from analytics.spc import xmr
from analytics.spc_counts import SHIFT_CHANCE, c_chart, count_shift, poisson_compare, run_chance, u_chart


def months(n: int) -> list[date]:
    return [date(2025 + i // 12, i % 12 + 1, 1) for i in range(n)]


@pytest.mark.parametrize("counts, mean, upper, lower", [
    ([2], 2.0, 2 + 3 * math.sqrt(2), 0.0),                      # one month: limits from the Poisson spread alone
    ([1, 3], 2.0, 2 + 3 * math.sqrt(2), 0.0),                   # tiny series
    ([16, 16, 16, 16], 16.0, 28.0, 4.0),                        # a lower limit above 0 once the mean is 9 or more
    ([0, 1, 0, 0, 2, 0], 0.5, 0.5 + 3 * math.sqrt(0.5), 0.0),   # lower limit clipped at 0
])
def test_c_chart_centre_and_limits(counts, mean, upper, lower):
    points = c_chart(counts, months(len(counts))).points
    assert points["mean"].tolist() == pytest.approx([mean] * len(counts))
    assert points["upper_limit"].tolist() == pytest.approx([upper] * len(counts))
    assert points["lower_limit"].tolist() == pytest.approx([lower] * len(counts))


def test_all_zero_months_have_no_limits_and_no_signal():
    chart = c_chart([0] * 18, months(18))
    assert chart.points["upper_limit"].isna().all() and chart.points["lower_limit"].isna().all()
    assert set(chart.points["point_type"]) == {"common_cause"}
    assert chart.latest_variation == "common_cause" and chart.assurance is None


@pytest.mark.parametrize("counts, flagged", [
    ([0, 1, 0, 0, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], []),       # quiet months are not a run
    ([0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 6], [17]),     # one spike
    ([1] * 10 + [3, 3, 4, 3, 3, 4, 3, 4, 3], list(range(10, 19))),     # a sustained rise: a run above, all flagged
    # 7 above a mean of 1.94 is not rare enough: chance puts a month at 2 or more 58% of the time (0.58 ** 7 = 2%)
    ([1] * 10 + [3, 3, 4, 3, 3, 4, 3], []),
])
def test_c_chart_flags(counts, flagged):
    points = c_chart(counts, months(len(counts))).points
    concerns = np.flatnonzero(points["point_type"] == "special_cause_concern").tolist()  # fewer complaints is better
    assert concerns == flagged


def test_c_chart_a_step_up_leaves_the_months_before_it_in_a_run_below_the_mean():
    """As on an XmR chart: telling the shift from improvement is `analytics.step_change`'s job."""
    points = c_chart([1] * 12 + [3, 3, 4, 3, 3, 4, 3, 4, 3], months(21)).points
    assert points["special_cause_type"].tolist() == ["run_below"] * 12 + ["run_above"] * 9


def test_xmr_on_the_same_counts_flags_every_month_where_the_c_chart_flags_none():
    """The case the c-chart is for: 0-1 complaints a month, one month of 2."""
    counts = [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert (xmr(counts, months(18)).points["special_cause_type"] != "").sum() >= 10
    assert (c_chart(counts, months(18)).points["special_cause_type"] != "").sum() == 0


@pytest.mark.parametrize("count, expected, side, chance", [
    ([0] * 7, [0.3] * 7, -1, math.exp(-0.3) ** 7),       # 74% of months are below a mean of 0.3
    ([1] * 7, [0.3] * 7, 1, (1 - math.exp(-0.3)) ** 7),
    ([3], [2.0], 1, 1 - math.exp(-2) * (1 + 2 + 2)),     # above an expected 2 means 3 or more
    ([1], [2.0], -1, math.exp(-2) * 3),                  # below an expected 2 means at most 1
])
def test_run_chance(count, expected, side, chance):
    assert run_chance(np.array(count, float), np.array(expected, float), 1.0, side) == pytest.approx(chance)


def test_u_chart_limits_follow_each_months_exposure():
    counts, hours = [2, 1, 3, 2], [2.0, 1.0, 4.0, 1.0]  # thousands of planned hours
    points = u_chart(counts, hours, months(4)).points
    centre = 8 / 8.0
    assert points["value"].tolist() == pytest.approx([1.0, 1.0, 0.75, 2.0])
    assert points["mean"].tolist() == pytest.approx([centre] * 4)
    assert points["upper_limit"].tolist() == pytest.approx([centre + 3 * math.sqrt(centre / h) for h in hours])


def test_u_chart_a_rising_count_with_rising_hours_is_no_signal_but_a_rising_rate_is():
    hours = [1.0] * 9 + [3.0] * 9            # the service triples its hours
    same_rate = [1, 0, 1, 1, 1, 1, 0, 1, 1] + [3, 3, 3, 4, 3, 3, 4, 3, 3]
    assert (u_chart(same_rate, hours, months(18)).points["special_cause_type"] == "").all()
    assert (c_chart(same_rate, months(18)).points["special_cause_type"] != "").any()  # counts alone mislead
    rising_rate = [1, 0, 1, 1, 2, 1, 0, 1, 2] + [18, 20, 17, 21, 19, 20, 22, 18, 20]  # six times the rate
    chart = u_chart(rising_rate, hours, months(18))
    assert chart.latest_variation == "special_cause_concern"
    assert (chart.points["special_cause_type"].iloc[9:] != "").all()


def test_u_chart_month_without_hours_is_a_gap():
    chart = u_chart([1, 2, 1], [1.0, 0.0, 1.0], months(3))
    assert math.isnan(chart.points["value"].iloc[1]) and chart.points["special_cause_type"].iloc[1] == ""
    assert any("missing" in note for note in chart.warnings)


@pytest.mark.parametrize("recent, recent_exposure, baseline, baseline_exposure, higher, lower", [
    (0, 1, 0, 17, 1.0, 1.0),                                 # nothing ever: no evidence either way
    (3, 1, 0, 17, (1 / 18) ** 3, 1.0),                       # 3 in a month after 17 quiet ones
    (1, 1, 17, 17, 1 - (17 / 18) ** 18, (17 / 18) ** 18 + 18 * (1 / 18) * (17 / 18) ** 17),
    (2, 2, 2, 2, 11 / 16, 11 / 16),                          # the same rate both sides
])
def test_poisson_compare(recent, recent_exposure, baseline, baseline_exposure, higher, lower):
    got = poisson_compare(recent, recent_exposure, baseline, baseline_exposure)
    assert (got.p_higher, got.p_lower) == pytest.approx((higher, lower))


def test_poisson_compare_refuses_no_exposure():
    with pytest.raises(ValueError, match="exposures must be positive"):
        poisson_compare(1, 0, 3, 10)


def test_a_count_chart_rebased_has_a_centre_per_period():
    chart = c_chart([1] * 12 + [3, 3, 4, 3, 3, 4, 3, 4, 3], months(21), rebase=[date(2026, 1, 1)])
    assert chart.points["period"].tolist() == [0] * 12 + [1] * 9
    assert chart.points["mean"].tolist() == pytest.approx([1.0] * 12 + [30 / 9] * 9)
    assert set(chart.points["point_type"]) == {"common_cause"}
    with pytest.raises(ValueError, match="not one of the dates"):
        c_chart([1, 2], months(2), rebase=[date(2030, 1, 1)])


# A unit with 2 complaints in 13 months, then 17 in 11 with quiet months between: never 7 above the mean in a row.
QUIET_THEN_RISING = [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 2, 0, 2, 0, 2, 2, 3, 3, 2]


@pytest.mark.parametrize("counts, start, before, after", [
    (QUIET_THEN_RISING, 15, 3 / 15, 16 / 9),              # the split whose months since differ most
    ([0] * 20 + [2, 2, 1, 1], 20, 0.0, 1.5),              # 6 in 4 months after none in 20
    ([2, 1, 2, 3, 1, 2, 2, 1, 2, 2, 1, 2] + [0] * 8, 12, 1.75, 0.0),   # and a fall
])
def test_a_count_shifts(counts, start, before, after):
    found = count_shift(counts, [1.0] * len(counts))
    assert found is not None and found.start == start and found.chance <= SHIFT_CHANCE
    assert (found.rate_before, found.rate_after) == pytest.approx((before, after))
    assert (found.months_before, found.months_after) == (start, len(counts) - start)


@pytest.mark.parametrize("counts", [
    [0, 1, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1],                 # noise at about half a complaint a month
    [0] * 20 + [1, 1, 0],                                 # 2 in 3 months after none in 20
    [0] * 20 + [0, 0, 7],                                 # one spike is a point, not a shift
    [0] * 20 + [0, 5, 2],                                 # and a level that starts with a quiet month is not one
    QUIET_THEN_RISING[:20] + [0, 0, 0],                   # the rise has come back down in the latest months
    [1, 0, 3],                                            # too few months to say what either level is
    [0] * 12,                                             # nothing counted
])
def test_no_count_shift(counts):
    assert count_shift(counts, [1.0] * len(counts)) is None


def test_a_count_shift_is_in_the_rate_not_the_count():
    """A unit that trebled its hours and its complaints has not shifted; one that kept its hours has."""
    counts = [1, 0, 1, 1, 1, 0, 1, 1, 0, 1] + [4, 3, 4, 4, 3, 4]
    assert count_shift(counts, [1.0] * 10 + [3.0] * 6) is None
    assert count_shift(counts, [1.0] * 16).start == 10
    # a month without hours is left out, not read as a month of none
    assert count_shift(counts[:10] + [np.nan] + counts[10:], [1.0] * 10 + [np.nan] + [1.0] * 6).start == 11
