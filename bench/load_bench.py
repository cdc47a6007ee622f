"""Load test: several people uploading and reading at once against one store, through the real dashboard.

Run: .venv/bin/python bench/load_bench.py [--uploaders 3] [--readers 4] [--rounds 3] [--rows 3000]
         [--idle-cycles 3] [--service "Oakwood House"] [--no-solo] [--no-after] [--out bench/out] [--quick]

1. Builds a fresh store with the demo data (analytics.demo.load_demo) in --out/load/.
2. Starts the real dashboard on it (`streamlit run app.py`, headless, on localhost) and headless Chromium with one
   browser context per reader (one Chromium, the readers its tabs, driven concurrently).
3. Readers open Home, Overview, Trends and Teams and shifts over and over, each view timed from navigation until
   the page's title (on Home, its "What is loaded" figures) is visible and Streamlit reports the script finished
   (no "Running" state). Phases: a warm-up pass (untimed), "idle" (readers only), "uploads alone" (one round of
   the uploaders' own files with no reader: the uploads' baseline), "loaded" (readers while the uploaders run) and
   "after" (readers only again, on the grown store); an untimed pass precedes each timed reading phase.
4. Uploaders: --uploaders threads, each running `python -m analytics --db STORE ingest FILE --json` one file after
   another (so K command-line processes at a time), which hand their loads to the dashboard process. Each uploader
   loads, per round, its own complaints (.xlsx), audits and rota (.csv) with keys no other file has; in each round
   one uploader also sends one audits file twice at the same moment, and another sends two different complaints logs
   sharing half their references, at the same moment.
5. Rows sent (counted in each file) against rows stored: the rows_new of the run's batches (`python -m analytics
   batches --json`, handed to the dashboard) and, after the dashboard has stopped, a direct count of each table;
   both must equal the distinct natural keys sent.

It prints a Markdown report and writes it to --out/load_results.md (load_results_quick.md with --quick). Latency is
reported as ratios against the idle phase of the same run; nothing is judged on time. The exit status is 1 when rows
stored differ from the keys sent or when any reader or uploader saw an error, else 0. The dashboard is always stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import ROOT, machine_info, markdown_table, seconds_text, wait_healthy

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TABLES = ("audits", "complaints", "rota", "feedback")
# (label, URL path, heading that shows the page has drawn, further text that must be visible on it)
PAGES = (("Home", "/", "Leadership Insight", "What is loaded"),
         ("Overview", "/overview", "Overview", None),
         ("Trends", "/trends", "Trends", None),
         ("Teams and shifts", "/teams_shifts", "Teams and shifts", None))
FILTERED = {"/overview", "/trends", "/teams_shifts"}  # pages with the sidebar filters (the service goes in the URL)
VIEW_TIMEOUT_MS = 180_000
BUSY_TEXT = "is in use by"  # analytics.store's StoreBusy message, shown by pages.common.get_connection
REFUSED_TEXT = "This dashboard is not showing any data"  # the access gate's refusal
FIRST_DAY, DAYS = date(2025, 11, 1), 365  # inside the demo's year, so the latest date (and "as of") stays the same
TEAMS = tuple(f"Unit {n}" for n in range(1, 7))
SHIFTS = ("Early", "Late", "Night")
AUDIT_TYPES = {
    "Medication": ("MAR chart signed", "Stock balance correct", "Controlled drugs checked", "Fridge temperature logged",
                   "PRN protocol in place", "Allergies recorded", "Covert plan reviewed", "Room temperature logged",
                   "Returns book up to date", "Homely remedies authorised"),
    "Care plans": ("Plan reviewed this month", "Risk assessments current", "Consent recorded", "Life story complete",
                   "Oral care plan", "Skin integrity plan", "Nutrition plan", "Falls risk reviewed",
                   "Family involved in review", "End of life wishes recorded"),
    "Infection control": ("Hand hygiene observed", "PPE available", "Sharps bin below line", "Cleaning schedule signed",
                          "Mattress audit done", "Laundry segregated", "Commodes clean", "Spill kit stocked",
                          "Waste bins foot-operated", "Isolation signage in place"),
}
CATEGORIES = ("Communication", "Care and treatment", "Staff attitude", "Food and drink", "Laundry", "Medication")
COMPLAINANTS = ("Family member", "Resident", "Professional")
ROLES = ("Care staff", "Senior carer")


# --- the files ----------------------------------------------------------------------------------------------------

@dataclass
class Sent:
    """One generated file: where it is, its source, the rows it holds and the natural keys of those rows."""

    path: Path
    source: str
    kind: str  # own, twice (sent twice at once), overlap (one of two files sharing keys, sent at once)
    keys: set[tuple] = field(default_factory=set)
    rows: int = 0


def _day(n: int) -> date:
    return FIRST_DAY + timedelta(days=n % DAYS)


def write_audits(path: Path, service: str, prefix: str, rows: int) -> Sent:
    """A long-layout audit export: rows answers, 10 items per audit, references unique to `prefix`."""
    sent = Sent(path, "audits", "own")
    types = list(AUDIT_TYPES)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Date of audit", "Home", "Unit", "Shift", "Audit type", "Section", "Question", "Answer",
                      "Audit ref", "Auditor"])
        for n in range(rows):
            audit, item_no = divmod(n, 10)
            audit_type = types[audit % len(types)]
            item = AUDIT_TYPES[audit_type][item_no]
            ref = f"{prefix}-{audit:05d}"
            answer = ("Yes", "Yes", "Yes", "No", "N/A")[(audit * 7 + item_no * 3) % 5]
            out.writerow([_day(audit * 3).isoformat(), service, TEAMS[audit % len(TEAMS)], SHIFTS[audit % 3],
                          audit_type, audit_type, item, answer, ref, f"Auditor {audit % 9 + 1}"])
            sent.keys.add((service, ref, item))
    return sent


def write_complaints(path: Path, service: str, prefix: str, first: int, rows: int, closed: bool) -> Sent:
    """A complaints log (.xlsx with real date cells): references prefix-first .. prefix-(first+rows-1).

    Every field follows from the reference's number, so two logs holding the same reference differ only where
    `closed` differs (status, outcome, closing date): a later export of the same complaints."""
    from openpyxl import Workbook

    sent = Sent(path, "complaints", "own")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Complaints log")
    sheet.append(["Reference", "Date received", "Home", "Unit", "Shift", "Category", "Summary", "Severity",
                  "Complainant", "Date acknowledged", "Date responded", "Date closed", "Outcome", "Status"])
    for n in range(first, first + rows):
        ref = f"{prefix}-{n:05d}"
        received = _day(n * 5)
        category = CATEGORIES[n % len(CATEGORIES)]
        team = TEAMS[n % len(TEAMS)]
        sheet.append([ref, received, service, team, SHIFTS[n % 3], category,
                      f"Concern about {category.lower()} on {team} during the {SHIFTS[n % 3].lower()} shift",
                      ("Low", "Medium", "High")[n % 3], COMPLAINANTS[n % 3], received + timedelta(days=2),
                      received + timedelta(days=20) if closed else None,
                      received + timedelta(days=25) if closed else None,
                      ("Upheld", "Not upheld", "Partly upheld")[n % 3] if closed else None,
                      "Closed" if closed else "Open"])
        sent.keys.add((service, ref))
    book.save(path)
    return sent


def write_rota(path: Path, service: str, first: int, rows: int) -> Sent:
    """A rota variance export: one row per date, unit, shift and role, slots first .. first+rows-1 of `service`."""
    sent = Sent(path, "rota", "own")
    per_day = len(TEAMS) * len(SHIFTS) * len(ROLES)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Date", "Home", "Unit", "Shift", "Role", "Planned hours", "Actual hours", "Agency hours",
                      "Bank hours", "Sickness hours", "Unfilled shifts", "Handover completed"])
        for n in range(first, first + rows):
            slot, day_no = n % per_day, n // per_day
            block = day_no // DAYS  # beyond a year of slots, further units
            team = TEAMS[slot // (len(SHIFTS) * len(ROLES))] + (f" block {block}" if block else "")
            shift, role = SHIFTS[(slot // len(ROLES)) % len(SHIFTS)], ROLES[slot % len(ROLES)]
            planned = 37.5 if shift != "Night" else 30.0
            actual = planned - 7.5 * (n % 4 == 0)
            day = _day(day_no)
            out.writerow([day.isoformat(), service, team, shift, role, planned, actual, 7.5 * (n % 5 == 0),
                          7.5 * (n % 7 == 0), 7.5 * (n % 6 == 0), int(n % 4 == 0), "No" if n % 9 == 0 else "Yes"])
            sent.keys.add((day.isoformat(), service, team, shift, role))
    return sent


def count_rows(path: Path) -> int:
    """The data rows a file holds (below its header)."""
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return sum(sum(1 for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)) - 1
                   for sheet in book.worksheets)
    finally:
        book.close()


@dataclass
class Plan:
    """What each uploader sends: per round, a list of steps; a step is one file, or several sent at the same moment."""

    steps: list[list[list[Sent]]]  # [uploader][step] -> files sent together, while the readers read
    files: list[Sent]
    solo_steps: list[list[list[Sent]]]  # [uploader][step]: one more round of own files, sent with no reader


def own_files(folder: Path, u: int, r: int, rows: int) -> list[Sent]:
    """Uploader u's files of round r: complaints, audits and rota of its own service, with keys of that round."""
    service = f"Bench Home {u + 1}"
    return [write_complaints(folder / f"lt_complaints_u{u + 1}_r{r}.xlsx", service, f"LT-C{r}", 0, rows,
                             closed=r % 2 == 1),
            write_audits(folder / f"lt_audits_u{u + 1}_r{r}.csv", service, f"LT-A{r}", rows),
            write_rota(folder / f"lt_rota_u{u + 1}_r{r}.csv", service, r * rows, rows)]


