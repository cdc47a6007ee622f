"""The parts of the Upload page: one uploaded file from reading to loading, and the upload history."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from analytics.audit_trail import record
from analytics.batches import (
    UnknownBatch,
    masked_rejections,
    rejections,
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
from analytics.rating_scales import LOWER
from analytics.readers import FileRefused, RawSheet, read_sheets
from analytics.reading import PROPOSED_FROM_NAMES, Answers, Question, SheetReading, name_as_value, read_sheet
from analytics.safe_output import plain_markdown
from analytics.sources import SOURCE_NAMES, Source, source_named
from analytics.workbook_reader import ReadLimits
from analytics.workbooks import rejections_workbook
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
    refresh_in_background,
    settings_json,
    source_label,
    uk_datetime,
)

PREVIEW_ROWS = 5
REJECTION_COLUMNS = {"sheet": "Sheet", "row_number": "Row in file", "column_name": "Column", "value": "Value",
                     "reason": "Why it was not loaded"}


@dataclass
class ReadySheet:
    """A sheet planned and read on the page, whether the user confirmed or changed what was detected, and what it
    still needs (an answer, a value) before it can load."""

    upload: SheetUpload
    confirmed: bool
    needs: list[str] = field(default_factory=list)


@st.cache_data(show_spinner="Reading the file...", max_entries=16)
def read_upload(data: bytes, file_name: str, settings_text: str) -> list[RawSheet]:
    """The sheets of an uploaded file, read under the store's limits (raises FileRefused)."""
    return read_sheets(data, file_name, limits=ReadLimits.from_settings(json.loads(settings_text)))


def show_upload(upload: UploadedFile, original: bool) -> None:
    """One uploaded file: its sheets with their readings and questions, and a Load button; or what loading it did.

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
        ready = [sheet for sheet in planned if sheet is not None and not sheet.needs]
        waiting = len(sheets) - len(ready)
        if waiting:
            needs = [("its source chosen" if sheet is None else " and ".join(sheet.needs))
                     + (f" (sheet {raw.sheet})" if len(sheets) > 1 else "")
                     for raw, sheet in zip(sheets, planned) if sheet is None or sheet.needs]
            st.caption(plain_markdown(f"Not ready to load: still needs {'; '.join(needs)}."))
        if st.button(f"Load {plain_markdown(upload.name)}", type="primary", disabled=bool(waiting),
                     key=f"load|{upload.file_id}"):
            load_upload(upload, data, ready, original)


def show_sheet(file_id: str, raw: RawSheet, original: bool) -> ReadySheet | None:
    """A sheet's source, how each column is read (editable), the header row, notes and first rows, and the
    questions only the person can answer; None until its source is known."""
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
    comments = list(getattr(plan, "comment_columns", []))
    suggested = mapping_table(plan, raw.headers, raw.frame)[["column", "field"]]
    suggested.loc[suggested["column"].isin(comments), "field"] = COMMENT_COLUMN
    editor_key = f"mapping|{key}|{source_name}"
    # The editor's edits are in its state before it is drawn, so the reading beside each column follows them.
    overrides = mapping_overrides(suggested, current_fields(suggested, st.session_state.get(editor_key)), comments)
    if overrides:
        plan = apply_overrides(plan, overrides, raw.headers)

    # Read once with nothing answered, for every question and every proposal; then again with the answers.
    lacking = replace(plan, values={}).missing_required()
    unanswered = replace(plan)
    asked = read_sheet(raw, unanswered, Answers(), con).questions
    table_slot, about_slot = st.container(), st.container()
    answers = Answers()
    typed = ask(key, source_name, raw, asked, lacking, unanswered.values, source, answers)
    reading = read_sheet(raw, plan, answers, con)
    for name, value in typed.items():
        if not value:
            plan.values.pop(name, None)  # the person emptied the box: nothing stands in for it

    with table_slot:
        st.caption("How each column is read, why, and how sure: click a cell under *Read as* to change it.")
        edited = st.data_editor(
            reading_table(suggested, reading, overrides, original), key=editor_key, hide_index=True,
            width="stretch", height="content", disabled=["column", "sure", "detail", "evidence"],
            column_order=["column", "field", "sure", "detail", "evidence"], column_config={
                "column": st.column_config.TextColumn("Column in file", width=220),
                "field": st.column_config.SelectboxColumn(
                    "Read as", width=180, required=True, options=mapping_targets(source, comments),
                    format_func=lambda target: target_label(source, target)),
                "sure": st.column_config.TextColumn(
                    "How sure", width=80, help="Sure; likely (worth a look); unsure (check it)"),
                "detail": st.column_config.TextColumn(
                    "Detail", width=150, help="The rating scale and which end is best; the order of dates"),
                "evidence": st.column_config.TextColumn("Evidence", width="large", help="Why it is read this way"),
            })
        warn_about_repeats(edited, plan, source)
    open_count = len(reading.questions) + len([n for n, v in typed.items() if not v])
    about.caption(layout_text(plan) + (f" **{open_count} {'question' if open_count == 1 else 'questions'} for you "
                                       "below.**" if open_count else ""))
    with about_slot:
        evidence = reading.header_evidence if original else mask_text(reading.header_evidence)
        st.caption(f"Headings found on row {reading.header_row} (why: {plain_markdown(evidence)}).")
        warn_about_missing(plan, source, set(typed))
        for note in raw.skipped + plan.notes + reading.notes:
            st.caption(f"Note: {plain_markdown(note if original else mask_text(note))}")
        st.caption(f"First {min(PREVIEW_ROWS, len(raw.frame))} of {len(raw.frame):,} rows:")
        preview = raw.frame.head(PREVIEW_ROWS).map(cell_text)
        st.dataframe(preview if original else preview.map(mask_text), hide_index=True, width="stretch",
                     height="content")
    needs = []
    if reading.questions:
        count = len(reading.questions)
        needs.append("an answer to the question above" if count == 1 else f"{count} questions above answered")
    missing = plan.missing_required()
    if missing:
        needs.append(", ".join(source.field(name).title.lower() for name in missing))
    return ReadySheet(SheetUpload(raw, plan, reading), confirmed=not same_as_detected or bool(overrides),
                      needs=needs)


COMMENT_COLUMN = "comment_column"  # a column of free text kept as its own answer (SheetPlan.comment_columns)
SURE_WORDS = {"sure": "✓ sure", "likely": "≈ likely", "unsure": "? unsure"}
KNOWN_HEADING = "named as we list it"  # analytics.reading's evidence for a heading it lists, shown shorter


def current_fields(suggested: pd.DataFrame, state: object) -> list[str]:
    """What each column is read as with the editor's edits so far (its session state) applied."""
    fields = list(suggested["field"])
    edited = state.get("edited_rows", {}) if isinstance(state, dict) else {}
    for row, change in edited.items():
        position = int(row)
        if 0 <= position < len(fields) and isinstance(change, dict) and "field" in change:
            fields[position] = change["field"] or IGNORE
    return fields


