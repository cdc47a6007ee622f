"""The Settings page's access tabs: who holds which role for which services, and the audit trail."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from analytics.access import (
    ROLE_TITLES,
    ROLES,
    administrators_file,
    assign_role,
    bootstrap_administrators,
    revoke_role,
    role_assignments,
)
from analytics.audit_trail import record, trail
from analytics.safe_output import plain_markdown, safe_csv
from pages.common import current_user, fitted_height, get_connection, uk_datetime

ALL_SERVICES = "All services"
PEOPLE_MESSAGE = "people_message"


def people_table() -> pd.DataFrame:
    """Every grant, and every administrator the administrators file names: email, role, services, where given."""
    rows = role_assignments(get_connection())
    in_file = sorted(bootstrap_administrators())
    return pd.DataFrame({
        "Email": [r[0] for r in rows] + in_file,
        "Role": [ROLE_TITLES[r[1]] for r in rows] + [ROLE_TITLES["administrator"]] * len(in_file),
        "Services": [ALL_SERVICES if r[2] is None else ", ".join(r[2]) for r in rows] + [ALL_SERVICES] * len(in_file),
        "Given": ["on this page"] * len(rows) + [f"in {administrators_file()} (change it there)"] * len(in_file)})


def people_and_roles(services: list[str]) -> None:
    """List the grants, give a role (to named services or all), take one away; each change goes in the trail."""
    if message := st.session_state.pop(PEOPLE_MESSAGE, None):
        (st.success if message[0] else st.error)(message[1])  # names in it escaped where it is made
    table = people_table()
    if table.empty:
        st.caption(f"No roles given yet. Anyone listed in {administrators_file()} signs in as an administrator.")
    else:
        st.dataframe(table, hide_index=True, width="stretch", height=fitted_height(len(table)))
    with st.form("assign_role", clear_on_submit=True, border=True):
        st.markdown("**Give someone a role**")
        left, middle = st.columns(2)
        email = left.text_input("Email address they sign in with", placeholder="name@example.org")
        role = middle.selectbox("Role", ROLES, format_func=ROLE_TITLES.get)
        everywhere = st.checkbox("All services (now and later)", value=False)
        chosen = st.multiselect("Services", services, placeholder="Choose the services they look after")
        if st.form_submit_button("Give this role", type="primary"):
            give(email, role, None if everywhere else tuple(chosen))
            st.rerun()
    rows = role_assignments(get_connection())
    if rows:
        labels = {(e, r): f"{e}: {ROLE_TITLES[r]}" for e, r, _ in rows}
        left, right = st.columns([2, 1], vertical_alignment="bottom")
        picked = left.selectbox("Take a role away", list(labels), format_func=labels.get, index=None,
                                placeholder="Choose a person and role", key="revoke_choice")
        if right.button("Take it away", disabled=picked is None, key="revoke_button"):
            revoke_role(get_connection(), picked[0], picked[1], revoked_by=current_user())
            st.session_state[PEOPLE_MESSAGE] = (True, f"Took the {ROLE_TITLES[picked[1]]} role from "
                                                      f"{plain_markdown(picked[0])}.")
            st.session_state.pop("revoke_choice", None)
            st.rerun()


def give(email: str, role: str, services: tuple[str, ...] | None) -> None:
    """Give the role, or say what is wrong."""
    if services == ():
        st.session_state[PEOPLE_MESSAGE] = (False, "Not given: choose at least one service, or tick All services.")
        return
    try:
        assign_role(get_connection(), email.strip(), role, services, granted_by=current_user())
    except ValueError as problem:
        st.session_state[PEOPLE_MESSAGE] = (False, f"Not given: {plain_markdown(problem)}.")
        return
    where = ALL_SERVICES.lower() if services is None else ", ".join(services)
    st.session_state[PEOPLE_MESSAGE] = (True, f"Gave {plain_markdown(email.strip().lower())} the {ROLE_TITLES[role]} "
                                              f"role for {plain_markdown(where)}.")


def trail_table() -> pd.DataFrame:
    """The audit trail as people read it, newest first."""
    log = trail(get_connection())
    return pd.DataFrame({"When": log["happened_at"].map(uk_datetime), "Who": log["who"], "Action": log["action"],
                         "Detail": [detail_text(d) for d in log["detail"]]})


def detail_text(detail: str) -> str:
    """A detail as 'key: value; key: value'."""
    try:
        values = json.loads(detail)
    except (TypeError, ValueError):
        return str(detail)
    if not isinstance(values, dict):
        return str(values)
    return "; ".join(f"{k}: {v}" for k, v in values.items())


def trail_csv(table: pd.DataFrame) -> bytes:
    """The audit trail as a .csv (UTF-8 with a BOM, for Excel); every text cell a spreadsheet would read as a formula
    ('=HYPERLINK(...)' as a file name, say) is written as text (analytics.safe_output)."""
    return safe_csv(table)


def audit_trail_tab() -> None:
    """The trail with a download, noting the download itself."""
    table = trail_table()
    if table.empty:
        st.caption("Nothing has been recorded yet.")
        return
    st.dataframe(table, hide_index=True, width="stretch", height=fitted_height(len(table)))
    st.download_button("Download the audit trail (.csv)", trail_csv(table),
                       file_name="audit_trail.csv", mime="text/csv", icon=":material/download:",
                       on_click=lambda: record(get_connection().cursor(), current_user(), "export",
                                               {"what": "audit trail", "format": "csv"}))