def make_files(folder: Path, uploaders: int, rounds: int, rows: int, solo: bool) -> Plan:
    """Every file of the run, with distinct keys per uploader and round, plus the twice-sent and overlapping files;
    with `solo`, one more round of own files for the uploads-alone phase."""
    folder.mkdir(parents=True, exist_ok=True)
    steps: list[list[list[Sent]]] = [[] for _ in range(uploaders)]
    files: list[Sent] = []
    for r in range(rounds):
        twice_owner, overlap_owner = r % uploaders, (r + 1) % uploaders
        twice = write_audits(folder / f"lt_twice_audits_r{r}.csv", "Bench Shared", f"LT-T{r}", rows)
        twice.kind = "twice"
        half = rows // 2
        first = write_complaints(folder / f"lt_overlap_complaints_r{r}_a.xlsx", "Bench Shared", f"LT-O{r}", 0, rows,
                                 closed=False)
        second = write_complaints(folder / f"lt_overlap_complaints_r{r}_b.xlsx", "Bench Shared", f"LT-O{r}", half,
                                  rows, closed=True)
        first.kind = second.kind = "overlap"
        files += [twice, first, second]
        for u in range(uploaders):
            own = own_files(folder, u, r, rows)
            files += own
            shared = []
            if u == twice_owner:
                shared.append([twice, twice])
            if u == overlap_owner:
                shared.append([first, second])
            # The shared sends go first in the round, so that they meet the other uploaders' own files.
            steps[u] += shared + [[sent] for sent in own]
    solo_steps: list[list[list[Sent]]] = [[] for _ in range(uploaders)]
    if solo:
        for u in range(uploaders):
            own = own_files(folder, u, rounds, rows)
            files += own
            solo_steps[u] = [[sent] for sent in own]
    for sent in files:
        sent.rows = count_rows(sent.path)
    return Plan(steps, files, solo_steps)


