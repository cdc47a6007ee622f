"""The stored findings brought up to date in a thread after a load or removal (analytics.background_refresh): the
work runs once at a time per store, requests while it runs make one more pass, a failure is kept in words and the
dashboard goes on, and the result is what refreshing in the foreground gives."""

from __future__ import annotations

import threading

import duckdb
import pytest
from at_once import at_once
from stored_json import read_result

from analytics import background_refresh, concerns
from analytics.scope import Scope


def held_work(gate: threading.Event, calls: list):
    def work(con, progress):
        calls.append(threading.current_thread().name)
        progress(1, 2, "Oak House")
        gate.wait(10)
        progress(2, 2, "Elm Court")
    return work


def test_the_work_runs_in_a_thread_and_its_progress_is_shown(con: duckdb.DuckDBPyConnection) -> None:
    gate, calls = threading.Event(), []
    job = background_refresh.request(con, "store-a", held_work(gate, calls))
    assert background_refresh.wait("store-a", timeout=0.2) is False  # request returned while the work is held
    now = job.snapshot()
    assert now["running"] and (now["done"], now["of"], now["step"]) == (1, 2, "Oak House")
    gate.set()
    assert background_refresh.wait("store-a", timeout=10)
    now = job.snapshot()
    assert not now["running"] and now["passes"] == 1 and now["error"] is None and now["seconds"] >= 0
    assert calls == ["refresh store-a"]


def test_requests_while_it_runs_make_one_more_pass_not_one_each(con: duckdb.DuckDBPyConnection) -> None:
    gate, calls = threading.Event(), []
    work = held_work(gate, calls)
    background_refresh.request(con, "store-b", work)
    for _ in range(3):
        assert background_refresh.request(con, "store-b", work).snapshot()["queued"]
    gate.set()
    assert background_refresh.wait("store-b", timeout=10)
    assert len(calls) == 2 and background_refresh.state("store-b").snapshot()["passes"] == 2


def test_each_store_has_its_own_work(con: duckdb.DuckDBPyConnection) -> None:
    gate, calls = threading.Event(), []
    background_refresh.request(con, "store-c", held_work(gate, calls))
    background_refresh.request(con, "store-d", held_work(gate, calls))
    gate.set()
    assert background_refresh.wait_all(timeout=10) == {"store-c": None, "store-d": None}
    assert sorted(calls) == ["refresh store-c", "refresh store-d"]


def test_a_failure_is_kept_in_words_and_the_next_request_runs_again(con: duckdb.DuckDBPyConnection,
                                                                     capsys: pytest.CaptureFixture) -> None:
    def failing(con, progress):
        raise ValueError("no month to judge")

    background_refresh.request(con, "store-e", failing)
    assert background_refresh.wait("store-e", timeout=10)
    assert background_refresh.state("store-e").snapshot()["error"] == "ValueError: no month to judge"
    assert "no month to judge" in capsys.readouterr().err  # the traceback in the dashboard's log
    background_refresh.request(con, "store-e", lambda con, progress: None)
    assert background_refresh.wait("store-e", timeout=10)
    assert background_refresh.state("store-e").snapshot()["error"] is None


def stored_findings(cur: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Each stored run's findings (its register's Well-led rows rest on the responses recorded when it was run)."""
    return [(service, as_of, mark, read_result(result)["findings"]) for service, as_of, mark, result in cur.execute(
                "SELECT service, as_of, fingerprint, result FROM insight_runs ORDER BY ALL").fetchall()]


def test_the_background_refresh_stores_what_the_foreground_one_does(demo_con: duckdb.DuckDBPyConnection) -> None:
    cur = demo_con.cursor()
    tracked = sorted(map(repr, (c.identity for c in concerns.tracked(demo_con, Scope()))))
    runs = stored_findings(cur)
    for table in ("insight_runs", "insight_tables", "concern_tracking", "concern_months"):
        cur.execute(f"DELETE FROM {table}")
    background_refresh.request(demo_con, "demo")
    assert background_refresh.wait("demo", timeout=600)
    assert background_refresh.state("demo").snapshot()["error"] is None
    assert stored_findings(cur) == runs
    assert sorted(map(repr, (c.identity for c in concerns.tracked(demo_con, Scope())))) == tracked
    assert cur.execute("SELECT count(*) FROM concern_months").fetchone()[0] > 0


def test_two_sessions_tracking_at_once_make_each_concern_once(demo_con: duckdb.DuckDBPyConnection,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cur = demo_con.cursor()
    before = cur.execute("SELECT count(*), count(DISTINCT (kind, service, team, shift, subject)) "
                         "FROM concerns").fetchone()
    assert before[0] == before[1] > 0
    cur.execute("DELETE FROM concern_tracking")
    cur.execute("DELETE FROM concern_months")
    cur.execute("DELETE FROM concerns WHERE concern_id NOT IN (SELECT concern_id FROM concern_recognitions "
                "UNION SELECT concern_id FROM concern_actions UNION SELECT concern_id FROM action_links)")
    # The worst moment: each session has read the service's concerns before either has added the missing ones.
    both_read, read = threading.Barrier(2, timeout=3), concerns._stored_keys

    def stored_keys(con, service):
        found = read(con, service)
        try:
            both_read.wait()
        except threading.BrokenBarrierError:
            pass  # one session tracks at a time: the other is not there to meet
        return found

    monkeypatch.setattr(concerns, "_stored_keys", stored_keys)
    assert at_once(lambda: concerns.track(demo_con.cursor(), Scope()), 2) == []
    after = cur.execute("SELECT count(*), count(DISTINCT (kind, service, team, shift, subject)) "
                        "FROM concerns").fetchone()
    assert after[0] == after[1] == before[0]


def test_every_page_says_in_its_sidebar_while_the_work_runs(con: duckdb.DuckDBPyConnection) -> None:
    from test_pages import open_page

    from analytics.store import database_path

    gate, calls = threading.Event(), []
    background_refresh.request(con, str(database_path()), held_work(gate, calls))
    app = open_page()
    assert any("being worked out again after the last upload" in c.value for c in app.sidebar.caption)
    gate.set()
    assert background_refresh.wait(str(database_path()), timeout=10)
    app.run()
    assert not any("being worked out again" in c.value for c in app.sidebar.caption)


def test_at_exit_a_running_pass_stops_at_its_next_step_and_no_other_starts(con: duckdb.DuckDBPyConnection) -> None:
    # A thread still inside DuckDB when the interpreter ends aborted the dashboard on stopping ("FATAL: exception not
    # rethrown"); stop_all, run at exit, stops the pass first.
    import time

    steps: list[int] = []

    def endless(con, progress):
        for step in range(10_000):
            progress(step, 10_000, f"month {step}")
            steps.append(step)
            time.sleep(0.01)

    job = background_refresh.request(con, "store-x", endless)
    assert background_refresh.request(con, "store-x", endless).snapshot()["queued"]
    time.sleep(0.2)
    started = time.monotonic()
    background_refresh.stop_all(timeout=5)
    assert time.monotonic() - started < 2 and not job._thread.is_alive()
    now = job.snapshot()
    assert not now["running"] and not now["queued"] and now["passes"] == 1
    assert now["error"] == "the dashboard stopped before this pass finished"
    assert 0 < len(steps) < 10_000
    assert not background_refresh.request(con, "store-x", endless).snapshot()["running"]  # none starts after
    background_refresh._REFRESHES.pop("store-x")  # its stop is no failure of the work (conftest checks each store's)
