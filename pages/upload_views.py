"""The parts of the Upload page: one uploaded file from reading to loading, and the upload history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from analytics.audit_trail import record
from analytics.batches import (
    UnknownBatch,
    masked_rejections,
    rejections,
    rejections_workbook,
    remove_batch,
)
from analytics.ingest import BatchResult, SheetUpload, load_sheet
from analytics.mapping import (
    IGNORE,
    QUESTION_COLUMN,
    MappingError,
    SheetPlan,
    apply_overrides,
    mapping_table,
    plan_sheet,
)
from analytics.privacy import mask_text
from analytics.readers import FileRefused, RawSheet, read_sheets
from analytics.safe_output import plain_markdown
from analytics.sources import SOURCE_NAMES, Source, source_named
from analytics.workbook_reader import ReadLimits
from pages.access_gate import page_user
from pages.common import (
    XLSX_MIME,
    cell_text,
    connection_for,
    current_database,
    current_user,
    data_changed,
    fitted_height,
    get_connection,
    settings_json,
    source_label,
    uk_datetime,
)

PREVIEW_ROWS = 5
REJECTION_COLUMNS = {"sheet": "Sheet", "row_number": "Row in file", "column_name": "Column", "value": "Value",
                     "reason": "Why it was not loaded"}


@dataclass
class ReadySheet:
    """A sheet planned on the page, and whether the user confirmed or changed what was detected."""

    upload: SheetUpload
    confirmed: bool


@st.cache_data(show_spinner="Reading the file...", max_entries=16)
def read_upload(data: bytes, file_name: str, settings_text: str) -> list[RawSheet]:
    """The sheets of an uploaded file, read under the store's limits (raises FileRefused)."""
    return read_sheets(data, file_name, limits=ReadLimits.from_settings(json.loads(settings_text)))


def show_upload(upload: UploadedFile, original: bool) -> None:
    """One uploaded file: its sheets with their plans and a Load button, or what loading it did.

    Text from the file is shown with personal data masked unless `original`."""
    with st.container(border=True):
        st.subheader(plain_markdown(upload.name))
        results = st.session_state.get(_results_key(upload))
        if results is not None:
            show_results(upload.name, results, original)
            return
        data = upload.getvalue()
        try:
            sheets = read_upload(data, upload.name, settings_json())
        except FileRefused as error:
            st.error(plain_markdown(error))
            return
        tabs = (st.tabs([f"Sheet: {plain_markdown(raw.sheet)}" for raw in sheets]) if len(sheets) > 1
                else [st.container()])
        planned = []
        for tab, raw in zip(tabs, sheets):
            with tab:
                planned.append(show_sheet(upload.file_id, raw, original))
        ready = [sheet for sheet in planned if sheet is not None and not sheet.upload.plan.missing_required()]
        waiting = len(sheets) - len(ready)
        if waiting:
            st.caption(f"{waiting} of {len(sheets)} sheets still need a source or a column chosen before loading.")
        if st.button(f"Load {plain_markdown(upload.name)}", type="primary", disabled=bool(waiting),
                     key=f"load|{upload.file_id}"):
            load_upload(upload, data, ready, original)


def show_sheet(file_id: str, raw: RawSheet, original: bool) -> ReadySheet | None:
    """A sheet's source, layout, column mapping (editable) and first rows; None until its source is known."""
    con = get_connection()
    key = f"{file_id}|{raw.sheet}"
    try:
        detected: SheetPlan | None = plan_sheet(raw, con=con)
    except MappingError:
        detected = None
    choose, about = st.columns([1, 2], vertical_alignment="bottom")
    source_name = choose.selectbox(
        "Source", SOURCE_NAMES, index=SOURCE_NAMES.index(detected.source) if detected else None,
        format_func=source_label, key=f"source|{key}", placeholder="Choose which source this sheet holds",
        help="Detected from the column headings; change it if the sheet holds something else.")
    if source_name is None:
        st.warning(f"Cannot tell from its columns which source this sheet holds "
                   f"({plain_markdown(', '.join(raw.headers))}). "
                   "Choose it above.")
        return None
    same_as_detected = detected is not None and source_name == detected.source
    plan = detected if same_as_detected else plan_sheet(raw, source_name, con=con)
    if plan.remembered:
        st.caption("Using the column mapping you confirmed before for files with these headings.")
    source = source_named(source_name)
    suggested = mapping_table(plan, raw.headers, raw.frame)
    if not original:
        suggested["examples"] = suggested["examples"].map(mask_text)
    st.caption("How each column will be read: click a cell under *Read as* to change it.")
    edited = st.data_editor(
        suggested, key=f"mapping|{key}|{source_name}", hide_index=True, width="stretch", height="content",
        disabled=["column", "examples"], column_config={
            "column": st.column_config.TextColumn("Column in file", width="medium"),
            "field": st.column_config.SelectboxColumn(
                "Read as", width="medium", required=True, options=mapping_targets(source),
                format_func=lambda target: target_label(source, target)),
            "examples": st.column_config.TextColumn("Example values", width="large"),
        })
    overrides = {column: target or IGNORE for column, target, before
                 in zip(edited["column"], edited["field"], suggested["field"]) if target != before}
    if overrides:
        plan = apply_overrides(plan, overrides, raw.headers)
    warn_about_repeats(edited, plan, source)
    about.caption(layout_text(plan))
    warn_about_missing(plan, source)
    for note in raw.skipped + plan.notes:
        st.caption(f"Note: {plain_markdown(note)}")
    st.caption(f"First {min(PREVIEW_ROWS, len(raw.frame))} of {len(raw.frame):,} rows "
               f"(headings found on row {raw.header_row}):")
    preview = raw.frame.head(PREVIEW_ROWS).map(cell_text)
    st.dataframe(preview if original else preview.map(mask_text), hide_index=True, width="stretch", height="content")
    return ReadySheet(SheetUpload(raw, plan), confirmed=not same_as_detected or bool(overrides))


