"""The parts of the Trends page: SPC charts with their Making Data Count badges, this month's changes,
repeat audit findings and complaint and feedback themes over time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics.chart_marks import ActionMark, NewLimits
from analytics.chart_words import trend_words
from analytics.evidence_rows import month_rows
from analytics.findings import percent
from analytics.insights import Insights
from analytics.measures import measure
from analytics.repeat_findings import subject_phrase
from analytics.safe_output import plain_markdown
from analytics.scope import months_back
from analytics.signals import Metric
from analytics.spc import MIN_POINTS, SPCResult
from analytics.spc_icons import (
    assurance_icon,
    attention_rank,
    has_limits,
    icon_columns,
    needs_attention,
    variation_icon,
)
from pages.charts import RULE_WORDS, spc_figure, value_text
from pages.common import fitted_height, show_chart, show_listed
from pages.filters import Filters
from pages.findings_views import at_place, show_findings, show_rows, worst_first

# The settings threshold each measure is held to, offered as the chart's target.
METRIC_TARGETS = {"audit_compliance": "compliance_good", "rota_fill_rate": "fill_rate_good",
                  "agency_share": "agency_share_concern", "handover_completion": "handover_completion_good",
                  "feedback_score": "feedback_good_score"}
Y_TITLES = {"audit_compliance": "Compliance (% of applicable answers met)",
            "rota_fill_rate": "Fill rate (% of planned hours worked)",
            "agency_share": "Agency share (% of hours worked)",
            "handover_completion": "Handovers completed (% of shifts recorded)",
            "complaints_per_month": "Complaints received in the month (c-chart)",
            "complaints_per_1000_hours": "Complaints per 1,000 planned hours (u-chart)",
            "feedback_score": "Mean feedback score (0% worst to 100% best)"}
# Badge colours by icon; the words and symbol come with the icon, so colour is never alone.
VARIATION_COLOURS = {"improvement": "blue", "concern": "orange", "neutral": "violet"}
ASSURANCE_COLOURS = {"consistent_pass": "blue", "consistent_fail": "orange"}
# Persistent patterns are concerns and recurring ones fragile, so they share those statuses' symbols.
REPEAT_BADGES = {"persistent": ":orange-badge[⚠ Persistent]", "recurring": ":orange-badge[◐ Recurring]",
                 "isolated": ":gray-badge[○ Isolated]"}
THEMES_CHARTED = 5
CHARTS_AT_ONCE = 6  # SPC charts drawn at once; a larger group is read from its table first


def is_share(metric: Metric) -> bool:
    """Whether the measure is a share or score, shown as a percentage."""
    return metric.unit in ("share", "score")


def place_text(service: str, team: str | None, shift: str | None) -> str:
    """A place in a title, e.g. 'Oakwood House · Willow Unit · Night shift'."""
    return " · ".join(part for part in (service, team, f"{shift} shift" if shift else None) if part)


def default_target(metric: Metric, settings: dict) -> float | None:
    """The settings' standard for the measure, in the unit the target box uses (percent for shares)."""
    threshold = settings["thresholds"].get(METRIC_TARGETS.get(metric.id, ""))
    if threshold is None:
        return None
    return round(threshold * 100, 1) if is_share(metric) else float(threshold)


def variation_badge(result: SPCResult) -> str:
    """The Making Data Count variation icon for the latest month, as a labelled badge."""
    if result.latest_variation is None:
        return ":gray-badge[No value in the latest month]"
    icon = variation_icon(result)
    return f":{VARIATION_COLOURS.get(icon.code.split('_')[0], 'gray')}-badge[{icon.text()}]"


def assurance_badge(result: SPCResult) -> str:
    """The Making Data Count assurance icon as a labelled badge (a grey one without a target or limits)."""
    icon = assurance_icon(result)
    return f":{ASSURANCE_COLOURS.get(icon.code, 'gray')}-badge[{icon.text()}]"


def shift_sentence(result: SPCResult, metric: Metric) -> str:
    """A sustained shift in words, with the suggestion to start new limits (never made silently)."""
    shift = result.step_change
    if shift is None:
        return ""
    share = is_share(metric)
    return (f"**A shift since {shift.month:%B %Y}**: {value_text(shift.mean_before, share)} on average before, "
            f"{value_text(shift.mean_after, share)} in the {shift.months_after} months since. The months before it "
            f"are the old level, not special cause. {shift.suggestion()}; until then the limits stay as they are.")


