"""Page latency: the analytics behind each dashboard page, for one service and the whole group, cold and cached;
and the app's start to its first rendered page in headless Chromium with the group loaded.

Run: .venv/bin/python bench/pages_bench.py [--services 250] [--repeat-service 10] [--repeat-group 3]
         [--cached-calls 20] [--browser-runs 3] [--seed 2026] [--out bench/out]

Uses a copy of the store bench/insights_bench.py loads (it loads it first when there is none), with the findings the
pages open on stored first, as a load does (analytics.stored_insights.refresh). Each cold run is a fresh
process with a fresh connection (imports before the clock; opening the store and reading the settings timed, as a
page's first visit pays them). Cached: in the same process, the page's calls again through a cache that pickles the
result and unpickles it on every hit, as st.cache_data does. The script prints figures and writes
bench/out/pages_results.md; it never fails because something is slow.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import (
    ROOT,
    Clock,
    Runs,
    machine_info,
    markdown_table,
    memory_mb,
    report,
    run_child,
    seconds_text,
    wait_healthy,
)

SCRIPT = Path(__file__).resolve()
SERVICE_COLD_MS, SERVICE_CACHED_MS, FIRST_PAGE_SECONDS, CHOSEN_SECONDS = 200.0, 50.0, 3.0, 1.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PAGES = ("Home", "Overview", "Trends", "Teams and shifts", "Triangulation", "Themes", "Board report",
         "Concerns and actions")
# What each page calls, as pages/*.py do (a page's own st.cache_data functions wrap exactly these calls).
CALLS = {
    "Home": "insights_for now and the month before (stored) + batches.coverage",
    "Overview": "insights_for (stored) + stored_table headline_pairs",
    "Trends": "insights_for (stored) + stored_table repeat_table + signals.stored_chart (the chosen measure and the "
              "at-a-glance measures, per service shown) + chart_marks + stored_table theme_months",
    "Teams and shifts": "stored_table measure_table and place_figures",
    "Triangulation": "triangulation_window + stored_table triangulation_table",
    "Themes": "themes.theme_table with stored_table theme_places + themes.theme_mentions",
    "Board report": "insights_for now and the two quarters (stored) + board_summary.measure_summary "
                    "+ response.board_tables + narrative.leader_views",
    "Concerns and actions": "response.concern_views + action_plans.unmatched",
}


# --- a page's calls ---------------------------------------------------------------------------------------

def page_calls(page: str, con: Any, service: str | None, services_all: list[str]) -> Callable[[], Any]:
    """A function making the calls `page` makes for one service (or the whole group, None), after a load has
    stored the findings (analytics.stored_insights.refresh), as the Upload page and `ingest` do."""
    from analytics.action_plans import unmatched
    from analytics.batches import coverage
    from analytics.board_summary import (
        last_complete_quarter,
        measure_summary,
        month_end_before,
        quarter_before,
        quarter_settings,
    )
    from analytics.chart_marks import action_marks, new_limits
    from analytics.narrative import leader_views
    from analytics.response import board_tables, concern_views
    from analytics.scope import Scope
    from analytics.settings import load_settings
    from analytics.signals import metric_catalogue, stored_chart
    from analytics.stored_insights import insights_for, stored_table
    from analytics.themes import theme_mentions, theme_table
    from analytics.triangulation import triangulation_window

    services = (service,) if service else None

    def now(settings: dict) -> Any:
        return insights_for(con, Scope(services), settings)

    def home() -> Any:
        settings = load_settings(con)
        latest = now(settings)
        return (latest, insights_for(con, Scope(services, month_end_before(latest.as_of)), settings),
                coverage(con, Scope(services)))

    def overview() -> Any:
        settings = load_settings(con)
        latest = now(settings)
        return latest, stored_table(con, "headline_pairs", Scope(services, latest.as_of), settings)

    def trends() -> Any:
        settings = load_settings(con)
        latest = now(settings)
        scope = Scope(services, latest.as_of)
        charts = {}
        for name in ([service] if service else services_all):
            one = Scope((name,), latest.as_of)
            series = stored_table(con, "service_series", one, settings)  # read once for the service's charts
            for metric in metric_catalogue():  # the chosen measure (the first) and the at-a-glance list
                try:
                    charts[(name, metric.id)] = stored_chart(con, one, settings, metric.id, name, stored=series)
                except ValueError as error:  # the page shows the sentence instead
                    charts[(name, metric.id)] = str(error)
            charts[name] = (action_marks(con, name, None, None, "audit_compliance"),
                            new_limits(con, name, None, None, "audit_compliance"))
        return (latest, stored_table(con, "repeat_table", scope, settings), charts,
                stored_table(con, "theme_months", scope, settings))

    def teams() -> Any:
        settings = load_settings(con)
        scope = Scope(services, now(settings).as_of)
        return stored_table(con, "measure_table", scope, settings), stored_table(con, "place_figures", scope, settings)

    def triangulation() -> Any:
        settings = load_settings(con)
        scope = Scope(services, now(settings).as_of)
        return triangulation_window(con, scope, settings), stored_table(con, "triangulation_table", scope, settings)

    def themes() -> Any:
        settings = load_settings(con)
        scope = Scope(services, now(settings).as_of)
        return (theme_table(con, scope, settings, stored_table(con, "theme_places", scope, settings)),
                theme_mentions(con, scope, settings))

    def board() -> Any:
        settings = load_settings(con)
        latest = now(settings)
        quarter = last_complete_quarter(latest.as_of)
        quarters = [insights_for(con, Scope(services, end), quarter_settings(settings))
                    for end in (quarter[1], quarter_before(quarter)[1])]
        shown = [service] if service else services_all
        return (latest, quarters, measure_summary(con, shown, latest.as_of, settings),
                board_tables(con, Scope(services, latest.as_of), settings), leader_views(con, services))

    def concerns() -> Any:
        settings = load_settings(con)
        scope = Scope(services, now(settings).as_of)
        return concern_views(con, scope, settings), unmatched(con, settings, Scope(services))

    return {"Home": home, "Overview": overview, "Trends": trends, "Teams and shifts": teams,
            "Triangulation": triangulation, "Themes": themes, "Board report": board,
            "Concerns and actions": concerns}[page]


class PickleCache:
    """st.cache_data's behaviour: the first call computes and stores the pickled result; a hit unpickles a copy."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self.function, self.stored = function, None

    def __call__(self) -> Any:
        if self.stored is None:
            result = self.function()
            self.stored = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            return result
        return pickle.loads(self.stored)


