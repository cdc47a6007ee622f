"""Insights computed once per service and month, stored, and served (analytics.stored_insights)."""

from __future__ import annotations

import json
import threading
from datetime import date

import duckdb
import pandas as pd
import pytest
from stored_json import read_result

from analytics import run_marks, stored_insights
from analytics.ingest import ingest_bytes
from analytics.insights import Insights, run_insights
from analytics.narrative import record_view
from analytics.run_marks import fingerprint
from analytics.scope import Scope
from analytics.settings import load_settings, save_setting
from analytics.stored_insights import insights_for, refresh

OAK, RIVER = "Oakwood House", "Riverside Homecare"


def places(insights) -> set[tuple]:
    return {(f.kind, f.service, f.team, f.shift, f.subject, f.status, f.summary) for f in insights.findings}


def computed(con) -> dict[tuple, object]:
    return {(s, d): at for s, d, at in con.cursor().execute(
        "SELECT service, as_of, computed_at FROM insight_runs").fetchall()}


@pytest.fixture(autouse=True)
def nothing_stored(demo_con):
    demo_con.cursor().execute("DELETE FROM insight_runs")


def test_stored_results_are_what_a_run_for_each_service_finds(demo_con, counting):
    first = insights_for(demo_con, Scope())
    assert counting == [(OAK, RIVER)]  # both services in one run
    again = insights_for(demo_con, Scope())
    assert counting == [(OAK, RIVER)]  # read back, not computed again
    assert places(again) == places(first)
    fresh = run_insights(demo_con, Scope((OAK,), first.as_of))
    assert places(insights_for(demo_con, Scope((OAK,)))) == places(fresh)
    assert list(again.register["status"]) == list(first.register["status"])
    assert again.register["evidence"].iloc[0] == first.register["evidence"].iloc[0]
    assert again.as_of == first.as_of == date(2026, 10, 31)


def test_a_service_shows_the_same_findings_alone_or_with_others(demo_con):
    both = insights_for(demo_con, Scope())
    alone = insights_for(demo_con, Scope((RIVER,)))
    assert places(alone) == {p for p in places(both) if p[1] == RIVER} and places(alone)


def test_a_load_for_one_service_recomputes_that_service_only(demo_con, counting):
    insights_for(demo_con, Scope())
    before = {s: fingerprint(demo_con, s) for s in (OAK, RIVER)}
    counting.clear()
    csv = ("Ref,Date received,Service,Team,Category,Summary\n"
           "NEW-1,14/10/2026,Riverside Homecare,Town Team,Call times,Carer arrived two hours late\n").encode()
    ingest_bytes(demo_con, csv, "one_complaint.csv", source="complaints")
    assert fingerprint(demo_con, OAK) == before[OAK] and fingerprint(demo_con, RIVER) != before[RIVER]
    insights_for(demo_con, Scope())
    assert counting == [(RIVER,)]


def test_a_new_month_leaves_the_months_before_it_standing(demo_con):
    earlier, latest = date(2026, 9, 30), date(2026, 10, 31)
    before = {day: fingerprint(demo_con, RIVER, day) for day in (earlier, latest)}
    csv = ("Ref,Date received,Service,Team,Category,Summary\n"
           "NEW-2,20/10/2026,Riverside Homecare,North Team,Call times,Carer arrived an hour late\n").encode()
    ingest_bytes(demo_con, csv, "october_complaint.csv", source="complaints")
    # Nothing judged as of September rests on an October row: that month's stored history stands.
    assert fingerprint(demo_con, RIVER, earlier) == before[earlier]
    assert fingerprint(demo_con, RIVER, latest) != before[latest]


def test_a_leaders_view_leaves_the_history_standing(demo_con):
    earlier, latest = date(2026, 6, 30), date(2026, 10, 31)
    before = {day: fingerprint(demo_con, OAK, day) for day in (earlier, latest)}
    record_view(demo_con, OAK, "Safe", "strong", "Staffing is stable on every unit.", "rm@example.org")
    # A judgement speaks of the latest data: the months before keep their stored findings.
    assert fingerprint(demo_con, OAK, earlier) == before[earlier]
    assert fingerprint(demo_con, OAK, latest) != before[latest]