def mapping_targets(source: Source) -> list[str]:
    """What a column can be read as: the source's fields, not used, and (for audits and feedback) a question."""
    targets = [f.name for f in source.fields] + [IGNORE]
    if source.wide_kind:
        targets.append(QUESTION_COLUMN)
    return targets


def target_label(source: Source, target: str) -> str:
    """A mapping target as people read it."""
    if target == IGNORE:
        return "(not used)"
    if target == QUESTION_COLUMN:
        return "A question (one column per question)"
    field = source.field(target)
    return f"{field.title} (required)" if field.required else field.title


def layout_text(plan: SheetPlan) -> str:
    """The sheet's layout in words."""
    if plan.layout == "wide":
        return (f"Layout: wide, one column per question ({len(plan.question_columns)} question columns); "
                "each answer becomes its own row.")
    return "Layout: long, one row per record."


def warn_about_repeats(edited: pd.DataFrame, plan: SheetPlan, source: Source) -> None:
    """Say which column wins where the user chose one field for several columns."""
    chosen = edited[~edited["field"].isin([IGNORE, QUESTION_COLUMN])]
    for target, group in chosen[chosen["field"].duplicated(keep=False)].groupby("field"):
        st.warning(f"{target_label(source, target)} is chosen for {plain_markdown(', '.join(group['column']))}; only "
                   f"{plain_markdown(plan.mapping.get(target))} will be used. Set the others to (not used).")


def warn_about_missing(plan: SheetPlan, source: Source) -> None:
    """Say which required fields have no column, with headings that usually hold them."""
    missing = plan.missing_required()
    if not missing:
        return
    wanted = "; ".join(f"**{source.field(name).title}** (often headed "
                       f"{', '.join(repr(s.title()) for s in source.field(name).synonyms[:3])})"
                       for name in missing)
    st.warning(f"Every row needs {wanted}, but no column is read as that yet. "
               "Choose the column that holds it under *Read as* above.")


def load_upload(upload: UploadedFile, data: bytes, sheets: list[ReadySheet], original: bool) -> None:
    """Load every sheet of the file, one batch each, then show what happened."""
    con = get_connection()
    progress = st.progress(0.0)
    results: list[BatchResult] = []
    for position, sheet in enumerate(sheets):
        progress.progress(position / len(sheets), text=f"Loading {plain_markdown(_where(sheet.upload.raw))}...")
        try:
            results.append(load_sheet(con, data, sheet.upload, loaded_by=current_user(), remember=sheet.confirmed,
                                      services=page_user().services))
        except (FileRefused, MappingError) as error:
            st.error(plain_markdown(error))
            break
    progress.progress(1.0, text="Loaded" if len(results) == len(sheets) else "Stopped")
    data_changed()
    if len(results) == len(sheets):
        st.session_state[_results_key(upload)] = results
        st.rerun()
    show_results(upload.name, results, original)