def variation_sentence(result: SPCResult, metric: Metric) -> str:
    """Why the latest month is, or is not, flagged."""
    latest = result.points.iloc[-1]
    month = f"{latest['date']:%b %Y}"
    if not has_limits(result):
        if len(result.points) > 1:
            return f"{month}: the measure has not varied (or nothing was counted), so there are no limits to judge by."
        return f"{month} is the only month with data here: a chart needs at least two months to set limits."
    if not latest["special_cause_type"]:
        return (f"{month} ({value_text(latest['value'], is_share(metric))}) is within the process limits and not part "
                f"of a run or trend: the usual month-to-month variation, not a change to act on by itself.")
    better = result.latest_variation == "special_cause_improvement"
    change = "for the better" if better else "for the worse" if result.latest_variation == "special_cause_concern" \
        else "in the measure"
    return (f"Flagged because {month} ({value_text(latest['value'], is_share(metric))}) is "
            f"{RULE_WORDS[latest['special_cause_type']]}: a real change {change}, not the usual variation.")


def assurance_sentence(result: SPCResult, target: float, metric: Metric) -> str:
    """What the assurance icon means for this target; after a shift, judged on the months since it."""
    shown = value_text(target, is_share(metric))
    if result.step_change is not None:
        return _since_shift_sentence(result, target, metric)
    if result.assurance == "consistent_pass":
        return f"The whole range of usual variation is on the right side of the {shown} target: it will keep being met."
    if result.assurance == "consistent_fail":
        return (f"The {shown} target lies outside the process limits: as the work is done now it will not be met "
                f"without a change to the process.")
    return f"The {shown} target lies within the process limits: some months will meet it and some will not."


def _since_shift_sentence(result: SPCResult, target: float, metric: Metric) -> str:
    """How the months since a shift stand against the target."""
    shift, shown = result.step_change, value_text(target, is_share(metric))
    since = result.points.loc[result.points["date"] >= pd.Timestamp(shift.month), "value"].dropna()
    higher = metric.improvement_direction == "increase"
    meeting = int(((since >= target) if higher else (since <= target)).sum())
    if meeting == 0:
        said = f"every month since the shift fails the {shown} target"
    elif meeting == len(since):
        said = f"every month since the shift meets the {shown} target"
    else:
        said = f"{meeting} of the {len(since)} months since the shift meet the {shown} target"
    return f"Judged on the months since {shift.month:%b %Y}: {said}."


def show_marks(marks: list[ActionMark], chosen: list[NewLimits], can_record: bool, key: str,
               start_new: Callable[[date, str], None]) -> None:
    """The actions marked on the chart, the new limits people started, and a form to start them at an action."""
    if chosen:
        st.caption(plain_markdown("New limits, as recorded: " + "; ".join(
            f"from {limit.start:%b %Y} ({limit.reason}, chosen by {limit.chosen_by})" for limit in chosen)))
    if not marks:
        return
    st.markdown(plain_markdown("Actions marked on the chart: " + "; ".join(
        f"{number}. {mark.on:%d %b %Y}, {mark.label()}" for number, mark in enumerate(marks, start=1))))
    if not can_record:
        return
    with st.expander("Start new limits at an action"), st.form(key=f"{key}_form", border=False):
        mark = st.selectbox("From the month of", marks, key=f"{key}_mark",
                            format_func=lambda m: f"{m.on:%b %Y}: {m.label()}")
        reason = st.text_input("Why the measure is expected to have changed there", key=f"{key}_reason",
                               help="Making Data Count: restart limits only once the cause is understood. The "
                                    "reason is kept with the chart and in the audit trail.")
        if st.form_submit_button("Start new limits here"):
            start_new(mark.on, reason)


def show_spc(result: SPCResult, metric: Metric, title: str, target: float | None,
             marks: list[ActionMark] = (), recorded: tuple[date, ...] = (),
             place: tuple[str, str | None, str | None, str | None] | None = None) -> None:
    """One SPC chart with its icons, the sentences behind them and a note when the limits are not yet stable; with
    its `place` (service, team, shift, audit type), a point clicked opens the rows behind that month."""
    st.markdown(f"{variation_badge(result)} {assurance_badge(result)}")
    sentences = [shift_sentence(result, metric), variation_sentence(result, metric)]
    if target is not None and has_limits(result):
        sentences.append(assurance_sentence(result, target, metric))
    st.markdown(" ".join(sentence for sentence in sentences if sentence))
    starts = result.points.loc[result.points["period"].diff() > 0, "date"]
    if len(starts):
        st.caption(f"New limits from {', '.join(f'{day:%b %Y}' for day in starts)}"
                   + ("." if all(day.date() in recorded for day in starts) else ", as you chose (this view only)."))
    if result.too_short:
        months = len(result.points)
        st.warning(f"Only {months} month{'s' if months > 1 else ''} of data: too few points for stable limits "
                   f"({MIN_POINTS} are needed). Read the limits as trial limits that will move as months are added.",
                   icon="⚠️")
    shift = result.step_change
    picked = show_chart(spc_figure(result.points, title, Y_TITLES[metric.id], is_share(metric), target,
                                   shift=None if shift is None else (shift.month, shift.suggestion()),
                                   marks=[(mark.on, mark.label()) for mark in marks]),
                        trend_words(result.points, title, unit=metric.unit, n_label=measure(metric.measure).n_label),
                        key=f"spc_{title}", pickable=place is not None)
    if place is not None and picked:
        month = pd.Timestamp(picked[0]["x"]).date()
        show_rows(month_rows(metric.measure, month, *place), key=f"rows_{title}")
    elif place is not None:
        st.caption("Click a month's point to open the rows behind it.")
    missing = [note for note in result.warnings if "missing" in note]
    if missing:
        st.caption(plain_markdown("; ".join(missing)))