def child_page(page: str, database: Path, service: str, cached_calls: int) -> None:
    """One cold visit to a page (fresh process and connection), then `cached_calls` cached ones."""
    from analytics.store import connect

    page_calls(page, None, None, [])  # imports every module a page uses before the clock, as a server has them
    gc.freeze()  # and keeps them out of the cycle collector's scans, as app.py does (pages.common.settle_imports)
    clock = Clock()
    con = connect(database)
    services_all = [row[0] for row in con.cursor().execute(
        "SELECT DISTINCT service FROM audits ORDER BY 1").fetchall()] if not service else []
    cached = PickleCache(page_calls(page, con, service or None, services_all))
    cached()
    cold, cold_cpu = clock.read()
    hits = []
    for _ in range(cached_calls):
        hit = Clock()
        cached()
        hits.append(hit.read()[0])
    report({"seconds": cold, "cpu": cold_cpu, "peak_mb": memory_mb(), "cached": hits,
            "result_mb": len(cached.stored) / 1e6})


def child_prepare(database: Path) -> None:
    """What a load leaves behind (analytics.concerns.refresh_with_history, as the Upload page and `ingest` run it):
    the findings the pages open on stored for every service, then each concern followed back through history."""
    from analytics.concerns import track
    from analytics.scope import Scope
    from analytics.settings import load_settings
    from analytics.store import connect
    from analytics.stored_insights import refresh

    con = connect(database)
    clock = Clock()
    computed = refresh(con)
    seconds, cpu = clock.read()
    history = Clock()
    track(con, Scope(), load_settings(con))
    history_seconds, history_cpu = history.read()
    con.close()
    report({"seconds": seconds, "cpu": cpu, "computed": computed, "history_seconds": history_seconds,
            "history_cpu": history_cpu, "peak_mb": memory_mb()})


