"""Leadership Insight: the Streamlit entry point (streamlit run app.py)."""

import streamlit as st

from analytics.access import LOCAL_USER, ROLE_TITLES
from analytics.safe_output import plain_markdown
from pages.access_gate import gate
from pages.common import ENTERED_THROUGH_APP, forget_stale_results, get_connection

st.set_page_config(page_title="Leadership Insight", layout="wide")
st.session_state[ENTERED_THROUGH_APP] = True
# Nothing below runs for someone the gate does not let in: it draws why and stops.
user = gate(get_connection())
forget_stale_results()
pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/monitoring:"),
    st.Page("pages/teams_shifts.py", title="Teams and shifts", icon=":material/grid_view:"),
    st.Page("pages/triangulation_page.py", title="Triangulation", icon=":material/balance:", url_path="triangulation"),
    st.Page("pages/themes_page.py", title="Themes", icon=":material/forum:", url_path="themes"),
    st.Page("pages/board_report.py", title="Board report", icon=":material/summarize:"),
    st.Page("pages/concerns_page.py", title="Concerns and actions", icon=":material/task_alt:", url_path="concerns"),
    st.Page("pages/upload.py", title="Upload", icon=":material/upload_file:"),
]
if user.can("change_settings") or user.can("assign_roles") or user.can("view_audit_trail"):
    pages.append(st.Page("pages/settings_page.py", title="Settings", icon=":material/settings:", url_path="settings"))
if user.email != LOCAL_USER:
    with st.sidebar:
        roles = ", ".join(ROLE_TITLES[r] for r in ROLE_TITLES if r in user.roles)
        services = "all services" if user.services is None else ", ".join(user.services) or "no services"
        st.caption(plain_markdown(f"Signed in as {user.email} ({roles}; {services})"))
        st.button("Sign out", on_click=st.logout, key="sign_out")
st.navigation(pages).run()