def mapping_overrides(suggested: pd.DataFrame, fields: list[str], comments: list[str]) -> dict[str, str]:
    """The columns the person changed, as apply_overrides takes them. A column can be read as a comment under its
    own question only where one was found (choosing it elsewhere changes nothing)."""
    overrides = {}
    for column, target, before in zip(suggested["column"], fields, suggested["field"]):
        if target == before or target == COMMENT_COLUMN:
            continue
        overrides[column] = target or IGNORE
    return overrides


def reading_table(suggested: pd.DataFrame, reading: SheetReading, overrides: dict[str, str],
                  original: bool) -> pd.DataFrame:
    """The editor's rows: each column, what it is read as (editable), how sure, the detail and the evidence."""
    by_column = {c.column: c for c in reading.columns}
    sure, detail, evidence = [], [], []
    for column in suggested["column"]:
        read = by_column.get(column)
        why = read.evidence if read else ""
        if why.startswith(KNOWN_HEADING):
            why = "a heading we know" + why[len(KNOWN_HEADING):]
        if column in overrides:
            chosen = "you chose not to read it" if overrides[column] == IGNORE else "you chose it"
            why = (why.replace("a heading we know", chosen, 1) if why.startswith("a heading we know")
                   else f"{chosen}; {why}")
        sure.append("✓ you chose it" if column in overrides else SURE_WORDS.get(read.certainty, read.certainty)
                    if read else "")
        shown, _, aside = (read.detail if read else "").partition(" (")
        if aside:  # "dates, day first (every date could be read either way; ...)": the aside is evidence
            why = f"{aside.removesuffix(')')}; {why}"
        detail.append(shown)
        evidence.append(why if original else mask_text(why))
    return suggested.assign(sure=sure, detail=detail, evidence=evidence)