def rebase_choice(result: SPCResult, key: str) -> tuple[date, ...]:
    """Where the chart suggests new limits, a box a person ticks once they understand the cause; for this session
    only (nothing is saved), as Making Data Count asks that limits are never restarted silently."""
    shift = result.step_change
    if shift is None:
        return ()
    chosen = st.checkbox(f"Start new limits at {shift.month:%b %Y}: the cause of the shift is understood", key=key,
                         help="Rebase only once you know why the measure moved. This view only: nothing is saved.")
    return (shift.month,) if chosen else ()


def glance_table(results: dict[str, SPCResult | str], metrics: dict[str, Metric]) -> pd.DataFrame:
    """Each measure's latest month with its Making Data Count icons, one row each."""
    return pd.DataFrame([{"Measure": metrics[metric_id].label, **_glance_row(result, metrics[metric_id])}
                         for metric_id, result in results.items()])


def services_glance(results: dict[str, SPCResult | str], metric: Metric) -> pd.DataFrame:
    """One measure's latest month with its icons for each service, those needing attention first."""
    order = sorted(results, key=lambda service: (attention_rank(_chart(results[service])), service))
    return pd.DataFrame([{"Service": service, **_glance_row(results[service], metric)} for service in order])


def _chart(result: SPCResult | str) -> SPCResult | None:
    return None if isinstance(result, str) else result


def _glance_row(result: SPCResult | str, metric: Metric) -> dict[str, str]:
    chart = _chart(result)
    latest = None if chart is None else chart.points.iloc[-1]
    icons = icon_columns(chart)
    return {"Latest month": "no data here" if latest is None else f"{latest['date']:%b %Y}",
            "Value": "—" if latest is None else value_text(latest["value"], is_share(metric)),
            "Variation": icons["variation_icon"], "Assurance": icons["assurance_icon"], "Shift": icons["shift"]}


def choose_charted(results: dict[str, SPCResult | str], metric: Metric, key: str) -> list[str]:
    """With more services than CHARTS_AT_ONCE, the table of every service and a choice of which to chart (those
    needing attention, up to CHARTS_AT_ONCE, unless the person chooses); else every service."""
    if len(results) <= CHARTS_AT_ONCE:
        return list(results)
    table = services_glance(results, metric)
    st.subheader(f"Every service, latest month ({len(results)})")
    st.dataframe(table, hide_index=True, width="stretch", height=fitted_height(len(table), most=10))
    attention = [s for s in table["Service"] if needs_attention(_chart(results[s]))]
    chosen = st.multiselect(
        "Services to chart", list(table["Service"]), default=attention[:CHARTS_AT_ONCE],
        max_selections=CHARTS_AT_ONCE, key=key,
        help=f"Up to {CHARTS_AT_ONCE} charts at once; the services needing attention are chosen first")
    if not chosen:
        st.markdown("No service's chart needs attention in its latest month. Choose services above to chart them.")
    return chosen


def show_at_a_glance(results: dict[str, SPCResult | str], metrics: dict[str, Metric]) -> None:
    """Each measure's latest month and its icons in one table, so nothing is missed between charts."""
    st.dataframe(glance_table(results, metrics), hide_index=True, width="stretch")


