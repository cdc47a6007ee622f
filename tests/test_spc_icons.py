"""Making Data Count icons for every chart, and the exact chance checks behind a signal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from analytics.chance import signal_chance
from analytics.spc import SPCOptions, xmr
from analytics.spc_counts import c_chart
from analytics.spc_icons import assurance_icon, attention_rank, icon_columns, needs_attention, variation_icon
from analytics.step_change import read_shift

MONTHS = [date(2025 + i // 12, i % 12 + 1, 1) for i in range(24)]
STEADY = [0.5, 0.52, 0.49, 0.51, 0.5, 0.48, 0.52, 0.5, 0.49, 0.51, 0.5, 0.52, 0.48, 0.5]


def chart(values, direction="increase", target=None):
    return xmr(values, MONTHS[: len(values)], SPCOptions(improvement_direction=direction, target=target))


@pytest.mark.parametrize("values, direction, code", [
    (STEADY, "increase", "common_cause"),
    (STEADY + [0.9], "increase", "improvement_high"),
    (STEADY + [0.1], "increase", "concern_low"),
    (STEADY + [0.9], "decrease", "concern_high"),
    (STEADY + [0.1], "decrease", "improvement_low"),
    (STEADY + [0.9], "neutral", "neutral_high"),
    (STEADY + [0.1], "neutral", "neutral_low"),
    ([0.5], "increase", "none"),            # one month: no limits
    ([0.5] * 14, "increase", "none"),       # never varies: no limits (as NHSRplotthedots)
])
def test_variation_icon(values, direction, code):
    assert variation_icon(chart(values, direction)).code == code


@pytest.mark.parametrize("target, direction, code", [
    (0.2, "increase", "consistent_pass"),
    (0.8, "increase", "consistent_fail"),
    (0.5, "increase", "hit_and_miss"),
    (0.2, "decrease", "consistent_fail"),
    (None, "increase", "none"),
    (0.5, "neutral", "none"),
])
def test_assurance_icon(target, direction, code):
    assert assurance_icon(chart(STEADY, direction, target)).code == code


def test_icons_read_in_words_and_a_symbol_and_say_none_without_a_chart():
    columns = icon_columns(chart(STEADY + [0.1], target=0.8))
    assert columns["variation"] == "concern_low" and columns["variation_icon"] == "▼ Special cause — concerning, low"
    assert columns["assurance_icon"] == "✖ Consistently fails target" and columns["shift"] == ""
    assert icon_columns(None) == {"variation": "none", "variation_icon": "○ Too few months to judge",
                                  "assurance": "none", "assurance_icon": "– No target to judge against", "shift": ""}


@pytest.mark.parametrize("values, direction, target, rank", [
    (STEADY + [0.1], "increase", None, 0),   # a concerning change comes first
    (STEADY + [0.1], "increase", 0.2, 0),    # even where the target is still passed
    (STEADY, "increase", 0.8, 1),            # then a target consistently failed
    (STEADY, "increase", 0.5, 2),            # then one hit and missed
    (STEADY + [0.9], "increase", 0.2, 4),    # an improvement passing its target: nothing to see
    (STEADY, "neutral", None, 4),
    ([0.5], "increase", 0.8, 4),             # no limits: no icon to go by
])
def test_attention_rank(values, direction, target, rank):
    result = chart(values, direction, target)
    assert attention_rank(result) == rank
    assert needs_attention(result) == (rank < 4)


def test_a_shift_not_yet_rebased_on_needs_attention_after_the_icons():
    values = [0.03, 0.04, 0.02, 0.03, 0.035, 0.025, 0.03, 0.04, 0.02, 0.03] + [0.38, 0.39, 0.37, 0.38, 0.4, 0.36,
                                                                             0.38, 0.39]
    shift = read_shift(chart(values, "decrease", 0.2), 0.2, "decrease").step_change
    assert shift is not None
    steady = chart(STEADY, "neutral")
    assert attention_rank(steady) == 4
    assert attention_rank(replace(steady, step_change=shift)) == 3
    assert attention_rank(None) == 4 and not needs_attention(None)


def test_after_a_shift_the_assurance_is_that_of_the_months_since():
    values = [0.03, 0.04, 0.02, 0.03, 0.035, 0.025, 0.03, 0.04, 0.02, 0.03] + [0.38, 0.39, 0.37, 0.38, 0.4, 0.36,
                                                                             0.38, 0.39]
    read = read_shift(chart(values, "decrease", 0.2), 0.2, "decrease")
    columns = icon_columns(read)
    assert (columns["variation"], columns["assurance"]) == ("concern_high", "consistent_fail")
    assert columns["shift"] == ("A shift since November 2025. Start new limits at Nov 2025 once the cause is "
                                "understood.")


def test_a_count_chart_has_icons_too():
    assert variation_icon(c_chart([0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7], MONTHS[:13])).code == "concern_high"
    assert variation_icon(c_chart([0] * 13, MONTHS[:13])).code == "none"


def part(numerator, denominator=None, squares=None, n=None):
    numerator = np.asarray(numerator, dtype=float)
    return {"numerator": numerator, "n": np.asarray(n if n is not None else [np.nan] * len(numerator), float),
            "denominator": np.full(len(numerator), np.nan) if denominator is None else np.asarray(denominator, float),
            "squares": np.full(len(numerator), np.nan) if squares is None else np.asarray(squares, float)}


@pytest.mark.parametrize("measure_id, signal, before, high, low, high_chance", [
    # 19 of 20 after 460 of 460: one miss is chance (1 in 24), though the XmR limits may be "100% to 100%"
    ("audit_compliance", part([19], [20]), part([20] * 23, [20] * 23), False, 0.04, None),
    ("audit_compliance", part([8], [20]), part([19] * 23, [20] * 23), False, None, 0.001),
    ("handover_completion", part([30], [30]), part([29] * 10, [30] * 10), True, 0.3, None),
    ("complaints", part([3]), part([0] * 17), True, None, 0.001),      # 3 in a month after 17 quiet ones
    ("complaints", part([1]), part([1, 0, 0, 1, 0, 0, 1]), True, 0.2, None),
    ("complaint_rate", part([2], [1.0]), part([2], [4.0]), True, 0.05, None),
    ("feedback_score", part([0.75], [3], [0.25]), part([8.0] * 12, [10] * 12, [6.6] * 12), False, None, 0.02),
    # hours over shifts: 97% of hours over 300 shifts after 99% over 150 is within what 300 whole shifts give
    ("fill_rate", part([2910], [3000], n=[300]), part([1485], [1500], n=[150]), False, 0.05, None),
    ("agency_share", part([300], [1000], n=[100]), part([50] * 10, [1000] * 10, n=[100] * 10), True, None, 0.001),
])
def test_signal_chance(measure_id, signal, before, high, low, high_chance):
    chance = signal_chance(measure_id, signal, before, high)
    if low is not None:
        assert chance > low
    else:
        assert chance < high_chance


def test_no_months_before_is_no_evidence_of_a_change_and_an_unknown_measure_has_no_model():
    assert signal_chance("complaints", part([5]), part([]), True) == 1.0
    assert signal_chance("falls", part([5]), part([1]), True) is None
