"""Bringing the stored findings up to date in the background after a load or a removal.

A load of one service's month refreshes in seconds, but a first load of a large group, or a removal across it,
computes hundreds of service-months and follows every concern back through history: minutes, which the person who
uploaded should not have to watch, and which a page opened meanwhile must not lose. So the work runs in a thread of
the dashboard's process, one at a time per store; a request while one runs is queued behind it (one more pass
covers any number of requests: each pass refreshes whatever is out of date). Pages opened meanwhile still never
show a result older than the data: a stored result is only read while its marks match (analytics.run_marks), and
what is missing is worked out for the page as before.

When the dashboard stops, a running pass is asked to stop at its next step and waited for (`stop_all`, at exit):
a thread still inside DuckDB when the interpreter ends aborts the whole process ("FATAL: exception not rethrown").
Each result is stored in its own statement, so a pass stopped between steps leaves nothing half-written.
"""

from __future__ import annotations

import atexit
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from .stored_insights import Progress

Work = Callable[[duckdb.DuckDBPyConnection, "Progress"], object]  # the work of one pass, reporting as it goes


@dataclass
class Refresh:
    """What the background work for one store is doing, as the pages show it."""

    running: bool = False
    done: int = 0
    of: int = 0
    step: str = ""
    started: float | None = None
    seconds: float | None = None  # how long the last pass took, once finished
    passes: int = 0
    error: str | None = None  # the last pass's failure, in words, with where it happened in the log
    queued: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _stopping: bool = False

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"running": self.running, "done": self.done, "of": self.of, "step": self.step,
                    "seconds": self.seconds, "passes": self.passes, "error": self.error, "queued": self.queued}


_REFRESHES: dict[str, Refresh] = {}
_GUARD = threading.Lock()


def state(database: str) -> Refresh:
    """The background work of the store at `database` (idle if none was ever asked for in this process)."""
    with _GUARD:
        return _REFRESHES.setdefault(database, Refresh())


def request(con: duckdb.DuckDBPyConnection, database: str, work: Work | None = None) -> Refresh:
    """Bring the store's findings up to date in the background (`work`, by default the stored findings and each
    concern's history: analytics.concerns.refresh_with_history). Returns at once; if a pass is running, one more
    runs after it."""
    job = state(database)
    with job._lock:
        if job._stopping:
            return job
        if job.running:
            job.queued = True
            return job
        job.running, job.queued, job.error = True, False, None
        job.done, job.of, job.step, job.started = 0, 0, "", time.perf_counter()
        # The thread's own connection to the same database: a DuckDB connection is used by one thread at a time.
        job._thread = threading.Thread(target=_passes, args=(con.cursor(), job, work or _findings_and_history),
                                       name=f"refresh {database}", daemon=True)
        job._thread.start()
    return job


class Stopped(Exception):
    """Raised inside a pass at its next step once the dashboard is stopping."""


def stop_all(timeout: float = 10.0) -> None:
    """Ask every store's running pass to stop at its next step, and wait for them up to `timeout` seconds in all;
    no pass starts after. Registered to run at exit, before the interpreter ends the threads."""
    with _GUARD:
        jobs = list(_REFRESHES.values())
    for job in jobs:
        with job._lock:
            job._stopping, job.queued = True, False
    ends = time.monotonic() + timeout
    for job in jobs:
        if job._thread is not None:
            job._thread.join(max(0.0, ends - time.monotonic()))


atexit.register(stop_all)


def wait(database: str, timeout: float | None = None) -> bool:
    """Until the store's background work has finished (the command line and tests); whether it has."""
    job, ends = state(database), None if timeout is None else time.monotonic() + timeout
    while job.snapshot()["running"]:
        if ends is not None and time.monotonic() > ends:
            return False
        time.sleep(0.05)
    return True


def wait_all(timeout: float | None = None) -> dict[str, str | None]:
    """Until every store's background work in this process has finished; each store's last failure (None: none)."""
    with _GUARD:
        databases = list(_REFRESHES)
    for database in databases:
        wait(database, timeout)
    return {database: state(database).snapshot()["error"] for database in databases}


def _findings_and_history(con: duckdb.DuckDBPyConnection, progress: Progress) -> object:
    from .concerns import refresh_with_history

    return refresh_with_history(con, progress=progress)


def _passes(con: duckdb.DuckDBPyConnection, job: Refresh, work: Work) -> None:
    def progress(done: int, of: int, step: str) -> None:
        with job._lock:
            if job._stopping:
                raise Stopped("the dashboard stopped before this pass finished")
            job.done, job.of, job.step = done, of, step

    try:
        while True:
            try:
                work(con, progress)
                error = None
            except Stopped as stopped:
                error = str(stopped)
            except Exception as failure:  # noqa: BLE001 - the dashboard must go on; the page says what failed
                traceback.print_exc()
                error = f"{type(failure).__name__}: {failure}"
            with job._lock:
                job.passes += 1
                job.error = error
                job.seconds = time.perf_counter() - (job.started or time.perf_counter())
                if not job.queued:
                    job.running = False
                    return
                job.queued, job.done, job.of, job.step, job.started = False, 0, 0, "", time.perf_counter()
    finally:
        with job._lock:
            job.running = False
        con.close()