def show_this_month(insights: Insights, filters: Filters) -> None:
    """What changed in the latest month (special-cause findings) and what else needs attention (concerns)."""
    if insights.as_of is None:
        return
    place = at_place(insights.findings, filters.team, filters.shift)
    since = months_back(insights.as_of, 1)
    changed = worst_first([f for f in place if f.kind == "special_cause" and f.period_end >= since])
    attention = worst_first([f for f in place if f.status == "concern" and f not in changed])
    with st.container(border=True):
        st.subheader(f"This month: {insights.as_of:%B %Y}")
        left, right = st.columns(2, gap="large")
        with left:
            st.markdown("##### What changed")
            st.caption("Measures whose latest month is a real change, not the usual variation")
            if changed:
                show_findings(changed, shown=3)
            else:
                st.markdown("No measure shows a real change in its latest month: what moved is the usual variation.")
        with right:
            st.markdown("##### What needs attention")
            st.caption("Other concerns in the findings")
            if attention:
                show_findings(attention, shown=3)
            else:
                st.markdown("No other concerns in the findings for this selection.")


def repeat_rows(table: pd.DataFrame, team: str | None, shift: str | None) -> pd.DataFrame:
    """Failing audit items at the chosen place; with none chosen, service-wide patterns once and the rest per team."""
    items = table[(table["level"] == "item") & (table["classification"] != "not failing")]
    has_team, has_shift = items["team"].notna(), items["shift"].notna()
    if team and shift:
        chosen = (items["team"] == team) & (items["shift"] == shift)
    elif team:
        chosen = (items["team"] == team) & ~has_shift
    elif shift:
        chosen = ~has_team & (items["shift"] == shift)
    else:
        wide = items["spread"] == "service-wide"
        chosen = (has_team & ~has_shift & ~wide) | (~has_team & ~has_shift & wide)
    order = {"persistent": 0, "recurring": 1, "isolated": 2}
    rows = items[chosen]
    rows = rows.assign(order=rows["classification"].map(order))
    return rows.sort_values(["order", "cycles_failed", "subject"], ascending=[True, False, True])


def repeat_sentence(row: Mapping[str, Any], services: int) -> str:
    """One failing item in a sentence with its classification badge."""
    if pd.isna(row["team"]) and pd.isna(row["shift"]):
        where = f"across the service ({row['teams_with_pattern']} of {row['teams_audited']} teams show the pattern)"
    else:
        where = f"on {row['place']}"
    at = f" at {row['service']}" if services > 1 else ""
    sentence = (f"{subject_phrase(row['level'], row['subject'], row['audit_type'])} failed {where}{at} in "
                f"{row['cycles_failed']} of {row['cycles_audited']} monthly audits "
                f"({', '.join(row['failing_months'])}); {percent(row['latest_compliance'])} in "
                f"{row['latest_month']:%b %Y}.")
    return f"{REPEAT_BADGES[row['classification']]} {plain_markdown(sentence)}"


def show_repeat_findings(table: pd.DataFrame, filters: Filters) -> None:
    """Persistent and recurring failures first, one sentence each; one-off failures behind an expander."""
    rows = repeat_rows(table, filters.team, filters.shift)
    patterns = rows[rows["classification"] != "isolated"]
    isolated = rows[rows["classification"] == "isolated"]
    services = table["service"].nunique()
    if patterns.empty:
        st.markdown("No audit item has failed in more than one recent monthly cycle here.")
    for _, row in patterns.head(8).iterrows():
        st.markdown(repeat_sentence(row, services))
    if len(patterns) > 8:
        with st.expander(f"{len(patterns) - 8} more recurring or persistent items"):
            show_listed(patterns.iloc[8:], lambda row: repeat_sentence(row, services))
    if not isolated.empty:
        with st.expander(f"{len(isolated)} one-off failures (isolated: failed in one cycle, not yet a pattern)"):
            show_listed(isolated, lambda row: repeat_sentence(row, services))


def monthly_theme_counts(months: pd.DataFrame, team: str | None, shift: str | None) -> pd.DataFrame:
    """Mentions per month of the biggest themes at the chosen place (analytics.themes.theme_months), with zero for
    quiet months; themes with as many mentions in name order."""
    chosen = months
    if team:
        chosen = chosen[chosen["team"] == team]
    if shift:
        chosen = chosen[chosen["shift"] == shift]
    if chosen.empty:
        return pd.DataFrame(columns=["theme", "month", "mentions"])
    totals = chosen.groupby("theme")["mentions"].sum().sort_index()
    themes = totals.sort_values(ascending=False, kind="stable").head(THEMES_CHARTED).index
    months_shown = pd.date_range(chosen["month"].min(), chosen["month"].max(), freq="MS")
    counts = chosen[chosen["theme"].isin(themes)].groupby(["theme", "month"])["mentions"].sum()
    full = counts.reindex(pd.MultiIndex.from_product([themes, months_shown], names=["theme", "month"]), fill_value=0)
    return full.rename("mentions").reset_index()
