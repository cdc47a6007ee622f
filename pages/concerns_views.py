"""The Concerns and actions page's parts: the cached response, each concern with its dated timeline, and the forms
that record recognition, actions and links to imported action-plan rows (all judged in analytics.response)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from analytics.access import NotAllowed, User
from analytics.action_plans import link_row
from analytics.actions import STATUSES, Action, add_action, update_action
from analytics.concerns import JUDGEMENTS, recognise
from analytics.measures import MEASURES
from analytics.response import STATES, ConcernView, response_measures
from analytics.safe_output import plain_markdown
from pages.common import get_connection, how_many_shown, response_recorded, uk_date
from pages.findings_views import KIND_WORDS, status_badge

RECORDED = "concerns_recorded"  # the message shown after the rerun that follows recording
# Concerns of one state shown before the rest are asked for: each is a card of six or more elements.
CONCERNS_AT_MOST = 20
# Each state as a badge: the words say it, the colour only helps.
STATE_COLOURS = {"open": "red", "recognised": "orange", "action planned": "orange", "actions done": "blue",
                 "verified": "green", "sustained": "green", "not working": "red", "recurring": "red",
                 "no longer in the data": "gray"}
# A symbol for each kind of event on a concern's timeline, read from the start of its wording (analytics.response).
EVENT_SYMBOLS = (("first signal", "◉"), ("recognised", "◆"), ("pattern returned", "↺"),
                 ("pattern no longer", "○"))
ACTION_SYMBOLS = {"planned": "☐", "done": "☑", "due": "⌛", "tested by the data": "⚖"}
_ACTION_EVENT = re.compile(r"action \S+ (planned|done|due|tested by the data)\b")
OWN_MEASURE = "The concern's own measure"
UNCHANGED = "(unchanged)"


# The response, cached until the data or settings change ---------------------------------------------------------

def today_for(as_of: date | None) -> date:
    """The day overdue is judged on, as analytics.response.concern_views judges it."""
    return max(date.today(), as_of) if as_of else date.today()


# What is shown ---------------------------------------------------------------------------------------------------

def show_measures(views: list[ConcernView]) -> None:
    """The response measures in a row of figures (analytics.response.response_measures)."""
    found = response_measures(views)
    share = found["closed_verified_share"]
    cells = st.columns(6)
    cells[0].metric("Concerns", found["concerns"], help="Concerns and fragile patterns tracked in these services.")
    cells[1].metric("Days to recognise", _days(found["median_days_to_recognise"]),
                    help=f"The median days from the first signal in the data to a leader recognising the concern; "
                         f"{found['recognised']} concerns recognised so far.")
    cells[2].metric("Days to first action", _days(found["median_days_to_first_action"]),
                    help="The median days from the first signal to the first action planned (negative: planned "
                         "before the data showed it).")
    cells[3].metric("Actions overdue", found["overdue_actions"])
    cells[4].metric("Verified by data", "—" if share is None else f"{share:.0%}",
                    help=f"Of {found['closed_actions']} actions done, the share the data shows improved.")
    cells[5].metric("Recurring", found["recurring"], help="Concerns whose pattern came back after the actions "
                                                          "on them were done.")


def overdue_table(views: list[ConcernView], today: date) -> pd.DataFrame:
    """Every overdue action with its concern, oldest due date first."""
    rows = [{"Due": a.due, "Action": a.what, "Owner": a.owner or "not named", "Status": a.status,
             "Concern": f"#{v.concern.concern_id} {v.concern.subject}", "Place": v.concern.place,
             "From": "recorded in the app" if a.origin == "app" else f"action plan {a.origin}"}
            for v in views for a in v.actions if a.overdue(today)]
    return pd.DataFrame(rows).sort_values("Due").assign(Due=lambda f: f["Due"].map(uk_date)) if rows else \
        pd.DataFrame()


def show_overdue(views: list[ConcernView], today: date) -> None:
    table = overdue_table(views, today)
    if table.empty:
        st.markdown(f"_No action is overdue on {uk_date(today)}._")
        return
    st.dataframe(table, hide_index=True)


def chosen(views: list[ConcernView], states: list[str], questions: list[str], team: str | None) -> list[ConcernView]:
    """The concerns in the chosen states and key questions, at the chosen team (and the whole service)."""
    return [v for v in views if v.state in states and (v.concern.key_question or "Not mapped") in questions
            and (team is None or v.concern.team in (None, team))]


def show_by_state(views: list[ConcernView]) -> None:
    """The concerns grouped by state in lifecycle order, each with its timeline."""
    if not views:
        st.markdown("_No concern in the states and key questions chosen._")
    for state in STATES:
        here = [v for v in views if v.state == state]
        if here:
            st.subheader(f"{state.capitalize()} ({len(here)})")
            for v in here[:how_many_shown(len(here), CONCERNS_AT_MOST, f"all_concerns_{state}", "concerns")]:
                show_concern(v)


def state_badge(state: str) -> str:
    return f":{STATE_COLOURS.get(state, 'gray')}-badge[{state}]"


def show_concern(view: ConcernView) -> None:
    """One concern: state and status, what and where, its figures in words, flags, timeline and actions."""
    c = view.concern
    with st.container(border=True):
        subject = c.subject[:1].upper() + c.subject[1:]
        extra = f" · recurred {view.recurrences}×" if view.recurrences else ""
        st.markdown(f"{state_badge(view.state)} {status_badge(c.status)} **#{c.concern_id} {plain_markdown(subject)}**"
                    f" — {plain_markdown(c.place)} :gray[({KIND_WORDS.get(c.kind, c.kind).lower()}; "
                    f"{plain_markdown(c.key_question or 'no key question')}){extra}]  \n"
                    f"Flagged because: {plain_markdown(c.summary)}")
        st.markdown(plain_markdown(response_words(view)))
        for flag in view.flags:
            st.warning(plain_markdown(flag[:1].upper() + flag[1:]), icon="⚠️")
        st.markdown(months_strip(view))
        st.markdown("\n".join(timeline_lines(view)))
        if view.actions:
            with st.expander(f"Actions ({len(view.actions)}) and what the data shows since"):
                st.dataframe(actions_table(view), hide_index=True)


def response_words(view: ConcernView) -> str:
    """How fast leaders saw and acted, in words."""
    c = view.concern
    parts = [f"First signal {uk_date(c.first_signal)}" if c.first_signal else "No first signal in the months kept"]
    if c.recognition is not None:
        parts.append(f"recognised {uk_date(c.recognition.recognised_on)}"
                     + (f", {view.days_to_recognition} days later" if view.days_to_recognition is not None else ""))
    else:
        parts.append("not recognised yet")
    if view.recognised_late:
        parts[-1] += ", later than the recognition target"
    days = view.days_to_first_action
    if days is not None:
        parts.append(f"first action planned {abs(days)} days {'after' if days >= 0 else 'before'} the first signal")
    if view.overdue:
        parts.append(f"{view.overdue} action{'s' if view.overdue > 1 else ''} overdue")
    return "; ".join(parts) + "."


def months_strip(view: ConcernView) -> str:
    """The months its pattern showed, one mark a month: ■ in the data, □ not (oldest first)."""
    months = view.concern.months
    if not months:
        return ""
    marks = "".join("■" if present else "□" for _, present in months)
    shown = sum(present for _, present in months)
    return (f"In the data {shown} of {len(months)} months, {months[0][0]:%b %Y} to {months[-1][0]:%b %Y}: "
            f"`{marks}` (■ pattern present, □ not)")


def event_symbol(what: str) -> str:
    """The timeline symbol for an event's wording."""
    for start, symbol in EVENT_SYMBOLS:
        if what.startswith(start):
            return symbol
    action = _ACTION_EVENT.match(what)
    if action:
        return ACTION_SYMBOLS[action.group(1)]
    return "•"


