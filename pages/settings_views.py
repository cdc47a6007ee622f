"""The Settings page's pieces: what each threshold means, the editors for each setting, and their checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics.key_questions import KEY_QUESTIONS
from analytics.setting_rules import LIMITS, limit_problems, threshold_info, threshold_problems
from analytics.settings import default_settings, reset_settings, save_setting
from pages.common import current_user, data_changed, fitted_height, get_connection

WIDGET_PREFIX = "settings|"
SAVED = "settings_saved"
SHIFT_COLUMNS = ["Standard shift", "Labels (comma-separated)"]
RULE_COLUMNS = ["Key question", "Quality statement", "Matching words (comma-separated)"]
DATE_ORDERS = {"dmy": "UK: day first (03/02/2026 is 3 February)", "mdy": "US: month first (03/02/2026 is 2 March)"}
OTHER_KEYS = ("default_service", "date_order", "partial_credit", "feedback_key_question", "date_range", "limits")
RESET_CHOICES = {"Everything": None, "Thresholds": ("thresholds",), "Shift names": ("shifts",),
                 "CQC key-question mapping": ("key_questions",), "Other settings": OTHER_KEYS}


def shift_table(shifts: dict[str, list[str]]) -> pd.DataFrame:
    """The shift names as rows: each standard shift and the labels read as it."""
    return pd.DataFrame([[name, ", ".join(labels)] for name, labels in shifts.items()], columns=SHIFT_COLUMNS)


def words(text: object) -> list[str]:
    """Comma-separated words, trimmed and lower-cased, without blanks or repeats."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(w.strip().lower() for w in text.split(",") if w.strip()))


def shifts_from_table(table: pd.DataFrame) -> tuple[dict[str, list[str]], list[str]]:
    """The shift setting from the edited table, and what is wrong with it."""
    shifts: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    problems = []
    for number, (name, labels) in enumerate(zip(table[SHIFT_COLUMNS[0]], table[SHIFT_COLUMNS[1]]), start=1):
        name = name.strip() if isinstance(name, str) else ""
        if not name and not words(labels):
            continue
        if not name:
            problems.append(f"Row {number} has labels but no standard shift name.")
            continue
        if name.lower() in {s.lower() for s in shifts}:
            problems.append(f"'{name}' is listed twice: put all its labels on one row.")
            continue
        for label in words(labels):
            if label in owner and owner[label] != name:
                problems.append(f"The label '{label}' is given to both {owner[label]} and {name}: keep it on one.")
            owner[label] = name
        shifts[name] = words(labels)
    if not shifts:
        problems.append("Keep at least one standard shift.")
    return shifts, problems


def rule_table(rules: list[dict[str, Any]]) -> pd.DataFrame:
    """The key-question mapping as rows: key question, quality statement, matching words."""
    return pd.DataFrame([[r["key_question"], r["quality_statement"], ", ".join(r["matches"])] for r in rules],
                        columns=RULE_COLUMNS)


def rules_from_table(table: pd.DataFrame) -> tuple[list[dict[str, Any]], list[str]]:
    """The key-question mapping from the edited table, and what is wrong with it."""
    rules, problems = [], []
    for number, (question, statement, matches) in enumerate(table[RULE_COLUMNS].itertuples(index=False), start=1):
        question = question if isinstance(question, str) else ""
        statement = statement.strip() if isinstance(statement, str) else ""
        if not question and not statement and not words(matches):
            continue
        if question not in KEY_QUESTIONS:
            problems.append(f"Row {number}: choose a key question ({', '.join(KEY_QUESTIONS)}).")
        if not statement:
            problems.append(f"Row {number}: name the quality statement, e.g. 'Medicines optimisation'.")
        if not words(matches):
            problems.append(f"Row {number}: give at least one matching word, e.g. 'medication, mar'.")
        rules.append({"key_question": question, "quality_statement": statement, "matches": words(matches)})
    if not rules:
        problems.append("Keep at least one row: without the mapping nothing can be placed under a key question.")
    return rules, problems


def save(values: dict[str, Any], problems: list[str], what: str) -> None:
    """Save settings when they pass their checks, else say what to fix; clear cached results after a change."""
    if problems:
        st.error("Not saved. " + " ".join(problems))
        return
    con = get_connection()
    for key, value in values.items():
        save_setting(con, key, value, changed_by=current_user())
    data_changed()
    st.success(f"Saved the {what}. Every page now uses them.")


def thresholds_form(thresholds: dict[str, float]) -> None:
    """Every threshold as a labelled number with help, grouped by what it judges, and a Save button."""
    defaults = default_settings()["thresholds"]
    by_section: dict[str, list[str]] = {}
    for key, value in thresholds.items():
        by_section.setdefault(threshold_info(key, value).section, []).append(key)
    with st.form("thresholds", border=False):
        values = {}
        for section, keys in by_section.items():
            st.markdown(f"**{section}**")
            for column, key in zip(st.columns(3) * len(keys), keys):
                values[key] = number_input(column, key, thresholds[key], defaults.get(key))
        if st.form_submit_button("Save thresholds", type="primary"):
            changed = {k: v for k, v in values.items() if v != defaults.get(k)}
            save({"thresholds": changed}, threshold_problems(values), "thresholds")


def number_input(column: Any, key: str, value: float, default: float | None) -> float:
    """One threshold's input, its help ending with the default."""
    info = threshold_info(key, value)
    help_text = " ".join(p for p in (info.help, f"Default: {default:g}." if default is not None else "") if p)
    if info.kind == "count":
        return column.number_input(info.label, value=int(value), step=1, help=help_text, key=WIDGET_PREFIX + key)
    return column.number_input(info.label, value=float(value), step=0.01 if info.kind == "share" else 0.1,
                               format="%.2f", help=help_text, key=WIDGET_PREFIX + key)