# --- the store -----------------------------------------------------------------------------------------------------

def build_store(database: Path, demo_dir: Path) -> None:
    """A fresh store with the demo data, loaded as `python -m analytics demo` does."""
    from analytics.demo import load_demo
    from analytics.store import connect

    con = connect(database)
    try:
        load_demo(con, demo_dir)
    finally:
        con.close()


def read_store(database: Path) -> dict[str, Any]:
    """Rows per table (all, and of the bench's services), the data version and the largest batch id, read directly."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        found: dict[str, Any] = {"rows": {}, "bench_rows": {}, "distinct_keys": {}}
        for table in TABLES:
            found["rows"][table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            found["bench_rows"][table] = con.execute(
                f"SELECT count(*) FROM {table} WHERE service LIKE 'Bench %'").fetchone()[0]
            found["distinct_keys"][table] = con.execute(f"SELECT count(DISTINCT row_key) FROM {table}").fetchone()[0]
        found["data_version"] = int(con.execute(
            "SELECT value FROM store_meta WHERE key = 'data_version'").fetchone()[0])
        found["max_batch"] = con.execute("SELECT coalesce(max(batch_id), 0) FROM batches").fetchone()[0]
        found["batches"] = con.execute("SELECT count(*) FROM batches").fetchone()[0]
        return found
    finally:
        con.close()


# --- the dashboard ------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dashboard:
    """`streamlit run app.py` on the store in its own process group; stop() ends that group (and only it)."""

    def __init__(self, database: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "localhost", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, "LEADERSHIP_INSIGHT_DB": str(database)}, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_healthy(self, seconds: float = 120) -> None:
        self._log.flush()
        wait_healthy(self.url, self.process, self.log_path, seconds)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the dashboard process and its finished children, from /proc."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        ticks = os.sysconf("SC_CLK_TCK")
        return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
        self._log.close()


def machine_busy() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- uploaders ------------------------------------------------------------------------------------------------------

@dataclass
class Send:
    """One `python -m analytics ingest` run: the file, when, how long, and what it said."""

    uploader: int
    sent: Sent
    started: float
    seconds: float
    code: int
    results: list[dict[str, Any]]
    stderr: str
    together: int  # how many sends were started at the same moment with this one
    phase: str  # "alone" (no reader) or "loaded" (while the readers read)


def ingest_command(database: Path, path: Path, who: str) -> list[str]:
    return [sys.executable, "-m", "analytics", "--db", str(database), "ingest", str(path), "--json", "--by", who]


def run_uploader(number: int, steps: list[list[Sent]], database: Path, clock0: float, sends: list[Send],
                 lock: threading.Lock, phase: str) -> None:
    """Send each step's files in turn; the files of one step start at the same moment, each its own process."""
    who = f"load-bench-{number + 1}"
    for step in steps:
        started = time.perf_counter()
        children = [subprocess.Popen(ingest_command(database, s.path, who), cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True) for s in step]
        for sent, child in zip(step, children):
            out, err = child.communicate()
            seconds = time.perf_counter() - started
            try:
                results = json.loads(out) if out.strip() else []
            except json.JSONDecodeError:
                results, err = [], err + f"\n(unreadable output: {out[:500]})"
            with lock:
                sends.append(Send(number, sent, started - clock0, seconds, child.returncode, results, err, len(step),
                                  phase))
            print(f"  uploader {number + 1}: {sent.path.name} in {seconds:.1f} s (exit {child.returncode})",
                  file=sys.stderr, flush=True)


