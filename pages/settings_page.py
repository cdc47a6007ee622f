"""Settings: the thresholds behind every flag, shift names, the CQC key-question mapping and a few defaults."""

from __future__ import annotations

import streamlit as st

from analytics.settings import load_settings
from pages.common import get_connection, require_app_entry
from pages.settings_views import other_form, reset_section, rules_form, shifts_form, thresholds_form

require_app_entry()
st.title("Settings")
st.markdown("**What counts as good, weak or a pattern in your service?** Every flag in the dashboard follows these "
            "settings; change them here and every page uses the new values at once.")

settings = load_settings(get_connection())
thresholds, shifts, mapping, other = st.tabs(["Thresholds", "Shift names", "CQC key questions", "Other settings"])
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

st.header("Reset to defaults")
reset_section()