def ask(key: str, source_name: str, raw: RawSheet, questions: list[Question], lacking: list[str],
        proposals: dict[str, str], source: Source, answers: Answers) -> dict[str, str]:
    """Ask each question (the likely answer chosen) and, for a required value no column holds, a box with the value
    proposed; put the answers in `answers`. Returns the boxes' values by field (empty where the box was emptied)."""
    asked_fields = {q.key.split("|", 1)[1] for q in questions if q.key.startswith("set|")}
    boxes = [name for name in lacking if name not in asked_fields and (name in PROPOSED_FROM_NAMES or name in proposals)]
    typed: dict[str, str] = {}
    if not questions and not boxes:
        return typed
    with st.container(border=True):
        st.markdown("**Before loading: what only you can tell us**")
        if any(q.proposed for q in questions):
            st.caption("The likely answer is chosen: change it if it is wrong.")
        for question in questions:
            add_answer(answers, question, ask_one(f"answer|{key}|{source_name}|{question.key}", question))
        for name in boxes:
            title = source.field(name).title
            proposal = proposals.get(name, "")
            where = ("the sheet name" if name_as_value(raw.sheet) == proposal else "the file name") if proposal else ""
            value = st.text_input(
                plain_markdown(f"{title} (no column holds it; every row gets this)"), value=proposal,
                key=f"value|{key}|{source_name}|{name}", placeholder=f"Type the {title.lower()}",
                help=plain_markdown(f"On the command line: --set {name}=\"...\""))
            typed[name] = value.strip()
            if proposal and value.strip() == proposal:
                st.caption(plain_markdown(f"Proposed from {where}; change it if it is wrong."))
            elif not value.strip():
                st.caption(f"Type the {plain_markdown(title.lower())}, or choose the column that holds it under "
                           "*Read as*.")
            if value.strip() != proposal:
                answers.values[name] = value.strip()
    return typed


def ask_one(widget_key: str, question: Question) -> str | None:
    """One question as a choice, the likely answer preselected; a service to set has none, and says so."""
    kind, _, subject = question.key.partition("|")
    label = plain_markdown(question.text)
    helped = plain_markdown(f"On the command line: {question.flag}")
    index = question.choices.index(question.proposed) if question.proposed in question.choices else None
    if kind == "set":
        choices = list(question.choices)
        services = page_user().services if subject == "service" else None
        if services is not None:
            choices = [c for c in choices if c in services] or choices
        return st.selectbox(label, choices, index=None if question.proposed not in choices else
                            choices.index(question.proposed), key=widget_key, help=helped,
                            placeholder=f"Choose the {subject} these rows are for")
    return st.radio(label, question.choices, index=index, key=widget_key, help=helped,
                    format_func=lambda choice: plain_markdown(choice_words(question, choice)))


def choice_words(question: Question, choice: str) -> str:
    """A choice as people read it: "1-5, 5 is best", "Yes: it is Oakwood House", "No: a new service"."""
    kind, _, subject = question.key.partition("|")
    likely = " (likely)" if choice == question.proposed else ""
    if kind == "scale":
        return scale_words(choice) + likely
    if kind == "name":
        field_name, _, name = subject.partition("|")
        if choice == "new":
            return f"No: {name!r} is a new {field_name}" + likely
        return f"Yes: it is {choice!r}" + likely
    return choice + likely


SCALE_ENDS = {"fft_code": ("FFT codes", "5", "1"), "1-5": ("1-5", "1", "5"), "0-10": ("0-10", "0", "10")}


def scale_words(choice: str) -> str:
    """A rating scale and direction as "SCALE:DIRECTION" in words: "1-5:higher_is_better" is "1-5, 5 is best"."""
    scale, _, direction = choice.partition(":")
    if scale in SCALE_ENDS:
        name, low, high = SCALE_ENDS[scale]
        if scale == "fft_code":  # codes count down: 1 is very good; "higher is better" means the better answer
            low, high = high, low
        return f"{name}, {high if direction != LOWER else low} is best"
    return f"{scale}, {'higher' if direction != LOWER else 'lower'} values are best"


def add_answer(answers: Answers, question: Question, choice: str | None) -> None:
    """Put one chosen answer where the reading looks for it."""
    if choice is None:
        return
    kind, _, subject = question.key.partition("|")
    if kind == "scale":
        scale, _, direction = choice.partition(":")
        answers.scales[subject] = (scale, direction)
    elif kind == "name":
        name = subject.partition("|")[2]
        if choice == "new":
            answers.new.add(name)
        else:
            answers.same[name] = choice
    elif kind == "set":
        answers.values[subject] = choice