def timeline_lines(view: ConcernView) -> list[str]:
    """The dated timeline as Markdown bullets, each with its symbol."""
    return [f"- {event_symbol(e.what)} **{uk_date(e.on)}** {plain_markdown(e.what)}" for e in view.timeline]


def actions_table(view: ConcernView) -> pd.DataFrame:
    """Each action with its dates, evidence and the data's verdict on it."""
    rows = []
    for a in view.actions:
        found = view.follow.get(a.action_id)
        rows.append({"Action": a.action_id, "What": a.what, "Owner": a.owner, "Due": uk_date(a.due),
                     "Review": uk_date(a.review), "Status": a.status, "Completed": uk_date(a.completed),
                     "Expected measure": _measure_label(a.expected_measure) if a.expected_measure else
                     ("" if found is None else _measure_label(found.measure_id)),
                     "Evidence given": a.evidence or ("none" if a.done else ""),
                     "Data's verdict": "" if found is None else found.verdict,
                     "Figures": "" if found is None else "; ".join(t for t in (found.text, found.spot_checks,
                                                                               found.teams, found.chart) if t),
                     "From": "recorded in the app" if a.origin == "app" else a.origin})
    return pd.DataFrame(rows)


# Recording the response ------------------------------------------------------------------------------------------

def show_recorded() -> None:
    if message := st.session_state.pop(RECORDED, None):
        st.success(message)


