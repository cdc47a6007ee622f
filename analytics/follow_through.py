"""Follow-through tested by the data: did the expected measure move after an action was done?

For a done action, the measure is compared over `follow_through_months` months before the month it was completed
and the months after it, at the concern's place, by the measure's own exact test (analytics.chance): improved
when chance alone would move it this far in the better direction no more than `follow_through_max_chance`.
Audit measures are tested in unannounced spot checks too: an improvement in scheduled audits that spot checks
do not share has held only where it was expected. A concern at a service is tested on every team. The SPC
chart's view is added: a sustained shift starting after the action, or not yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from . import measures
from .actions import Action
from .chance import signal_chance
from .concerns import TrackedConcern
from .scope import Scope, month_start, months_back, period_label

VERDICTS = ("not done", "no measure", "too early", "improved", "sustained", "scheduled audits only", "no change",
            "worse")
# Which measure a concern's subject names, first match in the subject's own wording.
_SUBJECT_MEASURES = (("agency", "agency_share"), ("handover", "handover_completion"), ("fill rate", "fill_rate"),
                     ("complaints per 1,000", "complaint_rate"), ("complaint", "complaints"),
                     ("rating", "feedback_score"), ("feedback", "feedback_score"))
_QUESTION = re.compile(r"for '(.+)'")


@dataclass(frozen=True)
class FollowThrough:
    """What the data shows after an action: the verdict and the figures behind it, in words."""

    verdict: str
    measure_id: str | None
    before: float | None = None
    after: float | None = None
    chance: float | None = None
    months_after: int = 0
    spot_checks: str = ""      # the same comparison in unannounced spot checks, in words
    teams: str = ""            # per team, where the concern is service-wide
    chart: str = ""            # the SPC chart's view
    text: str = ""

    @property
    def verified(self) -> bool:
        return self.verdict in ("improved", "sustained")

    @property
    def against(self) -> bool:
        """The data contradicts an improvement."""
        return self.verdict in ("no change", "worse", "scheduled audits only")


def concern_measure(concern: TrackedConcern) -> tuple[str, dict[str, Any]]:
    """The measure a concern is about and the filter to its item or question (beyond the place)."""
    subject = concern.subject.lower()
    if concern.kind in ("repeat_finding", "masked_weakness", "not_embedded") and \
            not any(word in subject for word, _ in _SUBJECT_MEASURES):
        return "audit_compliance", {"item": concern.subject}
    for word, measure_id in _SUBJECT_MEASURES:
        if word in subject:
            question = _QUESTION.search(concern.subject)
            return measure_id, ({"question": question.group(1)} if question and measure_id == "feedback_score"
                                else {})
    if concern.kind in ("assurance_gap", "emerging_theme"):
        return "complaints", {}
    return "audit_compliance", {}


def follow_through(con: duckdb.DuckDBPyConnection, concern: TrackedConcern, action: Action, as_of: date,
                   settings: dict[str, Any]) -> FollowThrough:
    """The data's verdict on a done action (see the module docstring)."""
    measure_id, only = concern_measure(concern)
    if action.expected_measure and action.expected_measure != measure_id:
        measure_id, only = action.expected_measure, {}
    if not action.done or action.completed is None:
        return FollowThrough("not done", measure_id)
    entry = measures.measure(measure_id)
    thresholds = settings["thresholds"]
    done_month = month_start(action.completed)
    before = (months_back(done_month, thresholds["follow_through_months"]), months_back(done_month, 1))
    after_start = months_back(done_month, -1)
    if after_start > as_of:
        return FollowThrough("too early", measure_id, text="No full month of data since it was done.")
    scope = Scope((concern.service,), as_of)
    audits = entry.source == "audits"
    frame = measures.monthly(con, scope, measure_id, ("team", *(("spot_check",) if audits else ())), before[0],
                             as_of, settings, only={**only, **({"shift": concern.shift} if concern.shift else {})})
    if concern.team is not None:
        frame = frame[frame["team"] == concern.team]
    scheduled = frame[frame["spot_check"] != True] if audits else frame
    main = _compare(measure_id, scheduled, before, after_start, thresholds)
    if main is None:
        return FollowThrough("no measure", measure_id, text=f"No {entry.label.lower()} before and after it.")
    verdict, was, now, chance, months = main
    spot_text, spot_ok = "", True
    if audits:
        spot = _compare(measure_id, frame[frame["spot_check"] == True], before, after_start, thresholds)
        if spot is not None:
            # Spot checks share the improvement when they rose beyond chance too, or (too few to tell) moved the
            # same way; merely no worse than before is not sharing it.
            spot_ok = spot[0] == "improved" or (spot[2] != spot[1] and _better(measure_id, spot[2], spot[1]))
            spot_text = f"spot checks {measures.show(measure_id, spot[1])} before, {measures.show(measure_id, spot[2])} after"
    team_verdicts = {}
    if concern.team is None:
        for team, part in scheduled.dropna(subset=["team"]).groupby("team"):
            found = _compare(measure_id, part, before, after_start, thresholds)
            if found is not None:
                team_verdicts[team] = found[0]
    if verdict == "improved" and not spot_ok:
        verdict = "scheduled audits only"
    held = verdict == "improved" and months >= thresholds["embedded_min_cycles"] and spot_ok and \
        all(v == "improved" for v in team_verdicts.values()) and \
        _every_month_better(measure_id, scheduled, after_start, was, thresholds["embedded_min_cycles"])
    if held:
        verdict = "sustained"
    period = f"{period_label(*before)} against {period_label(after_start, as_of)}"
    text = (f"{entry.label} {measures.show(measure_id, was)} before, {measures.show(measure_id, now)} after "
            f"({period}; chance {chance:.2g})")
    return FollowThrough(verdict, measure_id, was, now, chance, months, spot_text,
                         ", ".join(f"{t}: {v}" for t, v in sorted(team_verdicts.items())),
                         _chart_view(con, scope, settings, measure_id, concern, only, done_month), text)


