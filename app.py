"""Leadership Insight: the Streamlit entry point (streamlit run app.py)."""

import streamlit as st

from pages.common import ENTERED_THROUGH_APP

st.set_page_config(page_title="Leadership Insight", layout="wide")
st.session_state[ENTERED_THROUGH_APP] = True
st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/monitoring:"),
    st.Page("pages/teams_shifts.py", title="Teams and shifts", icon=":material/grid_view:"),
    st.Page("pages/triangulation_page.py", title="Triangulation", icon=":material/balance:", url_path="triangulation"),
    st.Page("pages/themes_page.py", title="Themes", icon=":material/forum:", url_path="themes"),
    st.Page("pages/board_report.py", title="Board report", icon=":material/summarize:"),
    st.Page("pages/upload.py", title="Upload", icon=":material/upload_file:"),
    st.Page("pages/settings_page.py", title="Settings", icon=":material/settings:", url_path="settings"),
]).run()