def test_a_leaders_view_or_a_setting_makes_results_stale(demo_con, counting):
    insights_for(demo_con, Scope())
    counting.clear()
    record_view(demo_con, OAK, "Safe", "strong", "Staffing is stable.", "rm@example.org")
    insights_for(demo_con, Scope())
    assert counting == [(OAK,)]
    thresholds = dict(load_settings(demo_con)["thresholds"], fill_rate_good=0.9)
    save_setting(demo_con, "thresholds", thresholds)
    counting.clear()
    insights_for(demo_con, Scope())
    assert counting == [(OAK, RIVER)]


def test_refresh_computes_what_the_pages_open_on(demo_con, counting):
    from analytics.board_summary import quarter_settings

    seen = []
    assert refresh(demo_con, progress=lambda done, of, service: seen.append((done, of, service))) == 8
    page, board = (run_marks.settings_hash(s) for s in (load_settings(demo_con),
                                                              quarter_settings(load_settings(demo_con))))
    runs = demo_con.cursor().execute("SELECT service, as_of, settings_hash FROM insight_runs").fetchall()
    assert sorted(runs) == sorted((s, d, h) for s in (OAK, RIVER) for d, h in (
        (date(2026, 10, 31), page), (date(2026, 9, 30), page),  # the month and the month before (Home)
        (date(2026, 9, 30), board), (date(2026, 6, 30), board)))  # the board's two quarters, on their own months
    assert seen[-1][:2] == (2, 2)  # two services, computed together, for each run
    assert refresh(demo_con) == 0
    counting.clear()
    insights_for(demo_con, Scope(None, date(2026, 9, 30)), quarter_settings(load_settings(demo_con)))
    assert counting == []


def test_a_table_a_release_adds_is_computed_at_refresh_not_on_first_view(demo_con, counting):
    refresh(demo_con)
    demo_con.cursor().execute("DELETE FROM insight_tables WHERE name = 'board_measures' AND service = ?", [OAK])
    counting.clear()
    assert refresh(demo_con) == 4  # Oakwood's four runs, each with its tables
    assert counting and all(services == (OAK,) for services in counting)
    counting.clear()
    stored_insights.stored_table(demo_con, "board_measures", Scope((OAK,)), load_settings(demo_con))
    assert counting == []


def test_a_table_naming_themes_is_worked_out_again_alone_under_a_new_theme_fit(demo_con, counting, monkeypatch):
    from analytics.theme_store import fit_mark

    settings = load_settings(demo_con)
    as_of = insights_for(demo_con, Scope()).as_of
    counting.clear()
    # Another service's load fitted the themes again: the stored places may name themes that are gone.
    demo_con.cursor().execute("UPDATE insight_tables SET theme_mark = 'an older fit'")
    computed = []
    real = stored_insights.TABLES["theme_places"]
    monkeypatch.setitem(stored_insights.TABLES, "theme_places",
                        lambda con, scope, settings: computed.append(scope.services) or real(con, scope, settings))
    stored_insights.stored_table(demo_con, "theme_places", Scope(), settings)
    assert computed == [(OAK, RIVER)] and counting == []  # the table alone, not the whole run
    marks = demo_con.cursor().execute("""
        SELECT DISTINCT theme_mark FROM insight_tables
        WHERE name = 'theme_places' AND as_of = ? AND settings_hash = ?""",
                                      [as_of, run_marks.settings_hash(settings)]).fetchall()
    assert marks == [(fit_mark(demo_con, settings),)]
    stored_insights.stored_table(demo_con, "theme_places", Scope(), settings)
    assert computed == [(OAK, RIVER)]  # stored under the new fit
    stored_insights.stored_table(demo_con, "repeat_table", Scope(), settings)  # names no theme: still current
    assert counting == []