def shifts_form(shifts: dict[str, list[str]]) -> None:
    """The shift names table: each standard shift and the labels that mean it."""
    with st.form("shifts", border=False):
        edited = st.data_editor(shift_table(shifts), num_rows="dynamic", hide_index=True, width="stretch",
                                key=WIDGET_PREFIX + "shifts", column_config={
                                    SHIFT_COLUMNS[0]: st.column_config.TextColumn(width="small"),
                                    SHIFT_COLUMNS[1]: st.column_config.TextColumn(width="large")})
        if st.form_submit_button("Save shift names", type="primary"):
            value, problems = shifts_from_table(edited)
            save({"shifts": value}, problems, "shift names")


def rules_form(rules: list[dict[str, Any]]) -> None:
    """The CQC key-question mapping: which words place an audit type, category or theme under which question."""
    with st.form("key_questions", border=False):
        table = rule_table(rules)
        edited = st.data_editor(table, num_rows="dynamic", hide_index=True, width="stretch",
                                height=fitted_height(len(table) + 1, 30), key=WIDGET_PREFIX + "key_questions",
                                column_config={
                                    RULE_COLUMNS[0]: st.column_config.SelectboxColumn(options=KEY_QUESTIONS,
                                                                                      required=True),
                                    RULE_COLUMNS[2]: st.column_config.TextColumn(width="large")})
        if st.form_submit_button("Save the key-question mapping", type="primary"):
            value, problems = rules_from_table(edited)
            save({"key_questions": value}, problems, "key-question mapping")


def other_form(settings: dict[str, Any]) -> None:
    """The default service name, the date order for ambiguous dates, partial credit and feedback's key question."""
    with st.columns([2, 1])[0], st.form("other", border=False):
        service = st.text_input("Default service name", settings["default_service"], key=WIDGET_PREFIX + "service",
                                help="Used for rows in a spreadsheet with no service column, when none is chosen.")
        order = st.radio("Date order when a column cannot tell", list(DATE_ORDERS), format_func=DATE_ORDERS.get,
                         index=list(DATE_ORDERS).index(settings["date_order"]), key=WIDGET_PREFIX + "date_order",
                         help="Most columns show their order (a day above 12). Where every date could be read "
                              "either way, this decides.")
        credit = st.number_input("Credit for a 'partially met' answer", value=float(settings["partial_credit"]),
                                 step=0.05, format="%.2f", key=WIDGET_PREFIX + "partial_credit",
                                 help="Met counts 1 and not met 0; partially met counts this. 0.5 means half.")
        question = st.selectbox("Key question feedback ratings count towards", KEY_QUESTIONS,
                                index=KEY_QUESTIONS.index(settings["feedback_key_question"]),
                                key=WIDGET_PREFIX + "feedback_key_question")
        if st.form_submit_button("Save", type="primary"):
            problems = [] if service.strip() else ["Give a default service name, e.g. 'Oakwood House'."]
            if not 0 <= credit <= 1:
                problems.append(f"The credit for a 'partially met' answer is a share: enter a number between 0 and 1; "
                                f"it is {credit:g}.")
            save({"default_service": service.strip(), "date_order": order, "partial_credit": credit,
                  "feedback_key_question": question}, problems, "settings")


def files_and_dates_form(settings: dict[str, Any]) -> None:
    """The dates a row may have, and the limits on a file before it is read."""
    with st.columns([2, 1])[0], st.form("files_and_dates", border=False):
        st.markdown("**Dates accepted.** A row dated outside these is refused with the reason, so a mistyped year "
                    "never moves the date the pages judge as of.")
        dates = settings["date_range"]
        earliest = st.date_input("Earliest date", date.fromisoformat(str(dates["earliest"])), format="DD/MM/YYYY",
                                 key=WIDGET_PREFIX + "earliest")
        ahead = st.number_input("Days ahead of today accepted", value=int(dates["latest_days_ahead"]), step=1,
                                key=WIDGET_PREFIX + "latest_days_ahead",
                                help="A planned rota can run ahead of today; nothing else should.")
        st.markdown("**Limits on a file**, checked before it is read.")
        chosen = {key: st.number_input(label, value=int(settings["limits"].get(key, low)), step=1, help=help_text,
                                       key=WIDGET_PREFIX + key)
                  for key, (label, help_text, low) in LIMITS.items()}
        if st.form_submit_button("Save", type="primary"):
            problems = [] if ahead >= 0 else [f"Days ahead of today is a number of days, 0 or more; it is {ahead:g}."]
            problems += limit_problems(chosen)
            save({"date_range": {"earliest": earliest.isoformat(), "latest_days_ahead": int(ahead)},
                  "limits": {key: int(value) for key, value in chosen.items()}}, problems, "file limits and dates")


def reset_section() -> None:
    """Go back to the defaults for one part of the settings or all of them, after a confirmation."""
    if message := st.session_state.pop(SAVED, None):
        st.success(message)
    choice = st.columns([1, 2])[0].selectbox("What to reset", list(RESET_CHOICES), key="reset_choice")
    confirmed = st.checkbox(f"Yes, replace {choice.lower()} with the defaults", key=f"confirm_reset|{choice}")
    if st.button("Reset to defaults", disabled=not confirmed, icon=":material/restart_alt:"):
        con = get_connection()
        for key in RESET_CHOICES[choice] or (None,):
            reset_settings(con, key, changed_by=current_user())
        for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
            del st.session_state[key]
        st.session_state.pop(f"confirm_reset|{choice}", None)
        data_changed()
        st.session_state[SAVED] = f"Reset {choice.lower()} to the defaults."
        st.rerun()