def _compare(measure_id: str, frame: pd.DataFrame, before: tuple[date, date], after_start: date,
             thresholds: dict[str, Any]) -> tuple[str, float, float, float, int] | None:
    """(verdict, value before, value after, chance, months after) or None without data on both sides."""
    months = frame.groupby("month", as_index=False)[["numerator", "denominator", "n",
                                                     *(["squares"] if "squares" in frame else [])]].sum(min_count=1)
    earlier = months[(months["month"] >= before[0]) & (months["month"] <= before[1])]
    later = months[months["month"] >= after_start]
    if earlier.empty or later.empty:
        return None
    was, now = _value(measure_id, earlier), _value(measure_id, later)
    higher = measures.measure(measure_id).improvement_direction == "increase"
    arrays = [{c: part[c].to_numpy(dtype=float) for c in part.columns if c != "month"} for part in (later, earlier)]
    better = signal_chance(measure_id, arrays[0], arrays[1], high=higher)
    worse = signal_chance(measure_id, arrays[0], arrays[1], high=not higher)
    limit = thresholds["follow_through_max_chance"]
    verdict = "improved" if better is not None and better <= limit else \
        "worse" if worse is not None and worse <= limit else "no change"
    return verdict, was, now, float(better if better is not None else 1.0), int(later["month"].nunique())


def _value(measure_id: str, part: pd.DataFrame) -> float:
    if measures.measure(measure_id).unit == "count":
        return float(part["numerator"].sum()) / len(part)
    return float(part["numerator"].sum() / part["denominator"].sum())  # a rate's denominator is in thousands


def _better(measure_id: str, now: float, was: float) -> bool:
    return now >= was if measures.measure(measure_id).improvement_direction == "increase" else now <= was


def _every_month_better(measure_id: str, frame: pd.DataFrame, after_start: date, was: float, cycles: int) -> bool:
    """Each of the last `cycles` months after the action at least as good as the level before it."""
    months = frame[frame["month"] >= after_start].groupby("month")[["numerator", "denominator", "n"]].sum()
    last = months.tail(cycles)
    values = [_value(measure_id, last.loc[[month]].reset_index()) for month in last.index]
    return len(values) >= cycles and all(_better(measure_id, v, was) for v in values)


def _chart_view(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any], measure_id: str,
                concern: TrackedConcern, only: dict[str, Any], done_month: date) -> str:
    """The SPC chart's view of the place's measure since the action (no chart of one audit item or question)."""
    if only:
        return ""
    from .signals import spc_chart  # charts import the whole SPC stack; only needed here

    try:
        chart = spc_chart(con, scope, settings, measure_id, concern.service, concern.team, concern.shift)
    except ValueError:
        return ""
    shift = getattr(chart, "step_change", None)
    if shift is not None and shift.month >= done_month:
        return f"the chart shows a sustained shift from {shift.month:%b %Y}, after the action"
    return "the chart shows no shift since the action yet"