def test_no_service_in_scope_is_nothing(demo_con):
    empty = insights_for(demo_con, Scope(services=()))
    assert empty.as_of is None and empty.findings == [] and empty.register.empty


# The demo has no text theme emerging anywhere: theme_places is checked on planted themes (test_themes.py).
@pytest.mark.parametrize("name", [name for name in stored_insights.TABLES if name not in stored_insights.THEMED])
def test_page_tables_are_stored_with_the_run_and_read_back_as_computed(demo_con, counting, name):
    settings = load_settings(demo_con)
    insights_for(demo_con, Scope())
    assert counting == [(OAK, RIVER)]
    as_of = insights_for(demo_con, Scope()).as_of
    for scope in (Scope((RIVER,)), Scope()):
        shown = stored_insights.stored_table(demo_con, name, scope, settings)
        direct = stored_insights.TABLES[name](demo_con, Scope(scope.services, as_of), settings)
        assert len(shown) == len(direct) > 0
        key = [c for c in ("service", "team", "shift", "measure", "month", "headline_measure", "item", "audit_type")
               if c in shown.columns]
        assert normal(shown, key, direct.columns) == normal(direct, key, direct.columns)
    assert counting == [(OAK, RIVER)]  # every table came from the stored run


def normal(frame: pd.DataFrame, key: list[str], columns) -> list[tuple]:
    """Rows as tuples in a fixed order, every missing value as None, numbers as floats."""
    def cell(value):
        if isinstance(value, (list, tuple, dict)):
            return repr(value)
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return round(float(value), 9)  # sums in another order differ in the last bits
        return value
    rows = [tuple(cell(v) for v in row) for row in frame[list(columns)].itertuples(index=False)]
    return sorted(rows, key=repr)


def test_an_unknown_table_names_the_choices(demo_con):
    with pytest.raises(ValueError, match="unknown table 'grid'; choose from measure_table"):
        stored_insights.stored_table(demo_con, "grid", Scope())


def test_recording_a_response_refreshes_the_register_but_not_the_history(demo_con, counting):
    from analytics.access import local_user
    from analytics.concerns import recognise
    from analytics.stored_insights import findings_history

    as_of = insights_for(demo_con, Scope()).as_of
    months = [date(2026, 8, 31), date(2026, 9, 30)]
    findings_history(demo_con, [OAK, RIVER], months)
    counting.clear()
    concern_id = demo_con.cursor().execute(
        "INSERT INTO concerns (concern_id, kind, service, subject, status) "
        "VALUES (nextval('concern_ids'), 'fragility', ?, 'agency share of hours', 'concern') RETURNING concern_id",
        [OAK]).fetchone()[0]
    recognise(demo_con, local_user(), concern_id, "repeated", "Agency cover on nights", on=as_of)
    history = findings_history(demo_con, [OAK, RIVER], months)
    assert counting == [] and set(history) == {(s, m) for s in (OAK, RIVER) for m in months}
    insights_for(demo_con, Scope())
    # Its register's leadership rows rest on the recognition: judged again over the stored findings, not computed.
    assert counting == []
    after = stored_result(demo_con, OAK, as_of)
    [mark] = demo_con.cursor().execute("SELECT response_mark FROM insight_runs WHERE service = ? AND as_of = ?",
                                       [OAK, as_of]).fetchone()
    assert mark == run_marks.response_marks(demo_con, [OAK])[OAK]
    fresh = stored_insights._part(run_insights(demo_con, Scope((OAK,), as_of)), OAK, as_of)
    assert read_result(after) == read_result(json.dumps(stored_insights._as_dict(fresh), default=str))
    assert stored_result(demo_con, RIVER, as_of) is not None


def stored_result(con, service, as_of):
    found = con.cursor().execute(
        "SELECT result FROM insight_runs WHERE service = ? AND as_of = ? AND settings_hash = ?",
        [service, as_of, run_marks.settings_hash(load_settings(con))]).fetchone()
    return None if found is None else found[0]


