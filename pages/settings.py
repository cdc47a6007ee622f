"""Settings: the thresholds behind every flag, shift names, the CQC key-question mapping, a few defaults, and (for
administrators) who holds which role and the audit trail."""

from __future__ import annotations

import streamlit as st

from analytics.settings import load_settings
from pages.access_gate import needs_role, page_user
from pages.common import get_connection, require_app_entry
from pages.data import read
from pages.people_views import audit_trail_tab, people_and_roles
from pages.settings_views import (
    files_and_dates_form,
    other_form,
    reset_section,
    rules_form,
    shifts_form,
    thresholds_form,
)

require_app_entry()
st.title("Settings")
user = page_user()
if not user.can("change_settings"):
    st.info(needs_role("change_settings", "Settings"), icon=":material/lock:")
    st.stop()
st.markdown("**What counts as good, weak or a pattern in your service?** Every flag in the dashboard follows these "
            "settings; change them here and every page uses the new values at once.")

settings = load_settings(get_connection())
thresholds, shifts, mapping, other, people, audit = st.tabs(
    ["Thresholds", "Shift names", "CQC key questions", "Other settings", "People and roles", "Audit trail"])
with thresholds:
    st.caption("Shares are between 0 and 1 (0.75 means 75%); counts are whole numbers. Hover over the ? for what "
               "each one does and its default.")
    thresholds_form(settings["thresholds"])
with shifts:
    st.caption("Each standard shift and the labels your spreadsheets use for it, separated by commas (case does not "
               "matter). Applies to spreadsheets loaded from now on: load a file again to regroup its shifts.")
    shifts_form(settings["shifts"])
with mapping:
    st.caption("Which CQC key question and quality statement an audit type, complaint category or theme belongs "
               "to. The first row with a matching word decides, so put specific words above general ones.")
    rules_form(settings["key_questions"])
with other:
    other_form(settings)
    st.divider()
    files_and_dates_form(settings)
with people:
    if user.can("assign_roles"):
        st.caption("Roles go to the email address people sign in with. A registered manager or quality lead sees only "
                   "the services named; senior leaders and administrators see every service unless limited. Every "
                   "change is recorded in the audit trail.")
        people_and_roles(read("places")["services"])
    else:
        st.info(needs_role("assign_roles", "Giving roles"))
with audit:
    if user.can("view_audit_trail"):
        st.caption("Who did what: uploads, removals, mapping and settings changes, judgements, role changes and "
                   "downloads, newest first.")
        audit_trail_tab()
    else:
        st.info(needs_role("view_audit_trail", "The audit trail"))

st.header("Reset to defaults")
reset_section()
