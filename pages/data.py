"""The pages' one cached data layer: every figure a page shows is read through `read(question, *arguments)`.

One st.cache_data function answers every question, keyed by the store, its settings (so a saved setting takes
effect at once) and the question with its arguments; pages.common.forget_stale_results clears it when the data
changes, from whichever session or command. What each question asks of analytics/ is in QUESTIONS: the pages hold
no SQL and no judgement, only which question to ask and how to show the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from analytics.action_plans import unmatched
from analytics.batches import coverage, list_batches, places, row_counts
from analytics.board_summary import last_complete_quarter, measure_summary, quarter_before, quarter_settings
from analytics.chart_marks import action_marks, new_limits
from analytics.evidence_rows import fetch
from analytics.response import board_tables, concern_views
from analytics.scope import Scope, latest_complete_month, month_ends_with_data
from analytics.signals import stored_chart
from analytics.stored_insights import insights_for, stored_table
from analytics.themes import theme_mentions, theme_table
from analytics.triangulation import triangulation_window
from pages.common import connection_for, current_database, settings_json

Services = tuple[str, ...] | None
Settings = dict[str, Any]
Con = duckdb.DuckDBPyConnection


def _insights(con: Con, settings: Settings, services: Services, as_of: date | None):
    return insights_for(con, Scope(services, as_of), settings)


def _table(con: Con, settings: Settings, name: str, services: Services, as_of: date | None):
    return stored_table(con, name, Scope(services, as_of), settings)


def _quarters(con: Con, settings: Settings, services: Services, as_of: date):
    """The last complete quarter's insights and the quarter before's, each judged on its own three months."""
    quarter = last_complete_quarter(as_of)
    return tuple(insights_for(con, Scope(services, end), quarter_settings(settings))
                 for end in (quarter[1], quarter_before(quarter)[1]))


def _concerns(con: Con, settings: Settings, services: Services, as_of: date | None, today: date):
    """The data's date and every concern of the services as of it."""
    scope = Scope(services, as_of)
    return scope.end(con), concern_views(con, scope, settings, today)


def _chart(con: Con, settings: Settings, metric_id: str, service: str, team: str | None, shift: str | None,
           audit_type: str | None, as_of: date | None, target: float | None, rebase: tuple[date, ...] = ()):
    """The SPC chart of one measure at one place, or a sentence saying why there is none."""
    # The service's stored series, read once for all its charts (the cached answer, without a spinner of its own).
    series = _answer(current_database(), json.dumps(settings, sort_keys=True, default=str), "table",
                     ("service_series", (service,), as_of))
    try:
        return stored_chart(con, Scope((service,), as_of), settings, metric_id, service, team, shift, audit_type,
                            target, rebase, series)
    except ValueError as error:
        return f"There is {error}."


def _triangulation(con: Con, settings: Settings, services: Services, as_of: date | None):
    """The stored triangulation table, with the earlier and recent halves' months as labels."""
    scope = Scope(services, as_of)
    window = triangulation_window(con, scope, settings)
    if window is None:
        return pd.DataFrame(), "", ""
    return stored_table(con, "triangulation_table", scope, settings), window.label("earlier"), window.label("recent")


# Each question: what it asks of analytics/, and the words shown while a first answer is worked out (None: none).
QUESTIONS: dict[str, tuple[Callable[..., Any], str | None]] = {
    "insights": (_insights, "Working out the findings..."),
    "table": (_table, "Reading the stored results..."),
    "quarters": (_quarters, "Judging the last complete quarter and the quarter before..."),
    "board measures": (lambda con, settings, services, as_of: measure_summary(con, list(services), as_of, settings),
                       "Charting the measures that matter..."),
    "board response": (lambda con, settings, services, as_of: board_tables(con, Scope(services, as_of), settings),
                       "Following each concern back through the months (a minute the first time)..."),
    "concerns": (_concerns, "Following each concern back through the months of history to find when it first "
                            "showed (a minute or two the first time; quick after that)..."),
    "unlinked plan rows": (lambda con, settings, services: unmatched(con, settings, Scope(services)),
                           "Reading the imported action plans..."),
    "chart": (_chart, "Drawing the chart..."),
    "chart marks": (lambda con, settings, metric_id, service, team, shift: (
        action_marks(con, service, team, shift, metric_id), new_limits(con, service, team, shift, metric_id)), None),
    "theme mentions": (lambda con, settings, services, as_of: theme_mentions(con, Scope(services, as_of), settings),
                       "Reading complaint and feedback themes..."),
    "theme table": (lambda con, settings, services, as_of: theme_table(
        con, Scope(services, as_of), settings, stored_table(con, "theme_places", Scope(services, as_of), settings)),
                    "Summing up each theme..."),
    "triangulation": (_triangulation, "Setting assurance beside lived experience..."),
    "rows": (lambda con, settings, selection, original: fetch(con, selection, settings["key_questions"], original),
             "Fetching the rows..."),
    "coverage": (lambda con, settings, services: coverage(con, Scope(services)), None),
    "judged as of": (lambda con, settings, services: latest_complete_month(con, Scope(services)), None),
    "month ends": (lambda con, settings, services: (month_ends_with_data(con, Scope(services)),
                                                    latest_complete_month(con, Scope(services))[0]), None),
    "row counts": (lambda con, settings, services: row_counts(con, Scope(services)), None),
    "batches": (lambda con, settings, services: list_batches(con, services), None),
    "places": (lambda con, settings: places(con), None),
}


@st.cache_data(show_spinner=False, max_entries=512)
def _answer(database: str, settings_text: str, question: str, arguments: tuple) -> Any:
    ask, _ = QUESTIONS[question]
    return ask(connection_for(database), json.loads(settings_text), *arguments)


def read(question: str, *arguments: Any) -> Any:
    """The answer to one of QUESTIONS for the current store and settings, cached in this process until the data or
    the settings change. Arguments must be hashable (services as a tuple)."""
    if question not in QUESTIONS:
        raise ValueError(f"unknown question {question!r}; choose from {', '.join(QUESTIONS)}")
    _, working = QUESTIONS[question]
    if working is None:
        return _answer(current_database(), settings_json(), question, arguments)
    with st.spinner(working):  # shown only while a first answer takes more than a moment
        return _answer(current_database(), settings_json(), question, arguments)