def test_results_under_other_settings_are_kept_beside_each_other(demo_con, counting):
    from analytics.board_summary import quarter_settings

    settings = load_settings(demo_con)
    day = date(2026, 9, 30)
    for judged in (settings, quarter_settings(settings)):  # the pages' month, then the board's quarter
        insights_for(demo_con, Scope(None, day), judged)
        stored_insights.stored_table(demo_con, "measure_table", Scope(None, day), judged)
    counting.clear()
    for judged in (settings, quarter_settings(settings)):
        insights_for(demo_con, Scope(None, day), judged)
        stored_insights.stored_table(demo_con, "measure_table", Scope(None, day), judged)
    assert counting == []  # neither replaced the other


def test_a_store_keyed_by_service_and_month_alone_is_rekeyed_keeping_its_rows(tmp_path):
    import duckdb

    from analytics.store import connect

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("""CREATE TABLE insight_runs (service VARCHAR, as_of DATE, fingerprint VARCHAR,
                       settings_hash VARCHAR, computed_at TIMESTAMP, seconds DOUBLE, result VARCHAR,
                       response_mark VARCHAR, PRIMARY KEY (service, as_of))""")
        old.execute("INSERT INTO insight_runs VALUES ('Oak', DATE '2026-09-30', 'f', 'a', now(), 1.0, '{}', 'r')")
        old.execute("""CREATE TABLE insight_tables (service VARCHAR, as_of DATE, name VARCHAR, fingerprint VARCHAR,
                       settings_hash VARCHAR, data BLOB, PRIMARY KEY (service, as_of, name))""")
    con = connect(path)
    cur = con.cursor()
    assert cur.execute("SELECT service, settings_hash, response_mark FROM insight_runs").fetchall() == [
        ("Oak", "a", "r")]
    cur.execute("INSERT INTO insight_runs VALUES ('Oak', DATE '2026-09-30', 'f', 'b', now(), 1.0, '{}', 'r', 't', 'c')")
    cur.execute("INSERT INTO insight_tables VALUES ('Oak', DATE '2026-09-30', 't', 'f', 'a', ''::BLOB, 'c', 't')")
    cur.execute("INSERT INTO insight_tables VALUES ('Oak', DATE '2026-09-30', 't', 'f', 'b', ''::BLOB, 'c', 't')")
    assert cur.execute("SELECT count(*) FROM insight_runs").fetchone() == (2,)
    # Neither row was worked out by this release of the analytics: the next refresh drops both.
    assert stored_insights.prune(con) == 2
    assert cur.execute("SELECT count(*) FROM insight_runs").fetchone() == (0,)
    assert cur.execute("SELECT count(*) FROM insight_tables").fetchone() == (0,)
    con.close()


def test_a_refresh_drops_what_an_earlier_release_stored_and_keeps_its_own(demo_con, counting):
    refresh(demo_con)  # whatever the tests before changed, worked out now
    counting.clear()
    cur = demo_con.cursor()
    mine = cur.execute("SELECT count(*) FROM insight_runs").fetchone()[0]
    tables = cur.execute("SELECT count(*) FROM insight_tables").fetchone()[0]
    assert mine > 0 and tables > 0
    assert cur.execute("SELECT count(*) FROM insight_runs WHERE code_mark = ?",
                       [run_marks.code_mark()]).fetchone()[0] == mine
    cur.execute("""INSERT INTO insight_runs SELECT * REPLACE ('earlier' AS code_mark, 'x' || settings_hash AS
                   settings_hash) FROM insight_runs""")
    cur.execute("""INSERT INTO insight_tables SELECT * REPLACE ('earlier' AS code_mark, 'x' || settings_hash AS
                   settings_hash) FROM insight_tables""")
    assert refresh(demo_con) == 0  # nothing of this release is out of date
    assert counting == []
    assert cur.execute("SELECT count(*) FROM insight_runs").fetchone()[0] == mine
    assert cur.execute("SELECT count(*) FROM insight_tables").fetchone()[0] == tables
    assert cur.execute("SELECT count(*) FROM insight_runs WHERE code_mark = 'earlier'").fetchone()[0] == 0


