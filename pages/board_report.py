"""Board report: the quarterly balanced register by CQC key question, its direction of travel, and leaders' view."""

from __future__ import annotations

import streamlit as st

from analytics.board_pack import (
    build_board_pack,
    findings_of,
    register_of,
)
from analytics.key_questions import key_questions
from analytics.narrative import leader_views
from analytics.safe_output import plain_markdown
from analytics.settings import load_settings
from pages.access_gate import needs_role, page_user
from pages.board_views import (
    show_downloads,
    show_grid,
    show_judgements,
    show_measures,
    show_must_know,
    show_record_view_form,
    show_table,
)
from pages.common import current_database, get_connection, require_app_entry, uk_date
from pages.data import read
from pages.filters import sidebar_filters
from pages.overview_views import (
    markdown_text,
    stop_without_data,
    stop_without_evidence,
)

require_app_entry()
st.title("Board report")
st.markdown("**For the quarterly board: how does each CQC key question stand, is it better or worse than last "
            "quarter, and do leaders see it as the evidence does?**")
stop_without_data()

database = current_database()
user = page_user()
if not (user.can("board_report") or user.can("record_judgement")):
    st.info(needs_role("board_report", "The board report"), icon=":material/lock:")
    st.stop()
filters = sidebar_filters(database, team=False, shift=False)
services = filters.scope.services
now = read("insights", services, filters.as_of)
stop_without_evidence(now)
if not user.can("board_report"):
    # A registered manager may not see the board report, but may record their own judgement for the board.
    st.info(needs_role("board_report", "The board report"), icon=":material/lock:")
    st.markdown("You can still record your judgement of a key question for the services you look after: it is set "
                "against the evidence in the board report.")
    show_record_view_form(sorted(set(register_of(now)["service"])), filters.service,
                          key_questions(load_settings(get_connection())["key_questions"]))
    st.stop()
quarters = read("quarters", services, now.as_of)
pack = build_board_pack(now, quarters[1], filters.service, leader_views(get_connection(), services),
                        quarters=quarters,
                        measures=read("board measures", tuple(sorted(set(register_of(now)["service"]))), now.as_of),
                        response=read("board response", services, now.as_of))
st.caption(f"{plain_markdown(pack.scope)}: data to {uk_date(pack.as_of)}. Direction of travel: "
           f"{plain_markdown(pack.travel)}, each quarter judged on its own three months. Status: ✓ strong, "
           "↗ improving, ◐ fragile, ⚠ concern, ○ not enough evidence; direction: ▲ better, ▼ worse, ● same.")
show_downloads(pack)

st.header("What the board must know")
st.caption("At most five points, concerns first, each with the evidence it rests on.")
show_must_know(pack.must_know)

st.header("Where each key question stands")
st.markdown(pack.moves())
show_grid(pack, now)
with st.expander("Each key question with its reason"):
    show_table(pack.register, "No key question has evidence for this service yet.")

st.subheader(f"Direction of travel: {pack.travel}")
show_table(pack.direction, "Nothing to compare yet.")

st.subheader("The measures that matter")
st.caption("The last complete quarter against the quarter before, and each monthly chart's Making Data Count "
           "variation and assurance; the charts themselves are on the Trends page and in the PDF.")
show_measures(pack.measures)

st.header("What is a concern")
st.caption("Persistent weaknesses, weaknesses a headline hides, and real changes for the worse.")
show_judgements(pack.concerns, "Nothing is a concern on the evidence for this period.")

st.header("What is still fragile")
st.caption("Weak in places or recurring now and then, and not yet put right.")
show_judgements(pack.fragile, "Nothing is fragile on the evidence for this period.")

st.header("What is strong, and why")
st.caption("Judged by the same figures and thresholds as the concerns.")
show_judgements(pack.strong, "Nothing is yet strong on the evidence for this period.")

st.header("What is qualified, and why")
st.caption("Where independent sources disagree: the judgement stands, with a caveat the board should hear.")
show_judgements(pack.qualified, "No judgement rests on sources that disagree.")

st.header("How leaders responded")
st.caption("Concerns opened, recognised, acted on, verified by the data and recurring this quarter, with how long "
           "recognition and action took. The Concerns and actions page has each one.")
show_table(pack.response, "No concern has been tracked yet.")
st.subheader("Actions overdue")
show_table(pack.overdue, "No action is overdue.")
with st.expander(f"Each concern's response, dated ({pack.timelines['Concern'].nunique() if not pack.timelines.empty else 0} "
                 "concerns)"):
    show_table(pack.timelines, "No concern has a response recorded yet.")

st.header("Limited evidence: places to look, not judgements")
st.caption("Patterns seen on too few responses, shifts, answers or complaints to judge (the minimums are in "
           "Settings); none of them counts as a concern above.")
show_table(pack.limited, "Every pattern found rests on enough evidence to judge.")

st.header("What leaders said versus what the evidence shows")
for finding in findings_of(now, filters.service, "narrative_mismatch"):
    st.warning(markdown_text(f"Flagged because {finding.summary[:1].lower()}{finding.summary[1:]}"), icon="⚠️")
show_table(pack.leaders.drop(columns="Why"),
           "No leader's judgement recorded yet: record one below to set it against the evidence.")
if user.can("record_judgement"):
    show_record_view_form(sorted(set(register_of(now)["service"])), filters.service,
                          key_questions(load_settings(get_connection())["key_questions"]))
