"""A judged signal in words: the finding a reader sees, its summary sentence and the evidence behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import measures
from .findings import Evidence, Finding, chance_words, confidence_from_sources, limited, percent
from .key_questions import classify
from .scope import month_end, period_label
from .signal_judging import CHARTS, HIGH, Judgement, level, run_count, trend_count

if TYPE_CHECKING:
    from .signals import Metric

_TOPICS = {"complaints_per_month": "The number of complaints", "complaints_per_1000_hours": "The complaint rate",
           "feedback_score": "The mean feedback score"}


_RULE_NAMES = {
    "above_upper_limit": "a point above the upper process limit",
    "below_lower_limit": "a point below the lower process limit",
    "trend_increasing": "7 or more points rising in a row",
    "trend_decreasing": "7 or more points falling in a row",
    "two_in_three_above": "2 of 3 points near the upper limit",
    "two_in_three_below": "2 of 3 points near the lower limit",
    "run_above": "7 or more points in a row above the mean",
    "run_below": "7 or more points in a row below the mean",
    "held_above_limit": "a recent point above the upper process limit, every point since above the mean",
    "held_below_limit": "a recent point below the lower process limit, every point since below the mean",
    "shift_above": "a sustained rise in the rate, the months since against the months before by an exact test for "
                   "counts",
    "shift_below": "a sustained fall in the rate, the months since against the months before by an exact test for "
                   "counts",
}


def finding_for(entry: Metric, place: dict[str, str], judged: Judgement, settings: dict[str, Any]) -> Finding:
    """The finding for a judged signal, in words, with its evidence; limited evidence on too small a sample."""
    improving = judged.status == "improving"
    last_month = judged.series.months[-1]
    subject = entry.label if "audit_type" not in place else f"{entry.label}: {place['audit_type']}"
    quality = classify(f"{entry.label} {place.get('audit_type', '')}", settings["key_questions"]) or (None, None)
    finding = Finding(
        kind="special_cause", service=place["service"], team=place.get("team"), shift=place.get("shift"),
        key_question=quality[0], quality_statement=quality[1], subject=subject, status=judged.status,
        confidence=confidence_from_sources({entry.source}, agree=True),
        period_start=judged.period_start, period_end=month_end(last_month),
        summary=_summary(entry, place, judged, improving), evidence=(_evidence(entry, place, judged),))
    if measures.enough(entry.measure, judged.n, settings):
        return finding
    label = measures.measure(entry.measure).n_label
    return limited(finding, f"{judged.n:.0f} {label} in the signal's months, fewer than "
                            f"{measures.minimum(entry.measure, settings):.0f}")


def _summary(entry: Metric, place: dict[str, str], judged: Judgement, improving: bool) -> str:
    """One sentence: what the measure did, where, and that it is a real change rather than noise."""
    series, rule, first = judged.series, judged.rule, judged.period_start
    what = f"{_topic(entry, place)} for {where(place['service'], place.get('team'), place.get('shift'))}"
    now = f"{_show(entry, series.values[-1])} in {series.months[-1]:%b %Y}"
    if entry.unit == "rate":
        complaints = int(series.numerator[-1])
        now += f" ({complaints} complaint{'' if complaints == 1 else 's'})"
    mean = _show(entry, judged.mean)
    high = rule in HIGH
    if judged.shift is not None:
        shift = judged.shift
        months = f"{shift.months_after} months{' in a row' if shift.in_a_row else ''}"
        what = (f"{what} has shifted since {shift.month:%b %Y}: {_show(entry, shift.mean_before)} on average before, "
                f"{_show(entry, shift.mean_after)} since ({months}), at {now}")
    elif rule.startswith("run"):
        before = _show(entry, level(series, series.months < first))
        what = (f"{what} has been {'above' if high else 'below'} its average of {mean} for "
                f"{run_count(judged.values, judged.mean)} months in a row, at {now} against {before} before "
                f"{first:%b %Y}")
    elif rule.startswith("trend"):
        what = f"{what} has {'risen' if high else 'fallen'} {trend_count(judged.values) - 1} months in a row, to {now}"
    elif rule.startswith("held"):
        went = _show(entry, series.values[series.months == first][0])
        what = (f"{what} went {'above its upper' if high else 'below its lower'} limit in {first:%b %Y} ({went}) "
                f"and has stayed {'above' if high else 'below'} its average of {mean} since, at {now}")
    elif rule.startswith("two_in_three"):
        side = f"{'or beyond ' if judged.beyond_before else ''}its {'upper' if high else 'lower'} limit"
        what = f"{what} has been close to {side} in 2 of the last 3 months, at {now} against an average of {mean}"
    else:
        what = f"{what} was {now}, outside its usual range of {_show_range(entry, judged)}"
    return f"{what}: a real change {'for the better' if improving else 'for the worse'}, not month-to-month variation."


def _evidence(entry: Metric, place: dict[str, str], judged: Judgement) -> Evidence:
    """The latest value against the chart's mean, with the limits, the rule, the chance, the rows charted, any
    one-offs and, for a shift, where to start new limits."""
    months = judged.series.months
    chart_start, chart_end, first = months[0], months[-1], judged.period_start
    where = " and ".join(f"{column} {value}" for column, value in place.items())
    rows = (f"{entry.source} rows for {where}, {measures.DATE_COLUMNS[entry.source]} from {chart_start:%d %b %Y} to "
            f"{month_end(chart_end):%d %b %Y}")
    if entry.unit == "rate":
        rows += "; planned hours from the rota rows for the same place and months"
    chart = CHARTS.get(entry.unit, "XmR chart")
    rule = f"{_RULE_NAMES[judged.rule]}, {period_label(first, chart_end)}"
    if judged.shift is not None and not judged.shift.in_a_row and not judged.rule.startswith("shift"):
        # a count's point beyond a limit at the end of its shift: the point's rule, then the shift's months
        rule = (f"{_RULE_NAMES[judged.rule]} in {chart_end:%b %Y}, the latest month of "
                f"{_RULE_NAMES['shift_above' if judged.rule in HIGH else 'shift_below']}, "
                f"{period_label(first, chart_end)}")
    detail = (f"{chart} of {len(months)} monthly points from {chart_start:%b %Y}: mean {_show(entry, judged.mean)}, "
              f"process limits {_show_range(entry, judged)}; rule: {rule}; {judged.n:.0f} "
              f"{measures.measure(entry.measure).n_label} in those months")
    if judged.chance is not None:
        detail += f"; a change this large comes by counting alone {chance_words(judged.chance)}"
    if judged.ghosted:
        detail += f"; left out of the mean and limits as one-offs: {', '.join(f'{m:%b %Y}' for m in judged.ghosted)}"
    if judged.shift is not None:
        detail += f"; a sustained shift: {judged.shift.suggestion()}"
    return Evidence(entry.source, entry.label.lower(), float(judged.values[-1]), float(judged.mean),
                    period_label(first, chart_end), rows, detail)


def _topic(entry: Metric, place: dict[str, str]) -> str:
    """What a summary says moved, with the audit type where it is one."""
    if "audit_type" in place:
        return f"{place['audit_type']} audit compliance"
    return _TOPICS.get(entry.id, entry.label)


def where(service: str, team: str | None, shift: str | None) -> str:
    """A place in plain words, e.g. 'Willow Unit night shifts at Oakwood House'."""
    words = [team, f"{shift.lower()} shifts" if shift else None]
    local = " ".join(word for word in words if word)
    return f"{local} at {service}" if local else service


def _show(entry: Metric, value: float) -> str:
    """A value in the measure's unit, the way a report writes it."""
    if entry.unit in ("share", "score"):
        return percent(value)
    if entry.unit == "count":
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.1f} per 1,000 planned hours"


def _show_range(entry: Metric, judged: Judgement) -> str:
    """A chart's process limits, kept within what the measure can be (no negative counts, no share over 100%)."""
    lower, upper = max(judged.lower, 0.0), judged.upper
    if entry.unit in ("share", "score"):
        upper = min(upper, 1.0)
    low_text = _show(entry, lower).removesuffix(" per 1,000 planned hours")
    return f"{low_text} to {_show(entry, upper)}"