def upload_all(run: Run, steps: list[list[list[Sent]]], phase: str, database: Path, clock0: float) -> float:
    """Every uploader's steps, the uploaders in parallel threads; returns the wall time until the last finished."""
    lock = threading.Lock()
    threads = [threading.Thread(target=run_uploader, args=(u, steps[u], database, clock0, run.sends, lock, phase))
               for u in range(len(steps))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


# --- readers ---------------------------------------------------------------------------------------------------------

@dataclass
class View:
    reader: int
    page: str
    phase: str
    started: float
    seconds: float
    error: str | None = None


def page_url(base: str, path: str, service: str) -> str:
    if path in FILTERED and service:
        return f"{base}{path}?{urllib.parse.urlencode({'service': service})}"
    return base + path


async def view_page(page: Any, base: str, spec: tuple, service: str) -> tuple[float, str | None]:
    """Open a page and wait until it has rendered: (seconds, error or None)."""
    label, path, heading, text = spec
    started = time.perf_counter()
    try:
        await page.goto(page_url(base, path, service), timeout=VIEW_TIMEOUT_MS)
        await page.get_by_role("heading", name=heading, exact=True).first.wait_for(state="visible",
                                                                                   timeout=VIEW_TIMEOUT_MS)
        if text:
            await page.get_by_text(text, exact=True).first.wait_for(state="visible", timeout=VIEW_TIMEOUT_MS)
        await page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                                     timeout=VIEW_TIMEOUT_MS)
        seconds = time.perf_counter() - started
    except Exception as error:  # noqa: BLE001 - a view that fails is counted and reported, and the reader goes on
        return time.perf_counter() - started, f"{label}: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    problems = []
    exceptions = page.locator('[data-testid="stException"]')
    if await exceptions.count():
        problems.append("exception shown: " + (await exceptions.first.inner_text())[:200].replace("\n", " "))
    body = await page.locator("body").inner_text()
    if BUSY_TEXT in body:
        problems.append("store busy message shown")
    if REFUSED_TEXT in body:
        problems.append("access refused")
    return seconds, (f"{label}: " + "; ".join(problems)) if problems else None


