"""Leadership Insight: the Streamlit entry point (streamlit run app.py)."""

import streamlit as st

from analytics.access import LOCAL_USER, ROLE_TITLES
from analytics.safe_output import plain_markdown
from pages.access_gate import gate
from pages.common import (
    ENTERED_THROUGH_APP,
    WANTED_PAGE,
    background_refresh_running,
    forget_stale_results,
    get_connection,
    settle_imports,
    sidebar_refresh_note,
)

st.set_page_config(page_title="Leadership Insight", layout="wide")
st.session_state[ENTERED_THROUGH_APP] = True
# Nothing below runs for someone the gate does not let in: it draws why and stops.
user = gate(get_connection())
forget_stale_results()
PAGES = {
    "pages/home.py": dict(title="Home", icon=":material/home:", default=True),
    "pages/overview.py": dict(title="Overview", icon=":material/dashboard:"),
    "pages/trends.py": dict(title="Trends", icon=":material/monitoring:"),
    "pages/teams_shifts.py": dict(title="Teams and shifts", icon=":material/grid_view:"),
    "pages/triangulation.py": dict(title="Triangulation", icon=":material/balance:"),
    "pages/themes.py": dict(title="Themes", icon=":material/forum:"),
    "pages/board_report.py": dict(title="Board report", icon=":material/summarize:"),
    "pages/concerns.py": dict(title="Concerns and actions", icon=":material/task_alt:"),
    "pages/upload.py": dict(title="Upload", icon=":material/upload_file:"),
}
if user.can("change_settings") or user.can("assign_roles") or user.can("view_audit_trail"):
    PAGES["pages/settings.py"] = dict(title="Settings", icon=":material/settings:")
pages = {path: st.Page(path, **options) for path, options in PAGES.items()}
if user.email != LOCAL_USER:
    with st.sidebar:
        roles = ", ".join(ROLE_TITLES[r] for r in ROLE_TITLES if r in user.roles)
        services = "all services" if user.services is None else ", ".join(user.services) or "no services"
        st.caption(plain_markdown(f"Signed in as {user.email} ({roles}; {services})"))
        st.button("Sign out", on_click=st.logout, key="sign_out")
if background_refresh_running():
    with st.sidebar:
        sidebar_refresh_note()
current = st.navigation(list(pages.values()))
# A first visit straight to a page's address came through here (pages.common.require_app_entry): open that page,
# with its filters, rather than Home.
wanted, params = st.session_state.pop(WANTED_PAGE, (None, {}))
if wanted in pages and pages[wanted] is not current:
    st.switch_page(pages[wanted], query_params=params)
current.run()
settle_imports()