# --- app start to first page --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_page(database: Path, runs: int) -> Runs:
    """Start `streamlit run app.py` on the store, time until the Home heading shows in Chromium; always stop it."""
    from playwright.sync_api import sync_playwright

    result = Runs("app start to the Home page rendered (group loaded)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for _ in range(runs):
                figures = _one_start(browser, database)
                result.add(figures)
                for name in ("server_ready", "with_figures"):
                    result.extra.setdefault(f"{name}_all", []).append(figures[name])
        finally:
            browser.close()
    return result


@contextmanager
def app_server(database: Path, log: Path) -> Iterator[tuple[str, float]]:
    """`streamlit run app.py` on the store, started and answering its health check; yields its address and when it
    was started (perf_counter), and always stops it."""
    url = f"http://127.0.0.1:{free_port()}"
    with log.open("wb") as output:
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", url.rsplit(":", 1)[1],
             "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, "LEADERSHIP_INSIGHT_DB": str(database)}, stdout=output,
            stderr=subprocess.STDOUT)
        try:
            wait_healthy(url, server, log)
            yield url, started
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _one_start(browser: Any, database: Path) -> dict[str, Any]:
    page = browser.new_page()
    try:
        with app_server(database, database.parent / "pages_bench_server.log") as (url, started):
            healthy = time.perf_counter() - started
            page.goto(url)
            page.get_by_role("heading", name="Leadership Insight").wait_for(state="visible", timeout=120_000)
            seconds = time.perf_counter() - started
            page.get_by_text("What is loaded").wait_for(timeout=120_000)
            with_figures = time.perf_counter() - started
    finally:
        page.close()
    return {"seconds": seconds, "cpu": float("nan"), "server_ready": healthy, "with_figures": with_figures}


CHOSEN_PAGES = {"Overview": "overview", "Trends": "trends", "Teams and shifts": "teams_shifts",
                "Triangulation": "triangulation", "Themes": "themes", "Board report": "board_report"}


# The page drawn for `service`: its address names it, the script has finished, the main panel names it and no element
# of the run before is left stale.
_DRAWN = """(service) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]');
    return new URLSearchParams(location.search).get("service") === service && app !== null
        && app.getAttribute("data-test-script-state") === "notRunning" && main !== null
        && main.innerText.includes(service) && main.querySelector('[data-stale="true"]') === null;
}"""


def choose_services(database: Path, services: list[str], polled: bool = False) -> dict[str, Runs]:
    """One server on the store; on each page (opened once, whole group), each of `services` chosen in the sidebar's
    Service filter in turn, timed from choosing it to the page drawn for it (the script finished, its caption or
    heading naming the service). Every service is new to that page, so nothing is in the server's caches.

    `polled`: check every 10 ms, in the page, that it is drawn (and no element of the run before is left stale),
    rather than waiting on Playwright's own checks. Headless Chromium left idle can report the script finished about
    half a second late once a run takes more than about 0.45 s (bench/README.md), so both are reported."""
    from playwright.sync_api import sync_playwright

    how = "checked every 10 ms" if polled else "Playwright's waits"
    results = {page: Runs(f"{page}: a newly chosen service drawn in the browser ({how})") for page in CHOSEN_PAGES}
    with (app_server(database, database.parent / "pages_bench_choose.log") as (url, _),
          sync_playwright() as playwright):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for name, path in CHOSEN_PAGES.items():
                page.goto(f"{url}/{path}")
                _script_done(page)
                for service in services:
                    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]', has_text="Service")
                    picker.click()
                    page.keyboard.type(service)
                    started = time.perf_counter()
                    page.keyboard.press("Enter")
                    if polled:
                        page.wait_for_function(_DRAWN, arg=service, polling=10, timeout=120_000)
                    else:
                        page.wait_for_url(lambda address, service=service: parse_qs(urlparse(address).query).get(
                            "service") == [service], timeout=120_000)  # the run for the service has begun
                        _script_done(page)
                        page.locator('[data-testid="stMain"]').get_by_text(service).first.wait_for(timeout=120_000)
                    results[name].add({"seconds": time.perf_counter() - started, "cpu": float("nan")})
        finally:
            browser.close()
    return results


