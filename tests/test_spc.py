"""Tests for analytics.spc, in the style of NHSRplotthedots' own testthat tests.

Where a case comes from the reference (nhs-r-community/NHSRplotthedots, tests/testthat/), its
file is named. The reference's rule functions return the *last* point of each pattern and a
second function spreads the flag over the whole pattern; ours return the spread result, so
those expectations are the reference's two steps applied in turn.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics import spc
from analytics.spc import SPCOptions, SPCResult, xmr

# set.seed(123); rnorm(20): the series of test-ptd_spc_standard.R, test-ptd_spc.R and their snapshots.
REF_Y = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621,
    -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272,
    -0.55584113, 1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip
# as.Date("2020-01-01") + 1:20
REF_DATES = [date(2020, 1, 2) + timedelta(days=i) for i in range(20)]

# A realistic monthly series (falls per 1,000 occupied bed days) with one bad month.
FALLS = [
    5.1, 4.8, 6.2, 5.5, 4.9, 5.8, 6.5, 5.2, 4.4, 5.9, 6.1, 5.0,
    5.6, 4.7, 5.3, 9.8, 5.4, 4.6, 5.7, 6.0, 5.1, 4.9, 5.5, 5.2,
]  # fmt: skip
MONTHS = [date(2023 + (m // 12), m % 12 + 1, 1) for m in range(24)]

# Quiet backgrounds: alternating points whose moving ranges keep the limits wide.
ALT_1 = [1.0, -1.0] * 6
ALT_3 = [3.0, -3.0] * 10


def days(n: int) -> list[date]:
    return [date(2024, 1, 1) + timedelta(days=i) for i in range(n)]


def chart(values: list[float], **options: object) -> SPCResult:
    return xmr(values, days(len(values)), SPCOptions(**options))


def flags(values: list[float], **options: object) -> list[str]:
    return chart(values, **options).points["special_cause_type"].tolist()


def by_hand_limits(values: list[float], screen: bool = True) -> tuple[float, float, float]:
    """Mean and process limits computed directly from the Making Data Count definition."""
    y = np.asarray(values, dtype=float)
    y = y[~np.isnan(y)]
    mr = np.abs(np.diff(np.asarray(values, dtype=float)))
    mr = mr[~np.isnan(mr)]
    if screen:
        mr = mr[mr < 3.267 * mr.mean()]
    return y.mean(), y.mean() - 2.66 * mr.mean(), y.mean() + 2.66 * mr.mean()


# --- rule functions: reference vectors (test-ptd_calculate_point_type.R) ---------------------

B = bool


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        ([], []),
        ([1] * 6, [0] * 6),  # 6 in a row is not a run
        ([1] * 6 + [-1], [0] * 7),
        ([1] * 8 + [-1], [1] * 8 + [0]),  # reference ends c(0,0,0,0,0,0,1,1,0), spread back over 7
        ([-1] * 8 + [1], [1] * 8 + [0]),
        ([1] * 7, [1] * 7),  # exactly 7
        ([1, 1, 1, 0, 1, 1, 1], [0] * 7),  # a point on the mean breaks the run
        ([1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1], [0] * 4 + [1] * 7),
        ([1, 1, 1, math.nan, 1, 1, 1], [0] * 7),  # a missing value breaks it too (R's NA)
        ([1, -1] * 5, [0] * 10),
    ],
)
def test_seven_one_side(side: list[float], expected: list[int]) -> None:
    got = spc._seven_one_side(np.asarray(side, dtype=float))
    assert got.tolist() == [B(e) for e in expected]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        ([1, 2, 3, 4, 5, 6], [0] * 6),  # 6 rising points is not a trend
        ([1, 2, 3, 3, 4, 5, 6], [0] * 7),  # an equal neighbour breaks the trend (c(1:3, 3:6))
        ([1, 2, 3, 4, 5, 6, 7], [1] * 7),
        ([2, 1, 2, 3, 4, 5, 6, 7, 3], [0, 1, 1, 1, 1, 1, 1, 1, 0]),
        ([7, 6, 5, 4, 3, 2, 1], [-1] * 7),
        ([2, 7, 6, 5, 4, 3, 2, 1, 3], [0, -1, -1, -1, -1, -1, -1, -1, 0]),
        ([1, 2, 3, 4, 5, 6, 7, 8], [1] * 8),
        # A peak shared by a rise and a fall belongs to the fall (the step out of it).
        ([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], [1] * 6 + [-1] * 7),
        # The reference labels a point by the step out of it while the next point is in a trend,
        # and a flat step is not a rise: so the top of the rise reads as falling here.
        ([1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1], [1] * 6 + [-1] * 8),
        ([1, 2, 3, math.nan, 5, 6, 7, 8], [0] * 8),
    ],
)
def test_seven_trend(values: list[float], expected: list[int]) -> None:
    assert spc._seven_trend(np.asarray(values, dtype=float)).tolist() == expected


@pytest.mark.parametrize(
    ("close", "side", "expected"),
    [
        ([], [], []),
        ([0, 0, 0], [0, 0, 0], [0, 0, 0]),
        ([1, 0, 1], [1, 1, 1], [1, 0, 1]),  # the point in between is not flagged: it is not beyond
        ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
        ([1, 1, 0], [-1, -1, -1], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 0, 1, 1, 0, 0, 0]),
        ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),  # 2 of 4 is not 2 of 3
        ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
        # Opposite sides of the mean are never flagged, nor is a window touching the mean.
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
        ([1, 1, 0], [1, -1, 1], [0, 0, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
        ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
        ([1, 0, 1], [1, 0, 1], [0, 0, 0]),
    ],
)
def test_two_in_three(close: list[int], side: list[int], expected: list[int]) -> None:
    got = spc._two_in_three(np.asarray(close, dtype=bool), np.asarray(side, dtype=float))
    assert got.tolist() == [B(e) for e in expected]


def test_outside_limits_is_strict() -> None:
    got = spc._outside_limits(np.array([-2.0, -1.0, 0.0, 1.0, 2.0, math.nan]), -1.0, 1.0)
    assert got.tolist() == [True, False, False, False, True, False]


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        # the reference's four rules each way, and a count's shift (analytics.spc_counts.count_shift)
        ("increase", ["common_cause"] + ["special_cause_improvement"] * 5 + ["special_cause_concern"] * 5),
        ("decrease", ["common_cause"] + ["special_cause_concern"] * 5 + ["special_cause_improvement"] * 5),
        ("neutral", ["common_cause"] + ["special_cause_neutral_high"] * 5 + ["special_cause_neutral_low"] * 5),
    ],
)
def test_point_type(direction: str, expected: list[str]) -> None:
    kinds = np.array(["", *spc._HIGH_TYPES, *spc._LOW_TYPES])
    assert spc._point_type(kinds, direction).tolist() == expected


# test-ptd_calculate_assurance_type.R: limits (1, 3), (5, 7), (1, 5) against a target of 4.
@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
        ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
        ("neutral", [None, None, None]),
    ],
)
def test_assurance(direction: str, expected: list[str | None]) -> None:
    got = [spc._assurance(lower, upper, 4.0, direction) for lower, upper in [(1, 3), (5, 7), (1, 5)]]
    assert got == expected


def test_assurance_is_none_without_target_and_inconsistent_on_a_limit() -> None:
    assert spc._assurance(1.0, 3.0, None, "increase") is None
    assert spc._assurance(1.0, 3.0, 3.0, "increase") == "inconsistent"
    assert spc._assurance(1.0, 3.0, 1.0, "decrease") == "inconsistent"


# --- whole charts against the reference's snapshots -------------------------------------------


def test_reference_series_limits() -> None:
    # _snaps/ptd_spc_standard.md, r1
    points = xmr(REF_Y, REF_DATES).points
    assert points["mean"].iloc[0] == pytest.approx(0.1416238, abs=1e-7)
    assert points["lower_limit"].iloc[0] == pytest.approx(-3.01138, abs=1e-5)
    assert points["upper_limit"].iloc[0] == pytest.approx(3.294627, abs=1e-6)
    assert np.sign(points["value"] - points["mean"]).tolist()[:15] == [
        -1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1,
    ]  # fmt: skip
    # _snaps/ptd_spc.md: all 20 points common cause
    assert set(points["point_type"]) == {"common_cause"}


def test_screening_outliers_on_and_off() -> None:
    # _snaps/ptd_spc_standard.md, r2 (y[15] <- 10) and r3 (screen_outliers = FALSE)
    y = list(REF_Y)
    y[14] = 10.0
    screened = xmr(y, REF_DATES).points
    unscreened = xmr(y, REF_DATES, SPCOptions(screen_outliers=False)).points
    assert screened["mean"].iloc[0] == pytest.approx(0.6694159, abs=1e-7)
    assert screened["lower_limit"].iloc[0] == pytest.approx(-2.383666, abs=1e-6)
    assert screened["upper_limit"].iloc[0] == pytest.approx(3.722497, abs=1e-6)
    assert unscreened["lower_limit"].iloc[0] == pytest.approx(-4.596625, abs=1e-6)
    assert unscreened["upper_limit"].iloc[0] == pytest.approx(5.935457, abs=1e-6)
    # the two jumps around the 10 are the ones screened out
    assert screened.index[~screened["moving_range_used"]].tolist() == [0, 14, 15]
    assert unscreened.index[~unscreened["moving_range_used"]].tolist() == [0]


def test_fix_after_n_points_changes_limits() -> None:
    # test-ptd_spc_standard.R: "setting fix_after_n_points changes the calculations"
    free = xmr(REF_Y, REF_DATES).points
    fixed = xmr(REF_Y, REF_DATES, SPCOptions(fix_after_n_points=12)).points
    mean, lower, upper = by_hand_limits(REF_Y[:12])
    assert fixed["lower_limit"].iloc[0] != free["lower_limit"].iloc[0]
    assert fixed["mean"].iloc[0] == pytest.approx(mean)
    assert fixed["lower_limit"].iloc[0] == pytest.approx(lower)
    assert fixed["upper_limit"].iloc[0] == pytest.approx(upper)
    assert fixed["moving_range_used"].tolist() == [False] + [True] * 11 + [False] * 8


def test_rebase_gives_each_period_its_own_limits() -> None:
    # _snaps/ptd_spc.md: the same series split 10 / 10 (there by facet) gives these limits.
    result = xmr(REF_Y, REF_DATES, SPCOptions(rebase=(date(2020, 1, 12),)))
    points = result.points
    assert points["period"].tolist() == [0] * 10 + [1] * 10
    first = points.groupby("period")[["mean", "lower_limit", "upper_limit"]].first()
    assert first.loc[0].tolist() == pytest.approx([0.0746, -2.60, 2.75], abs=0.005)
    assert first.loc[1].tolist() == pytest.approx([0.209, -3.28, 3.70], abs=0.005)
    assert first.loc[0].tolist() == pytest.approx(list(by_hand_limits(REF_Y[:10])))
    assert first.loc[1].tolist() == pytest.approx(list(by_hand_limits(REF_Y[10:])))
    # the first moving range of a period does not reach back into the previous one
    assert math.isnan(points["moving_range"].iloc[10])


def test_two_in_three_on_opposite_sides_is_common_cause() -> None:
    # test-ptd_spc_standard.R: symmetrical data with 5.5 then -5.5 at the end
    y = [1.0, -1.0] * 8
    y[14], y[15] = 5.5, -5.5
    points = chart(y).points
    assert (points["value"].iloc[14] > points["upper_two_thirds"].iloc[0]) and (
        points["value"].iloc[15] < points["lower_two_thirds"].iloc[0]
    )
    assert points["point_type"].tolist()[-2:] == ["common_cause", "common_cause"]


# --- each rule through xmr ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected_tail"),
    [
        # upper limit 17.15: 25 is outside
        (ALT_3 + [25.0], ["above_upper_limit"]),
        (ALT_3 + [-25.0], ["below_lower_limit"]),
        # seven 0.5s above a mean of 0.18
        (ALT_1 + [0.5] * 7, ["run_above"] * 7),
        (ALT_1 + [0.5] * 6, [""] * 6),
        # the mean is exactly 0, and the 0 in the middle breaks the run
        (ALT_1 + [0.5, 0.5, 0.5, 0.0, 0.5, 0.5, 0.5, -1.5, -1.5], [""] * 9),
        (ALT_1 + [0.5] * 7 + [-1.5, -1.5], ["run_above"] * 7 + ["", ""]),
        # seven strictly rising / falling points (the background's last point is not part of them)
        ([-1.0, 1.0] * 6 + [-0.9, -0.6, -0.3, 0.0, 0.3, 0.6, 0.9], ["trend_increasing"] * 7),
        ([1.0, -1.0] * 6 + [0.9, 0.6, 0.3, 0.0, -0.3, -0.6, -0.9], ["trend_decreasing"] * 7),
        ([-1.0, 1.0] * 6 + [-0.9, -0.6, -0.3, -0.3, 0.0, 0.3, 0.6, 0.9], [""] * 8),  # a tie
        # two thirds at 14.3, limit 20.7: both 16s flagged, the 3 between them is not
        (ALT_3 + [16.0, 3.0, 16.0], ["two_in_three_above", "", "two_in_three_above"]),
        # two thirds at 5.31: 2 of 3 beyond it on the same side
        ([1.0, -1.0] * 7 + [5.5, 1.0, 5.5], ["two_in_three_above", "", "two_in_three_above"]),
        # a point beyond the limits does not count towards 2 of 3 (reference issue #153):
        # 16 is beyond two thirds (14.5) but the 25 before it is outside, not "close"
        (ALT_3 + [25.0, 3.0, 16.0], ["above_upper_limit", "", ""]),
    ],
)
def test_rules_through_xmr(values: list[float], expected_tail: list[str]) -> None:
    got = flags(values)
    n = len(expected_tail)
    assert got[-n:] == expected_tail
    assert got[:-n] == [""] * (len(values) - n)


def test_a_point_on_the_limit_is_not_outside() -> None:
    # Limits fixed on ±1 alternating points: mean 0, mean moving range 2, upper limit exactly 5.32.
    just_above = float(np.nextafter(5.32, 10.0))
    points = chart(ALT_1 + [5.32, -1.0, just_above, -1.0], fix_after_n_points=12).points
    assert points["upper_limit"].iloc[-1] == 5.32
    assert points["special_cause_type"].tolist()[12:] == ["", "", "above_upper_limit", ""]


def test_rules_do_not_cross_a_rebase() -> None:
    # Seven 0.5s in a row straddle the rebase: 4 before, 3 after.
    values = ALT_1 + [0.5] * 7 + [-1.0, 1.0] * 6
    d = days(len(values))
    assert flags(values)[12:19] == ["run_above"] * 7
    rebased = xmr(values, d, SPCOptions(rebase=(d[16],))).points
    assert rebased["period"].tolist() == [0] * 16 + [1] * 15
    assert set(rebased["special_cause_type"]) == {""}


def test_fixed_limits_judge_later_points_against_the_baseline() -> None:
    values = ALT_1 + [3.0] * 12
    free = chart(values).points
    fixed = chart(values, fix_after_n_points=12).points
    # recomputed with all points, the mean of 1.5 splits the chart into two runs
    assert free["special_cause_type"].tolist()[12:] == ["run_above"] * 12
    assert "run_below" in free["special_cause_type"].tolist()[:12]
    # fixed on the first 12, the mean stays 0 and only the shift is flagged
    assert fixed["mean"].iloc[-1] == 0.0
    assert fixed["upper_limit"].iloc[-1] == pytest.approx(5.32)
    assert fixed["special_cause_type"].tolist() == [""] * 12 + ["run_above"] * 12


@pytest.mark.parametrize(
    ("direction", "spike", "expected"),
    [
        ("increase", 25.0, "special_cause_improvement"),
        ("increase", -25.0, "special_cause_concern"),
        ("decrease", 25.0, "special_cause_concern"),
        ("decrease", -25.0, "special_cause_improvement"),
        ("neutral", 25.0, "special_cause_neutral_high"),
        ("neutral", -25.0, "special_cause_neutral_low"),
    ],
)
def test_direction_decides_improvement_or_concern(direction: str, spike: float, expected: str) -> None:
    result = chart(ALT_3 + [spike], improvement_direction=direction)
    assert result.points["point_type"].tolist() == ["common_cause"] * 20 + [expected]
    assert result.latest_variation == expected


def test_trend_point_type_follows_direction() -> None:
    rising = [-1.0, 1.0] * 6 + [-0.9, -0.6, -0.3, 0.0, 0.3, 0.6, 0.9]
    assert chart(rising, improvement_direction="decrease").points["point_type"].tolist()[-7:] == [
        "special_cause_concern"
    ] * 7


# --- assurance ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "target", "expected"),
    [
        # reference series limits are -3.01 to 3.29
        ("increase", 5.0, "consistent_fail"),
        ("increase", -5.0, "consistent_pass"),
        ("increase", 0.5, "inconsistent"),
        ("decrease", 5.0, "consistent_pass"),
        ("decrease", -5.0, "consistent_fail"),
        ("decrease", 0.5, "inconsistent"),
        ("neutral", 5.0, None),
        ("increase", None, None),
    ],
)
def test_assurance_through_xmr(direction: str, target: float | None, expected: str | None) -> None:
    result = xmr(REF_Y, REF_DATES, SPCOptions(improvement_direction=direction, target=target))
    assert result.assurance == expected


def test_assurance_uses_the_latest_period() -> None:
    # reference issue #172: the assurance icon must follow the rebased limits
    values = [1.0, -1.0] * 6 + [11.0, 9.0] * 6
    d = days(24)
    assert xmr(values, d, SPCOptions(target=3.0)).assurance == "inconsistent"
    assert xmr(values, d, SPCOptions(target=3.0, rebase=(d[12],))).assurance == "consistent_pass"


# --- short series -------------------------------------------------------------------------------


def test_eleven_points_are_too_short() -> None:
    result = xmr(FALLS[:11], MONTHS[:11])
    assert result.too_short is True
    assert result.points["short_period"].all()
    assert len(result.warnings) == 1
    assert "only 11 points" in result.warnings[0] and "trial limits" in result.warnings[0]


def test_twelve_points_are_enough() -> None:
    result = xmr(FALLS[:12], MONTHS[:12])
    assert result.too_short is False
    assert not result.points["short_period"].any()
    assert result.warnings == ()


def test_too_short_refers_to_the_latest_period() -> None:
    result = xmr(FALLS, MONTHS, SPCOptions(rebase=(MONTHS[14],)))
    assert result.too_short is True  # 10 points since the rebase
    assert result.points["short_period"].tolist() == [False] * 14 + [True] * 10
    assert result.warnings == (
        "period 1 (from 2024-03-01) has only 10 points; with fewer than 12 its limits are "
        "trial limits that will move as points are added",
    )


# --- whole-series checks computed by hand ---------------------------------------------------


def test_realistic_series_matches_hand_calculation() -> None:
    y = np.array(FALLS)
    mean = y.mean()
    mr = np.abs(y[1:] - y[:-1])
    kept = mr < 3.267 * mr.mean()
    assert not kept.all()  # the 9.8 month is screened out, so screening matters here
    amr = mr[kept].mean()

    points = xmr(FALLS, MONTHS).points
    assert points["date"].tolist() == [pd.Timestamp(m) for m in MONTHS]
    assert points["value"].tolist() == FALLS
    assert points["mean"].to_numpy() == pytest.approx(np.full(24, mean))
    assert points["lower_limit"].to_numpy() == pytest.approx(np.full(24, mean - 2.66 * amr))
    assert points["upper_limit"].to_numpy() == pytest.approx(np.full(24, mean + 2.66 * amr))
    assert points["lower_two_thirds"].to_numpy() == pytest.approx(np.full(24, mean - 2 / 3 * 2.66 * amr))
    assert points["upper_two_thirds"].to_numpy() == pytest.approx(np.full(24, mean + 2 / 3 * 2.66 * amr))
    assert points["moving_range"].to_numpy()[1:] == pytest.approx(mr)
    assert points["moving_range_used"].tolist() == [False, *kept.tolist()]
    # only the 9.8 month lies beyond the upper limit
    beyond = (y > mean + 2.66 * amr) | (y < mean - 2.66 * amr)
    assert beyond.tolist() == [m == 15 for m in range(24)]
    assert points["special_cause_type"].iloc[15] == "above_upper_limit"
    assert points["point_type"].iloc[15] == "special_cause_improvement"


def test_realistic_series_fixed_after_twelve_matches_hand_calculation() -> None:
    base = np.array(FALLS[:12])
    mean = base.mean()
    mr = np.abs(np.diff(base))
    amr = mr[mr < 3.267 * mr.mean()].mean()
    points = xmr(FALLS, MONTHS, SPCOptions(fix_after_n_points=12, improvement_direction="decrease")).points
    assert points["mean"].iloc[-1] == pytest.approx(mean)
    assert points["upper_limit"].iloc[-1] == pytest.approx(mean + 2.66 * amr)
    assert points["lower_limit"].iloc[-1] == pytest.approx(mean - 2.66 * amr)
    assert points["point_type"].iloc[15] == "special_cause_concern"


def test_order_of_input_does_not_matter() -> None:
    shuffled = list(range(24))[::-1]
    forward = xmr(FALLS, MONTHS).points
    backward = xmr([FALLS[i] for i in shuffled], [MONTHS[i] for i in shuffled]).points
    pd.testing.assert_frame_equal(forward, backward)


def test_dates_as_a_series_of_timestamps() -> None:
    as_series = xmr(pd.Series(FALLS), pd.Series(pd.to_datetime(MONTHS))).points
    as_lists = xmr(FALLS, MONTHS).points
    assert as_series[["value", "mean", "upper_limit", "point_type"]].equals(
        as_lists[["value", "mean", "upper_limit", "point_type"]]
    )
    assert as_series["date"].tolist() == as_lists["date"].tolist()


def test_flat_series_has_no_limits() -> None:
    # As the reference: every moving range is 0, so there are no process limits, no special cause and no assurance.
    result = chart([4.0] * 12)
    assert result.points["lower_limit"].isna().all() and result.points["upper_limit"].isna().all()
    assert (result.points["mean"] == 4.0).all()
    assert set(result.points["point_type"]) == {"common_cause"}
    assert xmr([4.0] * 12, MONTHS[:12], SPCOptions(improvement_direction="increase", target=5.0)).assurance is None


# --- missing values (the reference keeps NA rows and uses na.rm = TRUE) -------------------------


def test_missing_value_is_left_out_of_mean_and_moving_ranges() -> None:
    values = list(FALLS)
    values[5] = math.nan
    result = xmr(values, MONTHS)
    points = result.points
    mean, lower, upper = by_hand_limits(values)
    assert points["mean"].iloc[0] == pytest.approx(mean)
    assert points["lower_limit"].iloc[0] == pytest.approx(lower)
    assert points["upper_limit"].iloc[0] == pytest.approx(upper)
    assert len(points) == 24 and math.isnan(points["value"].iloc[5])
    assert points["moving_range_used"].tolist()[5:7] == [False, False]
    assert points["special_cause_type"].iloc[5] == ""
    assert points["point_type"].iloc[5] == "common_cause"
    assert result.warnings == (
        "1 missing value(s) on 2023-06-01: left out of the mean and moving ranges and never flagged",
    )


def test_none_is_a_missing_value_and_a_missing_latest_value_has_no_variation() -> None:
    values: list[float | None] = list(FALLS)
    values[-1] = None
    result = xmr(values, MONTHS)
    assert math.isnan(result.points["value"].iloc[-1])
    assert result.latest_variation is None


def test_missing_value_breaks_a_run() -> None:
    run = ALT_1 + [0.5] * 3 + [math.nan] + [0.5] * 3
    assert flags(run)[12:] == [""] * 7


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "dates", "message"),
    [
        ([1.0] * 10, days(9), "values and dates must be the same length (got 10 values and 9 dates)"),
        ([], [], "values and dates are empty; an XmR chart needs at least one point"),
        ([1.0, 2.0, 3.0], [date(2025, 2, 1), date(2025, 3, 1), date(2025, 3, 1)],
         "dates must not repeat: 2025-03-01 appears twice"),
        ([1.0, 2.0, 3.0], [date(2025, 3, 1)] * 3, "dates must not repeat: 2025-03-01 appears 3 times"),
        ([1.0, 2.0], [datetime(2025, 3, 1, 9, 30)] * 2, "dates must not repeat: 2025-03-01T09:30:00 appears twice"),
        ([1.0, "high", 3.0], days(3), "values must be numbers; item 1 is 'high'"),
        ([1.0, math.inf], days(2), "values must be finite numbers or missing (NaN); item 1 is inf"),
        ([1.0, 2.0], [date(2025, 3, 1), None], "dates must not be missing; item 1 is None"),
        ([1.0, 2.0], [date(2025, 3, 1), pd.NaT], "dates must not be missing; item 1 is NaT"),
        ([1.0, 2.0], [date(2025, 3, 1), 7], "dates must be dates or ISO date strings (YYYY-MM-DD); item 1 is 7"),
        ([1.0, 2.0], ["2025-03-01", "March"],
         "dates must be dates or ISO date strings (YYYY-MM-DD); item 1 is 'March'"),
    ],
)
def test_invalid_series(values: list[object], dates: list[object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        xmr(values, dates)  # type: ignore[arg-type]
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"improvement_direction": "up"}, "improvement_direction must be one of increase, decrease, neutral; got 'up'"),
        ({"target": "90%"}, "target must be a finite number or None; got '90%'"),
        ({"target": math.nan}, "target must be a finite number or None; got nan"),
        ({"fix_after_n_points": 5}, "fix_after_n_points must be a whole number of at least 12, or None; got 5"),
        ({"fix_after_n_points": 12.5}, "fix_after_n_points must be a whole number of at least 12, or None; got 12.5"),
        ({"rebase": date(2025, 4, 1)},
         "rebase must be a sequence of dates such as (date(2025, 4, 1),); got datetime.date(2025, 4, 1)"),
        ({"rebase": ("soon",)}, "rebase must be dates or ISO date strings (YYYY-MM-DD); item 0 is 'soon'"),
        ({"screen_outliers": "yes"}, "screen_outliers must be True or False; got 'yes'"),
    ],
)
def test_invalid_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        SPCOptions(**options)  # type: ignore[arg-type]
    assert str(error.value) == message


def test_rebase_date_must_be_one_of_the_dates() -> None:
    with pytest.raises(ValueError) as error:
        xmr(FALLS, MONTHS, SPCOptions(rebase=(date(2023, 6, 15),)))
    assert str(error.value) == (
        "rebase date 2023-06-15 is not one of the dates; give the date of the first point of the new period"
    )


def test_options_accept_a_list_of_rebase_dates() -> None:
    options = SPCOptions(rebase=[MONTHS[12]])  # type: ignore[arg-type]
    assert options.rebase == (MONTHS[12],)
    assert xmr(FALLS, MONTHS, options).points["period"].tolist() == [0] * 12 + [1] * 12


def test_iso_date_strings_are_accepted() -> None:
    points = xmr(FALLS, [m.isoformat() for m in MONTHS]).points
    assert points["date"].tolist() == [pd.Timestamp(m) for m in MONTHS]


# --- counted shares: limits never narrower than counting alone spreads them (our departure, off by default) -------


@pytest.mark.parametrize(
    ("mean", "mean_mr", "counted", "expected"),
    [
        (0.9, 0.01, None, [0.0266, 0.0266]),  # no counts: the reference's limits
        (0.9, 0.01, [100, 2500], [0.09, 0.0266]),  # the floor where counting spreads wider; XmR where it is wider
        (0.9, math.nan, [100, 100], [math.nan, math.nan]),  # a series that never varies has no limits, counted or not
        (1.0, 0.001, [30, 30], [0.00266, 0.00266]),  # at exactly 100% counting spreads nothing
        (0.9, 0.01, [0, 100], [0.0266, 0.09]),  # a month with nothing counted keeps the XmR width
    ],
)
def test_limit_widths(mean: float, mean_mr: float, counted: list[int] | None, expected: list[float]) -> None:
    widths = spc.limit_widths(mean, mean_mr, 2, None if counted is None else np.array(counted, dtype=float))
    np.testing.assert_allclose(widths, expected)


def test_counted_shares_near_100_percent_are_not_special_cause_for_one_item() -> None:
    # 30 of 30 handovers most months: XmR limits close in on the mean until 29 of 30 is "beyond the limit";
    # counting alone puts 29 of 30 well within.
    values = [1.0] * 6 + [29 / 30] + [1.0] * 5 + [29 / 30]
    plain = xmr(values, MONTHS[:13]).points
    counted = xmr(values, MONTHS[:13], SPCOptions(counted=[30] * 13)).points
    assert plain["special_cause_type"].iloc[-1] == "below_lower_limit"
    assert counted["special_cause_type"].iloc[-1] == ""
    assert (counted["lower_limit"] < plain["lower_limit"]).all() and (counted["mean"] == plain["mean"]).all()


def test_counted_follows_the_points_when_they_are_sorted_and_rebased() -> None:
    values, counts = [0.9, 0.92] * 3 + [0.95, 0.96] * 3, [10] * 6 + [1000] * 6
    options = SPCOptions(counted=counts[::-1], rebase=(MONTHS[6],))
    points = xmr(values[::-1], MONTHS[:12][::-1], options).points  # given newest first
    assert points["value"].tolist() == values
    width = points["upper_limit"] - points["mean"]
    assert width.iloc[0] == pytest.approx(3 * math.sqrt(0.91 * 0.09 / 10))  # the first period's floor, on 10
    assert width.iloc[-1] == pytest.approx(2.66 * 0.01)  # the second's XmR width, wider than counting on 1,000


def test_counted_needs_one_count_per_value() -> None:
    with pytest.raises(ValueError, match="counted has 2 counts for 12 values; give one count per value"):
        xmr(FALLS[:12], MONTHS[:12], SPCOptions(counted=[10, 10]))