def concern_label(view: ConcernView) -> str:
    c = view.concern
    return f"#{c.concern_id} {c.place}: {c.subject} ({view.state})"


def show_forms(views: list[ConcernView], user: User) -> None:
    """Forms to recognise a concern, plan an action and update one recorded in the app."""
    recognise_tab, plan_tab, update_tab = st.tabs(["Recognise a concern", "Plan an action", "Update an action"])
    with recognise_tab:
        recognise_form(views, user)
    with plan_tab:
        plan_form(views, user)
    with update_tab:
        update_form(views, user)


def recognise_form(views: list[ConcernView], user: User) -> None:
    with st.form("recognise_concern", clear_on_submit=True):
        choice = st.selectbox("Concern", views, format_func=concern_label, key="recognise_which")
        left, right = st.columns([1, 2])
        judgement = left.radio("Leaders judge it", JUDGEMENTS, key="recognise_judgement", horizontal=True)
        on = left.date_input("Recognised on", value=date.today(), max_value=date.today(), format="DD/MM/YYYY",
                             key="recognise_on")
        cause = right.text_area("Likely cause", placeholder="e.g. night staff not trained on the new handover sheet",
                                key="recognise_cause")
        if not st.form_submit_button("Record the recognition", type="primary"):
            return
    _record(lambda: recognise(get_connection(), user, choice.concern.concern_id, judgement, cause, on),
            f"Recorded: concern #{choice.concern.concern_id} recognised as {judgement}.")


def plan_form(views: list[ConcernView], user: User) -> None:
    measures = [OWN_MEASURE, *MEASURES]
    with st.form("plan_action", clear_on_submit=True):
        choice = st.selectbox("Concern", views, format_func=concern_label, key="plan_which")
        what = st.text_input("What will be done", key="plan_what")
        left, middle, right = st.columns(3)
        owner = left.text_input("Owner", key="plan_owner")
        due = middle.date_input("Due", value=None, format="DD/MM/YYYY", key="plan_due")
        review = right.date_input("Review date", value=None, format="DD/MM/YYYY", key="plan_review")
        measure = st.selectbox("Measure expected to move", measures, key="plan_measure",
                               format_func=lambda m: m if m == OWN_MEASURE else _measure_label(m))
        if not st.form_submit_button("Plan this action", type="primary"):
            return
    _record(lambda: add_action(get_connection(), user, choice.concern.concern_id, what, owner, due, review,
                               None if measure == OWN_MEASURE else measure),
            f"Recorded: an action on concern #{choice.concern.concern_id}, owned by {owner.strip()}.")