def test_a_run_judged_again_for_a_new_response_is_what_a_fresh_run_gives(demo_con, counting):
    from analytics.access import local_user
    from analytics.actions import add_action
    from analytics.concerns import tracked

    as_of = insights_for(demo_con, Scope()).as_of
    registers = {s: json.loads(stored_result(demo_con, s, as_of))["register"] for s in (OAK, RIVER)}
    counting.clear()
    # An action long overdue on one of Oakwood's concerns: its Well-led row of overdue actions changes.
    concern = next(c for c in tracked(demo_con, Scope((OAK,))) if c.first_signal)
    add_action(demo_con, local_user(), concern.concern_id, "Night agency induction", "Home manager",
               due=date(2026, 6, 1), planned_on=date(2026, 5, 1))
    insights_for(demo_con, Scope())
    assert counting == []  # judged again over the stored findings, not computed
    assert json.loads(stored_result(demo_con, OAK, as_of))["register"] != registers[OAK]
    assert json.loads(stored_result(demo_con, RIVER, as_of))["register"] == registers[RIVER]
    fresh = stored_insights._part(run_insights(demo_con, Scope((OAK,), as_of)), OAK, as_of)
    assert read_result(stored_result(demo_con, OAK, as_of)) == \
        read_result(json.dumps(stored_insights._as_dict(fresh), default=str))


def test_a_release_that_changes_the_analytics_works_the_stored_results_out_again(demo_con, counting, monkeypatch):
    insights_for(demo_con, Scope())
    counting.clear()
    insights_for(demo_con, Scope())
    assert counting == []  # stored under this code
    monkeypatch.setattr(run_marks, "code_mark", lambda: "the next release")
    again = insights_for(demo_con, Scope())
    assert sorted(s for services in counting for s in services) == sorted({f.service for f in again.findings})
    counting.clear()
    insights_for(demo_con, Scope())
    assert counting == []  # and stored under it


class RacedCursor:
    """A cursor whose every write meets what DuckDB raises when another session stored the same key first."""

    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def execute(self, *_):
        raise self.error("Duplicate key \"service: Oakwood\" violates primary key constraint.")

    executemany = execute


class RacedConnection:
    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def cursor(self) -> RacedCursor:
        return RacedCursor(self.error)


@pytest.mark.parametrize("error", [duckdb.ConstraintException, duckdb.TransactionException])
def test_a_run_or_table_another_session_stored_first_stands(error):
    # The page and the background refresh after a command-line load both stored Oakwood's run: the second
    # INSERT OR REPLACE raised a duplicate key, which stopped the page (CI, the hostile browser test).
    part = Insights(date(2026, 2, 28), [], pd.DataFrame())
    text = stored_insights._store_run(RacedConnection(error), "Oakwood", date(2026, 2, 28), {}, "m", "r", "f", 0.1,
                                      part)
    assert json.loads(text)["findings"] == []
    stored_insights._store_tables(RacedConnection(error), ["Oakwood"], date(2026, 2, 28), {}, {"Oakwood": "m"},
                                  {"repeat": pd.DataFrame({"service": ["Oakwood"], "n": [1]})}, "f")


def test_sessions_storing_one_run_at_once_all_go_on(demo_con):
    settings = load_settings(demo_con)
    as_of = date(2026, 2, 28)
    part = Insights(as_of, [], pd.DataFrame())
    failures: list[Exception] = []

    def store() -> None:
        con = demo_con.cursor()  # each session its own cursor, as a page and the background refresh have
        for _ in range(150):
            try:
                stored_insights._store_run(con, OAK, as_of, settings, "m", "r", "f", 0.1, part)
            except Exception as failure:  # noqa: BLE001 - counted, and the test says which
                failures.append(failure)

    sessions = [threading.Thread(target=store) for _ in range(4)]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join()
    assert failures == []
    assert demo_con.cursor().execute("SELECT count(*) FROM insight_runs WHERE service = ? AND as_of = ?",
                                     [OAK, as_of]).fetchone() == (1,)