async def reader(number: int, browser: Any, base: str, service: str, phase: str, visits: int | None,
                 keep_going: threading.Event | None, clock0: float, views: list[View]) -> None:
    """View the pages in turn (starting at a page of its own): `visits` views, or while `keep_going` is set."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        done, index = 0, number
        while (visits is not None and done < visits) or (visits is None and (done == 0 or keep_going.is_set())):
            spec = PAGES[index % len(PAGES)]
            started = time.perf_counter() - clock0
            seconds, error = await view_page(page, base, spec, service)
            views.append(View(number, spec[0], phase, started, seconds, error))
            done, index = done + 1, index + 1
    finally:
        await context.close()


# --- the run ----------------------------------------------------------------------------------------------------------

@dataclass
class Run:
    args: argparse.Namespace
    plan: Plan
    before: dict[str, Any]
    views: list[View] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)
    phases: dict[str, dict[str, float]] = field(default_factory=dict)
    batches_json: list[dict[str, Any]] = field(default_factory=list)
    batches_error: str | None = None
    after: dict[str, Any] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    load_seconds: float = 0.0
    solo_seconds: float = 0.0


async def drive(run: Run, dashboard: Dashboard, database: Path, clock0: float) -> None:
    """Warm-up, idle, loaded and after phases in one Chromium; the uploaders run in threads during "loaded"."""
    from playwright.async_api import async_playwright

    from analytics.store_server import socket_path

    args = run.args
    cycles = args.idle_cycles * len(PAGES)

    async def phase(name: str, visits: int | None, keep_going: threading.Event | None = None,
                    record: bool = True) -> None:
        cpu0, busy0 = dashboard.cpu_seconds(), machine_busy()
        started = time.perf_counter()
        await asyncio.gather(*(reader(n, browser, dashboard.url, args.service, name, visits, keep_going, clock0,
                                      run.views) for n in range(args.readers)))
        if record:
            busy1 = machine_busy()
            run.phases[name] = {"seconds": time.perf_counter() - started,
                                "server_cpu": dashboard.cpu_seconds() - cpu0,
                                "machine_busy": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])}
        print(f"{name}: done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # One visit to Home first: until app.py has run once in the server, a first visit straight to another
            # page is sent to Home (pages.common.require_app_entry), which would look like a page that never draws.
            await reader(0, browser, dashboard.url, args.service, "warm-up", 1, None, clock0, run.views)
            await phase("warm-up", len(PAGES), record=False)
            if not socket_path(database).exists():
                raise RuntimeError("the dashboard is not listening for command-line commands after the warm-up")
            await phase("idle", cycles)

            if args.solo:
                # The uploaders alone (one more round of their own files, no reader): the uploads' own baseline.
                cpu0, busy0, started = dashboard.cpu_seconds(), machine_busy(), time.perf_counter()
                print(f"uploads alone: {sum(len(s) for steps in run.plan.solo_steps for s in steps)} sends",
                      file=sys.stderr, flush=True)
                run.solo_seconds = await asyncio.to_thread(upload_all, run, run.plan.solo_steps, "alone", database,
                                                           clock0)
                busy1 = machine_busy()
                run.phases["uploads alone"] = {"seconds": time.perf_counter() - started,
                                               "server_cpu": dashboard.cpu_seconds() - cpu0,
                                               "machine_busy": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])}
                await phase("warm-up again", len(PAGES), record=False)

            uploading = threading.Event()
            uploading.set()

            def upload_loaded() -> None:
                try:
                    run.load_seconds = upload_all(run, run.plan.steps, "loaded", database, clock0)
                finally:
                    uploading.clear()

            print(f"loaded: {sum(len(s) for steps in run.plan.steps for s in steps)} sends by {args.uploaders} "
                  "uploaders", file=sys.stderr, flush=True)
            uploads = threading.Thread(target=upload_loaded)
            uploads.start()
            try:
                await phase("loaded", None, uploading)
            finally:
                await asyncio.to_thread(uploads.join)
            if args.after:
                await phase("warm-up after", len(PAGES), record=False)
                await phase("after", cycles)
        finally:
            await browser.close()


def list_batches_handed_over(database: Path) -> tuple[list[dict[str, Any]], str | None]:
    """`python -m analytics batches --json` while the dashboard runs (so it is handed to the dashboard)."""
    done = subprocess.run([sys.executable, "-m", "analytics", "--db", str(database), "batches", "--json"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        return [], f"batches --json exit {done.returncode}: {done.stderr[-500:]}"
    return json.loads(done.stdout), None


# --- figures and the report -----------------------------------------------------------------------------------------

def percentile(values: list[float], share: int) -> float:
    """Nearest-rank percentile (the largest value for p95 with fewer than 20 values)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, -(-share * len(ordered) // 100) - 1))]


def ratio_text(loaded: float, idle: float) -> str:
    if math.isnan(idle) or math.isnan(loaded) or idle <= 0:
        return ""
    return f"{loaded / idle:.2f}"


@dataclass
class RowCheck:
    table: str
    files: int
    rows_sent: int
    keys_sent: int
    stored_batches: int
    stored_direct: int
    bench_direct: int

    @property
    def equal(self) -> bool:
        return self.keys_sent == self.stored_batches == self.stored_direct == self.bench_direct


def row_checks(run: Run) -> list[RowCheck]:
    """Per table: rows sent (every send of every file), distinct keys sent, and what was stored, three ways."""
    rows_sent: dict[str, int] = defaultdict(int)
    keys: dict[str, set] = defaultdict(set)
    files: dict[str, set] = defaultdict(set)
    for steps in run.plan.steps + run.plan.solo_steps:
        for step in steps:
            for sent in step:
                rows_sent[sent.source] += sent.rows
                keys[sent.source] |= sent.keys
                files[sent.source].add(sent.path)
    names = {s.path.name for s in run.plan.files}
    stored: dict[str, int] = defaultdict(int)
    for batch in run.batches_json:
        if batch["file_name"] in names and batch["batch_id"] > run.before["max_batch"]:
            stored[batch["source"]] += int(batch["rows_new"])
    return [RowCheck(t, len(files[t]), rows_sent[t], len(keys[t]), stored[t],
                     run.after["rows"][t] - run.before["rows"][t], run.after["bench_rows"][t])
            for t in ("complaints", "audits", "rota")]


def send_errors(run: Run) -> list[str]:
    errors = []
    for send in run.sends:
        problems = []
        if send.code:
            problems.append(f"exit {send.code}")
        if send.stderr.strip():
            problems.append(send.stderr.strip().splitlines()[-1][:300])
        if not send.results and not send.code:
            problems.append("no result")
        if problems:
            errors.append(f"uploader {send.uploader + 1}, {send.sent.path.name}: {'; '.join(problems)}")
    return errors


def render(run: Run, checks: list[RowCheck]) -> str:
    args = run.args
    lines = [f"# Load test: {args.uploaders} uploaders and {args.readers} readers against one store"
             + (" (quick)" if args.quick else ""), "",
             f"Run {datetime.now():%d/%m/%Y %H:%M}. One store with the demo data; the real dashboard "
             "(`streamlit run app.py`) on it; headless Chromium with one browser context per reader; uploaders "
             "running `python -m analytics ingest FILE --json`, handed to the dashboard process. "
             f"{args.rounds} round(s) of {args.rows:,} rows per file. Filtered pages opened for "
             + (f"service {args.service!r}." if args.service else "all services."), ""]

    lines += ["## Rows sent against rows stored", ""]
    table = []
    for c in checks:
        table.append([c.table, str(c.files), f"{c.rows_sent:,}", f"{c.keys_sent:,}", f"{c.stored_batches:,}",
                      f"{c.stored_direct:,}", f"{c.bench_direct:,}", "yes" if c.equal else "**NO**"])
    lines.append(markdown_table(["table", "files", "rows sent (all sends)", "distinct keys sent",
                                 "stored: rows_new of the run's batches (`batches --json`)",
                                 "stored: growth of the table (direct read)", "stored: bench services' rows",
                                 "equal?"], table))
    twice = [s for s in run.sends if s.sent.kind == "twice"]
    twice_loaded = sum(1 for s in twice for r in s.results if r.get("batch_id") is not None)
    twice_already = sum(1 for s in twice for r in s.results if r.get("already_loaded_as") is not None)
    overlap = [s for s in run.sends if s.sent.kind == "overlap"]
    overlap_updated = sum(int(r.get("rows_updated", 0)) for s in overlap for r in s.results)
    shared_expected = sum(len(a.keys & b.keys) for a, b in _overlap_pairs(run.plan))
    new_batches = run.after["batches"] - run.before["batches"]
    version_growth = run.after["data_version"] - run.before["data_version"]
    rejected = sum(int(r.get("rows_rejected", 0)) for s in run.sends for r in s.results)
    same_keys = all(run.after["distinct_keys"][t] == run.after["rows"][t] for t in TABLES)
    lines += ["",
              (f"- Sends: {len(run.sends)} (`ingest` runs) of {len(run.plan.files)} files; batches stored: "
               f"{new_batches}; rows rejected: {rejected}."),
              (f"- Files sent twice at the same moment: {len(twice) // 2}; loaded {twice_loaded} times, answered "
               f"\"already loaded\" {twice_already} times (expected {len(twice) // 2} and {len(twice) // 2})."),
              (f"- Pairs of different complaints logs sharing keys, sent at the same moment: {len(overlap) // 2}; "
               f"references shared: {shared_expected:,}; rows reported updated: {overlap_updated:,} (expected "
               f"{shared_expected:,}: whichever log comes second updates the shared rows)."),
              f"- Data version (counts every load): +{version_growth}, batches stored +{new_batches}.",
              f"- Distinct row keys equal rows in every table after the run: {'yes' if same_keys else 'NO'}."]

    lines += ["", "## Page latency, idle against under load", ""]
    by: dict[tuple[str, str], list[float]] = defaultdict(list)
    for view in run.views:
        if view.error is None:
            by[(view.page, view.phase)].append(view.seconds)
            by[("**all pages**", view.phase)].append(view.seconds)
    table = []
    for label in [spec[0] for spec in PAGES] + ["**all pages**"]:
        idle, loaded, after = by[(label, "idle")], by[(label, "loaded")], by[(label, "after")]
        row = [label, str(len(idle)), seconds_text(percentile(idle, 50)), seconds_text(percentile(idle, 95)),
               str(len(loaded)), seconds_text(percentile(loaded, 50)), seconds_text(percentile(loaded, 95)),
               ratio_text(percentile(loaded, 50), percentile(idle, 50)),
               ratio_text(percentile(loaded, 95), percentile(idle, 95))]
        if args.after:
            row += [str(len(after)), seconds_text(percentile(after, 50)), seconds_text(percentile(after, 95))]
        table.append(row)
    headers = ["page", "idle n", "idle p50", "idle p95", "loaded n", "loaded p50", "loaded p95",
               "ratio p50 (loaded / idle)", "ratio p95"] + (["after n", "after p50", "after p95"] if args.after else [])
    lines.append(markdown_table(headers, table))
    lines += ["", "A view is timed from navigation to the page's title (Home: its \"What is loaded\" figures) being "
              "visible and Streamlit reporting the script finished. Before \"idle\" each reader views every page once "
              "untimed, so idle views are served from the dashboard's caches, as for anyone after the first visitor; "
              "each load clears those caches (the data version changes), so under load views are often computed "
              "afresh. \"loaded\" counts every view started while uploads ran."
              + (" \"after\": readers only again on the grown store, after another untimed pass." if args.after
                 else ""), ""]
    lines.append(markdown_table(
        ["phase", "wall time", "dashboard CPU time", "machine CPU busy"],
        [[name, f"{p['seconds']:.1f} s", f"{p['server_cpu']:.1f} s", f"{p['machine_busy'] * 100:.0f}%"]
         for name, p in run.phases.items()]))

    loaded_sends = [s for s in run.sends if s.phase == "loaded"]
    loaded_rows = sum(int(r.get("rows_new", 0)) for s in loaded_sends for r in s.results)
    lines += ["", "## Uploads", "",
              (f"- Under load: {len(loaded_sends)} sends in {run.load_seconds:.1f} s ({loaded_rows:,} rows stored, "
               f"{loaded_rows / max(run.load_seconds, 1e-9):,.0f} rows/s) by {args.uploaders} uploaders."), ""]
    table = []
    for label, chosen in (("own file, no reader (uploads alone)", lambda s: s.phase == "alone"),
                          ("own file, while readers read", lambda s: s.phase == "loaded" and s.sent.kind == "own"),
                          ("shared file sent at the same moment as another, while readers read",
                           lambda s: s.phase == "loaded" and s.sent.kind != "own")):
        times = [s.seconds for s in run.sends if chosen(s)]
        if times:
            table.append([label, str(len(times)), seconds_text(percentile(times, 50)),
                          seconds_text(percentile(times, 95)), seconds_text(max(times))])
    lines.append(markdown_table(["`ingest` run (start of the command to its answer)", "n", "p50", "p95", "max"],
                                table))
    alone = [s.seconds for s in run.sends if s.phase == "alone"]
    with_readers = [s.seconds for s in run.sends if s.phase == "loaded" and s.sent.kind == "own"]
    if alone and with_readers:
        lines += ["", (f"Own files while readers read against alone: ratio p50 "
                       f"{ratio_text(percentile(with_readers, 50), percentile(alone, 50))}, p95 "
                       f"{ratio_text(percentile(with_readers, 95), percentile(alone, 95))}. Each run includes "
                       "starting the command-line process and its imports (about 2 s on an idle machine); the load "
                       "itself runs in the dashboard process.")]

    reader_errors = [f"{v.phase}, reader {v.reader + 1}: {v.error}" for v in run.views if v.error]
    upload_errors = send_errors(run)
    lines += ["", "## Errors", ""]
    if not (reader_errors or upload_errors or run.server_errors or run.batches_error):
        lines.append("None: no reader saw an exception, a busy message or a timeout; every `ingest` exited 0 with a "
                     "result; the dashboard's log has no traceback.")
    for title, found in (("Readers", reader_errors), ("Uploaders", upload_errors),
                         ("Dashboard log", run.server_errors),
                         ("batches --json", [run.batches_error] if run.batches_error else [])):
        if found:
            lines.append(f"- {title}: {len(found)}")
            lines += [f"  - {e}" for e in found[:20]] + ([f"  - ... and {len(found) - 20} more"] if len(found) > 20
                                                         else [])
    lines += ["", "## Machine", ""] + machine_info(("duckdb", "pandas", "streamlit", "playwright"))
    return "\n".join(lines) + "\n"


def _overlap_pairs(plan: Plan) -> list[tuple[Sent, Sent]]:
    return [(step[0], step[1]) for steps in plan.steps for step in steps
            if len(step) == 2 and step[0].kind == "overlap"]


def server_errors(log: str) -> list[str]:
    lines = log.splitlines()
    return [" | ".join(lines[i:i + 1] + [text for text in lines[i + 1:i + 40] if text and not text.startswith(" ")][:1])[:300]
            for i, line in enumerate(lines) if line.startswith("Traceback")]


# --- main -------------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploaders", type=int, default=None, help="uploader processes at a time (default 3; 2 "
                                                                    "with --quick)")
    parser.add_argument("--readers", type=int, default=None, help="readers (browser contexts) at a time (default 4; "
                                                                  "2 with --quick)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of files per uploader (default 3; 1 with "
                                                                 "--quick)")
    parser.add_argument("--rows", type=int, default=None, help="rows per file (default 3000; 300 with --quick)")
    parser.add_argument("--idle-cycles", type=int, default=None,
                        help="times each reader views every page in the idle and after phases (default 3; 1 with "
                             "--quick)")
    parser.add_argument("--service", default="Oakwood House",
                        help="service the filtered pages are opened for ('' for all services; default %(default)s)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="report and working folder (default "
                                                                           "bench/out)")
    parser.add_argument("--no-solo", dest="solo", action="store_false", default=None,
                        help="skip the \"uploads alone\" phase (one more round of own files with no reader, the "
                             "uploads' baseline; skipped with --quick)")
    parser.add_argument("--no-after", dest="after", action="store_false", default=None,
                        help="skip the \"after\" phase (readers only on the grown store; skipped with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="a small run that finishes in under 2 minutes: 2 uploaders, 2 readers, 1 round of "
                             "300-row files, 1 idle cycle, no \"uploads alone\" or \"after\" phase")
    args = parser.parse_args(argv)
    small = {"uploaders": 2, "readers": 2, "rounds": 1, "rows": 300, "idle_cycles": 1, "after": False, "solo": False}
    full = {"uploaders": 3, "readers": 4, "rounds": 3, "rows": 3000, "idle_cycles": 3, "after": True, "solo": True}
    for name, value in (small if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.uploaders < 1 or args.readers < 1 or args.rounds < 1 or args.rows < 4 or args.idle_cycles < 1:
        parser.error("--uploaders, --readers, --rounds and --idle-cycles must be at least 1, --rows at least 4")
    return args


def _stop_on_signal(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    out = Path(args.out).resolve()
    work = out / ("load_quick" if args.quick else "load")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    database = work / "store.duckdb"
    clock0 = time.perf_counter()

    print("building the store with the demo data...", file=sys.stderr, flush=True)
    build_store(database, work / "demo")
    before = read_store(database)
    print(f"writing the files ({args.uploaders} uploaders x {args.rounds} rounds x {args.rows} rows)...",
          file=sys.stderr, flush=True)
    plan = make_files(work / "files", args.uploaders, args.rounds, args.rows, args.solo)
    run = Run(args, plan, before)

    dashboard = Dashboard(database, work / "dashboard.log")
    try:
        dashboard.wait_healthy()
        print(f"dashboard on {dashboard.url}", file=sys.stderr, flush=True)
        asyncio.run(drive(run, dashboard, database, clock0))
        run.batches_json, run.batches_error = list_batches_handed_over(database)
    finally:
        dashboard.stop()
    run.server_errors = server_errors(dashboard.log())
    run.after = read_store(database)

    checks = row_checks(run)
    text = render(run, checks)
    print(text)
    report = out / ("load_results_quick.md" if args.quick else "load_results.md")
    report.write_text(text, encoding="utf-8")
    print(f"report written to {report} ({time.perf_counter() - clock0:.0f} s in all)", file=sys.stderr)
    errors = any(v.error for v in run.views) or send_errors(run) or run.server_errors or run.batches_error
    return 0 if all(c.equal for c in checks) and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