def update_form(views: list[ConcernView], user: User) -> None:
    recorded = [(v, a) for v in views for a in v.actions if a.origin == "app"]
    if not recorded:
        st.markdown("_No action recorded in the app yet. Actions imported from an action plan change in the plan "
                    "itself: upload it again._")
        return
    with st.form("update_action", clear_on_submit=True):
        st.caption("Leave a field empty to keep it as it is. Imported actions change in their action plan.")
        pair = st.selectbox("Action", recorded, key="update_which",
                            format_func=lambda p: f"{p[1].action_id} {p[1].what} ({p[1].status}; "
                                                  f"concern #{p[0].concern.concern_id})")
        left, middle, right = st.columns(3)
        status = left.selectbox("Status", [UNCHANGED, *STATUSES], key="update_status")
        completed = middle.date_input("Completion date", value=None, max_value=date.today(), format="DD/MM/YYYY",
                                      key="update_completed", help="Marking it done without a date completes it "
                                                                   "today.")
        owner = right.text_input("Owner", key="update_owner")
        due = left.date_input("Due", value=None, format="DD/MM/YYYY", key="update_due")
        review = middle.date_input("Review date", value=None, format="DD/MM/YYYY", key="update_review")
        evidence = st.text_area("Evidence it worked", key="update_evidence",
                                help="What shows it is done and working. Closing without evidence is allowed, and "
                                     "shown as such.")
        if not st.form_submit_button("Update this action", type="primary"):
            return
    action: Action = pair[1]
    _record(lambda: update_action(get_connection(), user, action.action_id,
                                  status=None if status == UNCHANGED else status, completed=completed,
                                  evidence=evidence.strip() or None, due=due, review=review,
                                  owner=owner.strip() or None),
            f"Recorded: action {action.action_id} updated.")


def unlinked_table(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Action": [f"P{int(k)}" for k in rows["row_key"]], "Service": rows["service"],
                         "Team": rows["team"], "Issue": rows["issue"], "Action planned": rows["action"],
                         "Owner": rows["owner"], "Due": rows["due_date"].map(uk_date), "Status": rows["status"],
                         "File": rows["file_name"]})


def show_unlinked(rows: pd.DataFrame, views: list[ConcernView], user: User) -> None:
    """The imported rows no concern matched, and (for those who may) a small form per row to link it to a concern of
    its own service."""
    if rows.empty:
        st.markdown("_Every imported action-plan row belongs to a concern._")
        return
    table = unlinked_table(rows)
    st.dataframe(table, hide_index=True)
    if not user.can("manage_actions"):
        return
    for row in table.to_dict("records"):
        here = [v for v in views if v.concern.service == row["Service"]]
        if not here:
            st.caption(plain_markdown(f"{row['Action']}: no concern at {row['Service']} to link it to."))
            continue
        with st.form(f"link_{row['Action']}", clear_on_submit=True):
            choice = st.selectbox(f"{row['Action']} ({row['Service']}, {row['Team'] or 'whole service'}: "
                                  f"{row['Action planned']}) belongs to", here, format_func=concern_label,
                                  key=f"link_concern_{row['Action']}")
            if not st.form_submit_button("Link this row", type="primary"):
                continue
        _record(lambda action_id=row["Action"], concern=choice.concern.concern_id:
                link_row(get_connection(), user, action_id, concern),
                f"Recorded: {row['Action']} linked to concern #{choice.concern.concern_id}.")


def _record(write, message: str) -> None:
    """Run a recording; on success note it, forget cached results and draw the page again."""
    try:
        write()
    except (ValueError, LookupError, NotAllowed) as problem:
        st.error(plain_markdown(str(problem)[:1].upper() + str(problem)[1:]))
        return
    st.session_state[RECORDED] = plain_markdown(message)
    response_recorded()
    st.rerun()


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _measure_label(measure_id: str | None) -> str:
    return MEASURES[measure_id].label if measure_id in MEASURES else (measure_id or "")