def mapping_targets(source: Source, comments: list[str] | None = None) -> list[str]:
    """What a column can be read as: the source's fields, not used, and (for audits and feedback) a question."""
    targets = [f.name for f in source.fields] + [IGNORE]
    if source.wide_kind:
        targets.append(QUESTION_COLUMN)
    if comments:
        targets.append(COMMENT_COLUMN)
    return targets


def target_label(source: Source, target: str) -> str:
    """A mapping target as people read it."""
    if target == IGNORE:
        return "(not used)"
    if target == QUESTION_COLUMN:
        return "A question (its own column)"
    if target == COMMENT_COLUMN:
        return "A comment, under its own question"
    chosen = source.field(target)
    return f"{chosen.title} (required)" if chosen.required else chosen.title


def layout_text(plan: SheetPlan) -> str:
    """The sheet's layout in words."""
    if plan.layout == "wide":
        return (f"Layout: wide, one column per question ({len(plan.question_columns)} question columns); "
                "each answer becomes its own row.")
    return "Layout: long, one row per record."


def warn_about_repeats(edited: pd.DataFrame, plan: SheetPlan, source: Source) -> None:
    """Say which column wins where the user chose one field for several columns."""
    chosen = edited[~edited["field"].isin([IGNORE, QUESTION_COLUMN, COMMENT_COLUMN])]
    for target, group in chosen[chosen["field"].duplicated(keep=False)].groupby("field"):
        st.warning(f"{target_label(source, target)} is chosen for {plain_markdown(', '.join(group['column']))}; only "
                   f"{plain_markdown(plan.mapping.get(target))} will be used. Set the others to (not used).")


def warn_about_missing(plan: SheetPlan, source: Source, boxed: set[str] = frozenset()) -> None:
    """Say which required fields have no column, with headings that usually hold them (those with a box to type
    the value in say so below it)."""
    missing = [name for name in plan.missing_required() if name not in boxed]
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
    if results:
        refresh_in_background()
    if len(results) == len(sheets):
        st.session_state[_results_key(upload)] = results
        st.rerun()
    show_results(upload.name, results, original)


def show_results(file_name: str, results: list[BatchResult], original: bool) -> None:
    """What loading a file did: one summary line per sheet, its notes, and the rows not loaded and cells not read."""
    for result in results:
        if result.already_loaded_as is None:
            st.success(plain_markdown(result.summary()))
        else:
            st.info(plain_markdown(result.summary()))
        for note in result.notes:
            st.caption(f"Note: {plain_markdown(note if original else mask_text(note))}")
    refused = [r.rejections for r in results if len(r.rejections)]
    if not refused:
        return
    rows = pd.concat(refused, ignore_index=True)
    kept = (rows["row_kept"].fillna(False).astype(bool) if "row_kept" in rows
            else pd.Series(False, index=rows.index))
    count = rows.loc[~kept, "row_number"].nunique()
    cells = int(kept.sum())
    told = []
    if count:
        told.append(f"**{count:,} {'row was' if count == 1 else 'rows were'} not loaded.**")
    if cells:
        told.append(f"**{cells:,} {'cell' if cells == 1 else 'cells'} not read;** "
                    f"{'its row was' if cells == 1 else 'their rows were'} kept without "
                    f"{'it' if cells == 1 else 'them'}.")
    st.markdown(" ".join(told) + " Download the rows to fix, correct the spreadsheet and upload it again.")
    rows = rows if original else masked_rejections(rows)
    shown = rows.assign(kept=kept.map({True: "kept without this cell", False: "not loaded"}))
    columns = {**REJECTION_COLUMNS, "reason": "Why it was not read", "kept": "Row"} if cells else REJECTION_COLUMNS
    shown_columns = [c for c in columns if c != "sheet" or shown["sheet"].astype(bool).any()]
    st.dataframe(shown[shown_columns].rename(columns=columns), hide_index=True, width="stretch",
                 height=fitted_height(len(shown)))
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
    refresh_in_background()
    st.session_state["chosen_batch"] = None


def _results_key(upload: UploadedFile) -> str:
    return f"results|{upload.file_id}"


def _where(item: RawSheet | tuple) -> str:
    return item.file_name + (f" [{item.sheet}]" if item.sheet else "")
