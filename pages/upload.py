"""Upload: load spreadsheets, check how their columns are read, and manage what was loaded."""

from __future__ import annotations

import streamlit as st

from pages.access_gate import page_user, require_permission
from pages.common import require_app_entry, show_background_refresh, show_original_text
from pages.data import read
from pages.upload_views import show_history, show_upload

require_app_entry()
st.title("Upload spreadsheets")
st.markdown("Load exports of your audits, complaints log, rota and feedback surveys. Check how each sheet "
            "will be read, correct any column that was matched wrongly, answer what only you can tell us, "
            "then load it.")
# Uploading, correcting mappings and removing batches go together: the same roles may do all three.
require_permission("upload", "Uploading spreadsheets, correcting column mappings and removing batches")
show_background_refresh()

uploads = st.file_uploader("Spreadsheets to load (.xlsx, .xlsm, .xls or .csv)", type=["xlsx", "xlsm", "xls", "csv"],
                           accept_multiple_files=True, key="uploads")
# One switch for the page: previews, rejected rows and their downloads all follow it.
original = show_original_text()
for upload in uploads:
    show_upload(upload, original)

st.header("Upload history")
show_history(read("batches", page_user().services), original)