def show_results(file_name: str, results: list[BatchResult], original: bool) -> None:
    """What loading a file did: one summary line per sheet, notes, and the rows that were not loaded."""
    for result in results:
        if result.already_loaded_as is None:
            st.success(plain_markdown(result.summary()))
        else:
            st.info(plain_markdown(result.summary()))
        for note in result.notes:
            st.caption(f"Note: {plain_markdown(note)}")
    refused = [r.rejections for r in results if len(r.rejections)]
    if not refused:
        return
    rows = pd.concat(refused, ignore_index=True)
    count = rows["row_number"].nunique()
    st.markdown(f"**{count:,} {'row was' if count == 1 else 'rows were'} not loaded.** Download "
                f"{'it' if count == 1 else 'them'}, fix the spreadsheet and upload it again.")
    rows = rows if original else masked_rejections(rows)
    shown = [c for c in REJECTION_COLUMNS if c != "sheet" or rows["sheet"].astype(bool).any()]
    st.dataframe(rows[shown].rename(columns=REJECTION_COLUMNS), hide_index=True, width="stretch",
                 height=fitted_height(len(rows)))
    out_name = f"{Path(file_name).stem}_rows_to_fix.xlsx"
    st.download_button("Download the rows to fix (.xlsx)", rejections_workbook(rows), mime=XLSX_MIME,
                       file_name=out_name, key=f"rejections|{file_name}", on_click=record_export,
                       args=({"what": "rejected rows", "file": out_name, "original_text": original},))


def show_history(batches: pd.DataFrame, original: bool) -> None:
    """Every batch loaded, and for a chosen one: its rejected rows to download, and removing it."""
    removal = st.session_state.pop("removal_message", None)
    if removal is not None:
        removed, message = removal
        (st.success if removed else st.error)(message)
    if batches.empty:
        st.caption("Nothing has been loaded yet.")
        return
    st.dataframe(history_table(batches), hide_index=True, width="stretch", height=fitted_height(len(batches)))
    labels = {int(row.batch_id): f"Batch {row.batch_id}: {_where(row)} ({source_label(row.source)}, loaded "
              f"{uk_datetime(row.loaded_at)})" for row in batches.itertuples()}
    chosen = st.selectbox("Choose a batch to download its rejected rows or remove it", list(labels), index=None,
                          format_func=labels.get, key="chosen_batch", placeholder="Choose a batch")
    if chosen is None:
        return
    batch = batches.set_index("batch_id").loc[chosen]
    download, removal = st.columns(2)
    with download:
        if batch.rows_rejected:
            st.download_button(f"Download its {batch.rows_rejected:,} rejected rows (.xlsx)",
                               batch_rejections(current_database(), chosen, page_user().services, original),
                               mime=XLSX_MIME,
                               file_name=f"batch_{chosen}_rows_to_fix.xlsx", on_click=record_export,
                               args=({"what": "rejected rows", "batch": chosen, "original_text": original},))
        else:
            st.caption("No rows were rejected from this batch.")
    with removal:
        confirmed = st.checkbox(f"Remove batch {chosen}: its rows are taken out and any rows it replaced come back",
                                key=f"confirm_removal|{chosen}")
        st.button(f"Remove batch {chosen}", disabled=not confirmed, on_click=remove_chosen_batch, args=(chosen,))


def history_table(batches: pd.DataFrame) -> pd.DataFrame:
    """The batches as shown: UK dates, readable names, no bookkeeping columns."""
    return pd.DataFrame({
        "Batch": batches["batch_id"], "Loaded": batches["loaded_at"].map(uk_datetime),
        "By": batches["loaded_by"], "File": batches["file_name"], "Sheet": batches["sheet"],
        "Source": batches["source"].map(source_label), "New": batches["rows_new"],
        "Updated": batches["rows_updated"], "Unchanged": batches["rows_unchanged"],
        "Rejected": batches["rows_rejected"]})


@st.cache_data(show_spinner=False)
def batch_rejections(database: str, batch_id: int, services: tuple[str, ...] | None, original: bool = False) -> bytes:
    """A batch's rejected rows as an .xlsx to fix, personal data masked unless `original`."""
    rows = rejections(connection_for(database), batch_id, services)
    return rejections_workbook(rows if original else masked_rejections(rows))


def record_export(detail: dict) -> None:
    """Note a download in the audit trail (runs when the button is clicked)."""
    record(get_connection().cursor(), current_user(), "export", detail)


def remove_chosen_batch(batch_id: int) -> None:
    """Remove a batch (runs before the page redraws, so the history shows the result)."""
    if not page_user().can("remove_batch"):
        st.session_state["removal_message"] = (False, "Removing a batch needs the Quality lead or Administrator role.")
        return
    try:
        removed = remove_batch(get_connection(), batch_id, current_user(), page_user().services)
    except UnknownBatch:
        st.session_state["removal_message"] = (False, f"Could not remove batch {batch_id}: it was already removed "
                                                      "or holds rows of services outside yours.")
    else:
        taken = ", ".join(f"{count:,} rows taken out of {source_label(table)}" for table, count in removed.items())
        st.session_state["removal_message"] = (True, f"Removed batch {batch_id}: {taken}; "
                                                     "any rows it had replaced are back.")
    data_changed()
    st.session_state["chosen_batch"] = None


def _results_key(upload: UploadedFile) -> str:
    return f"results|{upload.file_id}"


def _where(item: RawSheet | tuple) -> str:
    return item.file_name + (f" [{item.sheet}]" if item.sheet else "")
