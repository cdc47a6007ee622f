"""The Settings page's pieces: what each threshold means, the editors for each setting, and their checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics.key_questions import KEY_QUESTIONS
from analytics.settings import default_settings, reset_settings, save_setting
from pages.common import current_user, data_changed, fitted_height, get_connection

WIDGET_PREFIX = "settings|"
SAVED = "settings_saved"
SHIFT_COLUMNS = ["Standard shift", "Labels (comma-separated)"]
RULE_COLUMNS = ["Key question", "Quality statement", "Matching words (comma-separated)"]
DATE_ORDERS = {"dmy": "UK: day first (03/02/2026 is 3 February)", "mdy": "US: month first (03/02/2026 is 2 March)"}
OTHER_KEYS = ("default_service", "date_order", "partial_credit", "feedback_key_question", "date_range", "limits")
# The limits on a file before it is read (analytics.workbook_reader.ReadLimits): label, help, smallest value.
LIMITS = {
    "max_file_mb": ("Largest file (MB)", "A larger file is refused before it is read.", 1),
    "max_columns": ("Most columns in a sheet", "No export a person reads has more; a sheet with more is refused.", 10),
    "max_cells": ("Most cells in a sheet (rows x columns)", "A stray cell far from the table makes a sheet huge.",
                  10_000),
    "max_text_mb": ("Most text in a workbook (MB)", "One cell holding a pasted document can take this much.", 1),
    "max_unpacked_mb": ("Largest workbook unpacked (MB)", "Workbooks are compressed; this is their size opened.", 10),
    "reader_memory_mb": ("Memory the reader may use (MB)", "The reader runs apart from the dashboard with this much.",
                         500),
    "reader_seconds": ("Time the reader may take (seconds)", "A file still being read after this is stopped.", 10),
}
RESET_CHOICES = {"Everything": None, "Thresholds": ("thresholds",), "Shift names": ("shifts",),
                 "CQC key-question mapping": ("key_questions",), "Other settings": OTHER_KEYS}


@dataclass(frozen=True)
class Threshold:
    """How a threshold is shown: its section, a plain-English label, help, and what kind of number it is."""

    section: str
    label: str
    help: str
    kind: str  # share (0 to 1), count (whole number, at least 1), ratio (at least 1) or positive


THRESHOLDS = {
    "recent_cycles": Threshold("Audits", "Months looked at for recent patterns", "How many monthly cycles up to the "
                               "'judge as of' date the register, repeat findings and headline checks look at.",
                               "count"),
    "item_failing_compliance": Threshold("Audits", "An audit item fails a month below", "A month where an audit item's "
                                         "compliance is below this counts as a failed cycle. 0.75 means 75%.", "share"),
    "item_failing_chance": Threshold("Audits", "How unlikely by chance a repeat finding must be", "A repeat finding "
                                     "stands when an item truly at the failing line would score as low as this "
                                     "rarely, since it first failed (or in two months on their own). 0.05 means 1 "
                                     "time in 20.", "share"),
    "item_limited_chance": Threshold("Audits", "Repeat findings shown as limited evidence up to", "A pattern chance "
                                     "could give more often than the line above, but no more often than this, is "
                                     "shown as limited evidence: too few records to tell. 0.2 means 1 time in 5.",
                                     "share"),
    "recurring_min_cycles": Threshold("Audits", "Failed months that make a pattern", "An item failing in at least this "
                                      "many months is a recurring pattern; fewer is an isolated slip.", "count"),
    "persistent_min_cycles": Threshold("Audits", "Failed months that make it persistent", "An item failing in at least "
                                       "this many months, in a row up to the latest or in most months, is persistent.",
                                       "count"),
    "service_wide_share_of_teams": Threshold("Audits", "Share of teams that makes a pattern service-wide", "A pattern "
                                             "is service-wide when at least this share of the teams audited show it. "
                                             "0.5 means half.", "share"),
    "headline_good_compliance": Threshold("Audits", "A headline audit score is good from", "An audit type's overall "
                                          "compliance at or above this is a good headline, which may hide a weak item. "
                                          "0.9 means 90%.", "share"),
    "masked_min_share_of_cycles": Threshold("Audits", "Share of months a hidden weakness must fail", "An item beneath "
                                            "a good headline is flagged when it failed in at least this share of the "
                                            "months.", "share"),
    "compliance_good": Threshold("Audits", "Audit compliance is good from", "Where audit compliance counts as good in "
                                 "the register and when set against complaints and feedback. 0.9 means 90%.", "share"),
    "fill_rate_good": Threshold("Staffing", "Rota fill rate is good from", "Hours worked as a share of hours planned. "
                                "0.95 means 95%.", "share"),
    "agency_share_concern": Threshold("Staffing", "Agency share of hours is a concern from", "A team's shift where "
                                      "agency staff work at least this share of the hours is flagged. 0.2 means 20%.",
                                      "share"),
    "handover_completion_good": Threshold("Staffing", "Handover completion is good from", "The share of shifts with "
                                          "the handover recorded as completed. 0.9 means 90%.", "share"),
    "feedback_good_score": Threshold("Feedback", "Feedback is good from", "An average rating as a share of the top "
                                     "score: 4 out of 5 is 0.8.", "share"),
    "min_feedback_responses": Threshold("Feedback", "Fewest responses to judge feedback", "A team's feedback is judged "
                                        "only with at least this many responses.", "count"),
    "min_audit_answers": Threshold("Audits", "Fewest audit answers to judge a place", "Audit compliance from fewer "
                                   "applicable answers than this over the months judged is shown as limited evidence, "
                                   "never as a concern.", "count"),
    "min_rota_shifts": Threshold("Staffing", "Fewest shifts to judge staffing", "Fill rate, agency share or handovers "
                                 "from fewer shifts than this over the months judged are shown as limited evidence, "
                                 "never as a concern.", "count"),
    "feedback_margin_se": Threshold("Feedback", "Allowance for chance in small samples", "How many standard errors "
                                    "below 'good' a team's average must be to count as clearly poor, and how many "
                                    "its fall from the earlier months must be to count as clearly down. Higher is "
                                    "more cautious.", "positive"),
    "feedback_drop": Threshold("Feedback", "A fall in feedback that counts", "A fall in the average rating of at least "
                               "this share of the top score counts as falling. 0.1 means 10 points.", "share"),
    "fragility_gap": Threshold("Teams and shifts", "Gap behind the rest of the service that counts", "How far a team "
                               "or shift must be behind the rest of its service. 0.1 means 10 points.", "share"),
    "fragility_min_periods": Threshold("Teams and shifts", "Months in a row that make a place fragile", "A team or "
                                       "shift behind the rest for at least this many months in a row is fragile.",
                                       "count"),
    "fragility_lookback_months": Threshold("Teams and shifts", "Months looked back for fragile places", "How far back "
                                           "a run of weak months may reach.", "count"),
    "min_complaints": Threshold("Complaints and themes", "Fewest complaints that make a pattern", "Fewer complaints "
                                "than this never count as a rise or a worse rate.", "count"),
    "fragility_max_chance": Threshold("Teams and shifts", "Chance allowed for a team or shift behind the rest",
                                      "A team or shift with more complaints than the rest month after month, or "
                                      "behind the rest every month but by the gap in only some of them (a few "
                                      "answers or responses a month), is fragile only if chance would leave it so "
                                      "far behind this rarely (an exact test over the months; many places and months "
                                      "are tested, so it is strict). 0.001 means 1 in 1,000.", "share"),
    "audit_margin_se": Threshold("Audits", "Allowance for chance before audits count as weak", "How many standard "
                                 "errors below 'good' scheduled audits must be before assurance counts as weak when "
                                 "set against lived experience. Higher is more cautious.", "positive"),
    "complaints_rising_max_chance": Threshold("Complaints and themes", "Chance allowed for a rise in complaints",
                                              "A rise in complaints counts only if chance would give one so large "
                                              "this rarely (an exact test). 0.05 means 1 in 20.", "share"),
    "complaint_rate_ratio": Threshold("Complaints and themes", "Complaint rate that marks a place out", "A team's "
                                      "complaint rate at least this many times the rest of its service's is worse. 2 "
                                      "means double.", "ratio"),
    "complaints_rising_ratio": Threshold("Complaints and themes", "Rise in complaints that counts", "Recent complaints "
                                         "at least this many times the earlier period's are rising. 1.5 means half as "
                                         "many again.", "ratio"),
    "triangulation_months": Threshold("Complaints and themes", "Months compared when setting audits against experience",
                                      "Split into an earlier and a recent half.", "count"),
    "theme_count": Threshold("Complaints and themes", "Themes found in complaints and comments", "How many themes the "
                             "free text is grouped into.", "count"),
    "theme_refit_share": Threshold("Complaints and themes", "New comments put in the themes before they are found "
                                   "again", "A load's new complaints and comments join the themes already found, "
                                   "until those added since the themes were last found are more than this share of "
                                   "the texts they were found from (or a file is removed): then the themes are found "
                                   "again from every text. 0.05 means 5%; 0 finds them again on every load that adds "
                                   "text.", "share"),
    "emerging_recent_months": Threshold("Complaints and themes", "Recent months for emerging themes", "The months a "
                                        "theme's recent share is taken over.", "count"),
    "emerging_theme_ratio": Threshold("Complaints and themes", "Growth that makes a theme emerging", "A theme whose "
                                      "recent share is at least this many times its earlier share is emerging (a "
                                      "complaint category: whose monthly rate rose this many times, and this many "
                                      "times more than the other complaints' where they rose too).",
                                      "ratio"),
    "emerging_theme_min_mentions": Threshold("Complaints and themes", "Fewest recent mentions of an emerging theme",
                                             "A theme needs at least this many recent mentions to be emerging.",
                                             "count"),
    "emerging_theme_max_chance": Threshold("Complaints and themes", "Chance allowed for an emerging theme", "The "
                                           "largest probability that the recent rise is chance alone. 0.01 means 1 in "
                                           "100; lower is more cautious.", "share"),
    "embedded_min_cycles": Threshold("Improvement and trends", "Months an improvement must hold to be embedded", "An "
                                     "improvement held for at least this many months in a row can count as embedded.",
                                     "count"),
    "improvement_min_gain": Threshold("Improvement and trends", "Gain that counts as an improvement", "A rise in "
                                      "compliance of at least this much. 0.1 means 10 points.", "share"),
    "spot_check_gap": Threshold("Improvement and trends", "Gap allowed between spot checks and scheduled audits",
                                "Unannounced spot checks this far or more below scheduled audits mean the improvement "
                                "is not yet embedded. 0.1 means 10 points.", "share"),
    "embedded_min_answers": Threshold("Improvement and trends", "Fewest answers for a team to count", "Teams and "
                                      "shifts with fewer audit answers are left out when checking an improvement has "
                                      "spread.", "count"),
    "improvement_window_months": Threshold("Improvement and trends", "Months looked back for improvements", "How far "
                                           "back a step up in compliance may start.", "count"),
    "spc_min_points": Threshold("Improvement and trends", "Fewest months for a trend chart", "A monthly measure is "
                                "judged for signals only with at least this many months.", "count"),
    "spc_window_months": Threshold("Improvement and trends", "Months on trend charts", "How many months of each "
                                   "measure the trend charts show.", "count"),
    "spc_chance_z": Threshold("Improvement and trends", "Allowance for chance in trend signals", "How many standard "
                              "errors a signal must stand from the average. Higher is more cautious.", "positive"),
    "recognition_target_days": Threshold("Leadership response", "Days to recognise a concern", "A concern should be "
                                         "recognised by a leader within this many days of the first month its "
                                         "pattern shows in the data; later counts as recognised late.", "count"),
    "concern_history_months": Threshold("Leadership response", "Months looked back for a concern's first signal",
                                        "How far back through the data the first month of a concern's pattern is "
                                        "looked for.", "count"),
    "concern_min_months": Threshold("Leadership response", "Months a past pattern showed to be tracked", "A "
                                    "pattern no longer in the data is still tracked as a concern when it showed in "
                                    "at least this many months of its history, so what leaders did about it can be "
                                    "tested.", "count"),
    "follow_through_months": Threshold("Leadership response", "Months compared before and after an action", "An "
                                       "action's expected measure is compared over this many months before its "
                                       "completion and up to this many after it.", "count"),
    "follow_through_max_chance": Threshold("Leadership response", "Chance allowed for an action's effect", "The "
                                           "largest probability that the change after an action is chance alone "
                                           "for it to count as verified by data. 0.05 means 1 in 20.", "share"),
    "action_match_score": Threshold("Leadership response", "How alike an action plan's issue and a concern must be",
                                    "A row of an imported action plan is linked to a concern at its place when "
                                    "their wording scores at least this (0 to 100); other rows are listed for you "
                                    "to link.", "count"),
    "audit_coverage_good": Threshold("Leadership response", "Audit programme coverage that counts as good", "The "
                                     "share of expected scheduled audits done each month. 0.9 means 90%.", "share"),
    "complaint_acknowledge_days": Threshold("Leadership response", "Days to acknowledge a complaint", "A complaint "
                                            "should be acknowledged within this many days of being received.",
                                            "count"),
    "complaint_response_days": Threshold("Leadership response", "Days to respond to a complaint", "A complaint "
                                         "should have its response within this many days of being received.",
                                         "count"),
    "complaint_handling_good": Threshold("Leadership response", "Complaints handled in time that counts as good",
                                         "The share of complaints acknowledged (and responded to) within their "
                                         "targets. 0.9 means 90%.", "share"),
    "recognised_in_time_good": Threshold("Leadership response", "Concerns recognised in time that counts as good",
                                         "The share of concerns a leader recognised within the days to recognise a "
                                         "concern. 0.8 means 80%.", "share"),
}
KIND_RULES = {"share": "is a share: enter a number between 0 and 1 (0.75 means 75%)",
              "count": "is a number of months, answers or mentions: enter a whole number of at least 1",
              "ratio": "is a ratio: enter a number of at least 1 (1 means no change)",
              "positive": "must be a number above 0"}


def threshold_info(key: str, value: float) -> Threshold:
    """How to show a threshold, with a reasonable guess for one added in a later release."""
    if key in THRESHOLDS:
        return THRESHOLDS[key]
    kind = "count" if isinstance(value, int) else "share" if 0 <= value <= 1 else "positive"
    return Threshold("Other", key.replace("_", " ").capitalize(), "", kind)


def threshold_problems(values: dict[str, float]) -> list[str]:
    """What is wrong with the thresholds, one clear sentence each; empty when they can be saved."""
    problems = []
    for key, value in values.items():
        info = threshold_info(key, value)
        valid = {"share": 0 <= value <= 1, "count": float(value).is_integer() and value >= 1,
                 "ratio": value >= 1, "positive": value > 0}[info.kind]
        if not valid:
            problems.append(f"'{info.label}' {KIND_RULES[info.kind]}; it is {value:g}.")
    if values.get("persistent_min_cycles", 0) < values.get("recurring_min_cycles", 0):
        problems.append("'Failed months that make it persistent' must be at least 'Failed months that make a "
                        "pattern': a persistent pattern is also a recurring one.")
    return problems


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
            problems += [f"'{LIMITS[key][0]}' should be at least {LIMITS[key][2]:,}; it is {value:,}."
                         for key, value in chosen.items() if value < LIMITS[key][2]]
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