def _script_done(page: Any) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=300_000)


# --- the run and the report ---------------------------------------------------------------------------------

def measure(database: Path, service: str, args: argparse.Namespace) -> dict[tuple[str, str], Runs]:
    """Cold runs (fresh processes, pages in rounds) and the cached calls of each, for one service and the group."""
    results: dict[tuple[str, str], Runs] = {}
    for scope, repeat in ((service, args.repeat_service), ("", args.repeat_group)):
        for page in PAGES:
            results[(page, scope)] = Runs(f"{page}, {scope or 'whole group'}")
        for run in range(repeat):
            print(f"{scope or 'whole group'}: round {run + 1} of {repeat}", file=sys.stderr, flush=True)
            for page in PAGES:
                figures = run_child(SCRIPT, ["page", page, str(database), scope, str(args.cached_calls)])
                runs = results[(page, scope)]
                runs.add(figures)
                runs.extra.setdefault("cached_all", []).extend(figures["cached"])
    return results


def _percentile(values: list[float], share: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-share * len(ordered) // 100) - 1))] if ordered else float("nan")


def _others(database: Path, service: str, count: int) -> list[str]:
    """`count` services other than the one measured apart, spread through the group."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        names = [row[0] for row in con.execute("SELECT DISTINCT service FROM audits ORDER BY 1").fetchall()]
    others = [name for name in names if name != service]
    return others[:: max(1, len(others) // count)][:count]


def render(args: argparse.Namespace, service: str, results: dict[tuple[str, str], Runs], start: Runs | None,
           manifest: dict[str, Any], prepared: dict[str, Any], chosen: dict[str, Runs]) -> str:
    rows, detail = [], []
    for (page, scope), runs in results.items():
        cached = runs.extra.get("cached_all", [])
        one = bool(scope)
        cold_p95, cached_p95 = runs.p95(), _percentile(cached, 95)
        rows.append([f"{page}: {'one service' if one else 'whole group'}, cold", seconds_text(runs.median),
                     seconds_text(cold_p95), f"< {SERVICE_COLD_MS:.0f} ms" if one else "(reported)",
                     ("yes" if cold_p95 * 1000 < SERVICE_COLD_MS else "no") if one else "n/a"])
        rows.append([f"{page}: {'one service' if one else 'whole group'}, cached",
                     seconds_text(_percentile(cached, 50)), seconds_text(cached_p95),
                     f"< {SERVICE_CACHED_MS:.0f} ms" if one else "(reported)",
                     ("yes" if cached_p95 * 1000 < SERVICE_CACHED_MS else "no") if one else "n/a"])
        detail.append([runs.label, CALLS[page], str(len(runs.seconds)), seconds_text(min(runs.seconds)),
                       seconds_text(max(runs.seconds)), f"{runs.median_cpu:.2f}", f"{runs.peak:.0f}",
                       str(len(cached)), f"{runs.extra.get('result_mb', 0):.1f}"])
    if start is not None:
        rows.append(["app start to the Home page's heading (group loaded)", seconds_text(start.median),
                     seconds_text(start.p95()), f"< {FIRST_PAGE_SECONDS:.0f} s",
                     "yes" if start.p95() < FIRST_PAGE_SECONDS else "no"])
        ready = [f"{x:.2f}" for x in start.extra.get("server_ready_all", [])]
        figures = [f"{x:.2f}" for x in start.extra.get("with_figures_all", [])]
    for label, runs in chosen.items():
        rows.append([label, seconds_text(runs.median),
                     seconds_text(runs.p95()), f"< {CHOSEN_SECONDS:.0f} s",
                     "yes" if runs.p95() < CHOSEN_SECONDS else "no"])
    text = [
        f"# Page latency benchmark ({time.strftime('%Y-%m-%d %H:%M')})", "",
        f"The care group of bench/group_data.py ({manifest['services']} services, "
        + ", ".join(f"{n:,} {source} rows" for source, n in manifest["rows"].items())
        + f"); one service is {service}. First, as a load does, the findings the pages open on were stored for "
        f"every service ({prepared['computed']:,} service-runs in {seconds_text(prepared['seconds'])}, CPU "
        f"{prepared['cpu']:.0f} s, peak {prepared['peak_mb']:.0f} MB) and each concern followed back through its "
        f"history ({seconds_text(prepared['history_seconds'])}, CPU {prepared['history_cpu']:.0f} s). Cold: each run a "
        "fresh process and connection "
        "(imports before the "
        "clock; opening the store, reading the settings and the page's analytics timed), median and 95th "
        f"percentile (nearest rank: the slowest run below 20 runs) over {args.repeat_service} runs for one service "
        f"and {args.repeat_group} for the group. Cached: the same calls again in the same process through a cache "
        f"that unpickles a stored copy on each hit, as st.cache_data does ({args.cached_calls} hits per run), "
        "median and 95th percentile.", "",
        markdown_table(["what", "median", "p95", "target", "met?"], rows), "",
        "## What each page calls, and every run", "",
        markdown_table(["page", "calls", "cold runs", "min", "max", "median CPU s", "peak MB", "cached hits",
                        "cached result MB"], detail), ""]
    if start is not None:
        text += ["## App start", "",
                 f"`streamlit run app.py` with LEADERSHIP_INSIGHT_DB on the group's store, Chromium at {CHROMIUM} "
                 "already running (headless, with " + " ".join(CHROMIUM_ARGS) + "); timed from starting the "
                 "server to the Home page's heading being visible. Server answering its health check after "
                 f"{', '.join(ready)} s; the Home page's figures ('What is loaded') shown after {', '.join(figures)} "
                 "s.", ""]
    text += ["## Machine", "", *machine_info(), ""]
    return "\n".join(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=250, help="services in the group (default 250)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated data (default 2026)")
    parser.add_argument("--repeat-service", type=int, default=10, help="cold runs per page for one service")
    parser.add_argument("--repeat-group", type=int, default=3, help="cold runs per page for the whole group")
    parser.add_argument("--cached-calls", type=int, default=20, help="cached calls after each cold run")
    parser.add_argument("--browser-runs", type=int, default=3, help="app starts timed (0 to skip the browser)")
    parser.add_argument("--choose", type=int, default=3,
                        help="services chosen in turn on each page in the browser (0 to skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out",
                        help="folder holding group/ and where pages_results.md is written")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        if args.child[0] == "prepare":
            child_prepare(Path(args.child[1]))
        else:
            child_page(args.child[1], Path(args.child[2]), args.child[3], int(args.child[4]))
        return
    import group_data
    import insights_bench

    out = args.out.resolve()
    folder, manifest = group_data.ensure(out / "group", args.services, args.seed)
    insights_bench.ensure_database(folder, fresh=False)
    service = manifest["one_service"]
    database = out / "pages_bench.duckdb"  # a copy: the other benchmarks want a store with nothing stored
    for suffix in ("", ".wal"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    shutil.copyfile(insights_bench.database_for(folder), database)
    print("storing the findings, as a load does", file=sys.stderr, flush=True)
    prepared = run_child(SCRIPT, ["prepare", str(database)])
    start = None
    if args.browser_runs:
        start = first_page(database, args.browser_runs)
    chosen = {}
    if args.choose:
        others = _others(database, service, args.choose)
        for polled in (False, True):
            chosen.update({runs.label: runs for runs in choose_services(database, others, polled).values()})
    results = measure(database, service, args)
    text = render(args, service, results, start, manifest, prepared, chosen)
    print(text)
    (out / "pages_results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
