"""Leadership Insight: the Streamlit entry point (streamlit run app.py)."""

import streamlit as st

from pages.common import ENTERED_THROUGH_APP

st.set_page_config(page_title="Leadership Insight", layout="wide")
st.session_state[ENTERED_THROUGH_APP] = True
st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/upload.py", title="Upload", icon=":material/upload_file:"),
]).run()
