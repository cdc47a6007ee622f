"""Stored insights benchmark: the group's findings computed once and stored, then served; and a monthly upload for
one service refreshing only that service.

Run: .venv/bin/python bench/stored_bench.py [--services 250] [--reads 10] [--seed 2026] [--out bench/out]

Uses the group store bench/insights_bench.py loads (loading it first when there is none), copied so the stored
results never leak into that benchmark. Every measurement runs in a fresh process:

1. whole-group refresh: `analytics.stored_insights.refresh` on a store with nothing stored (every service for what
   the pages open on: the latest month, the month before, and the board's two quarters, as the Upload page does
   after a load), beside the pandas baseline of bench/insights_bench.py measured in the same run (one run of the
   core monthly tables, so the ratio sets four judged months against one);
2. page data: `insights_for` (what Overview and the Board report read) for one service and the whole group, cold
   (a fresh process: opening the store and reading the settings timed) and cached (pickled, as st.cache_data does);
3. incremental: one service's complaints for a new month ingested, then `refresh`: only that service is recomputed,
   the new complaints assigned to the store's kept theme model (analytics.theme_store.updated_fit); then the same
   again with the kept model let go, so the themes are fitted again in full, as past the `theme_refit_share`.

The script prints figures and writes bench/out/stored_results.md; it never fails because something is slow.
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import ROOT, Clock, Runs, machine_info, markdown_table, memory_mb, report, run_child, seconds_text

SCRIPT = Path(__file__).resolve()
INCREMENTAL_SECONDS, SERVICE_COLD_MS, SERVICE_CACHED_MS, GROUP_RATIO = 5.0, 200.0, 50.0, 0.5


def child(kind: str, database: Path, service: str) -> None:
    """One measurement in this fresh process; reports its figures."""
    from analytics.scope import Scope
    from analytics.settings import load_settings
    from analytics.store import connect
    from analytics.stored_insights import insights_for, refresh

    clock = Clock()
    con = connect(database)
    scope = Scope((service,) if service else None)
    if kind == "refresh":
        computed = refresh(con, scope)
        seconds, cpu = clock.read()
        report({"seconds": seconds, "cpu": cpu, "peak_mb": memory_mb(), "computed": computed})
    elif kind == "read":
        insights = insights_for(con, scope, load_settings(con))
        cold, cpu = clock.read()
        stored = pickle.dumps(insights, protocol=pickle.HIGHEST_PROTOCOL)
        hits = []
        for _ in range(20):
            started = time.perf_counter()
            pickle.loads(stored)
            hits.append(time.perf_counter() - started)
        report({"seconds": cold, "cpu": cpu, "peak_mb": memory_mb(), "cached_seconds": sorted(hits)[18],
                "findings": len(insights.findings)})
    elif kind in ("upload", "upload_refit"):
        from analytics.ingest import ingest_bytes

        if kind == "upload_refit":  # no kept model to assign to: the store's themes are fitted again in full
            con.cursor().execute("UPDATE theme_fits SET model = NULL")
        month = con.cursor().execute("SELECT max(received_date) FROM complaints").fetchone()[0]
        lines = ["Ref,Date received,Service,Team,Category,Summary"] + [
            f"BENCH-{kind}-{n},{month:%d/%m/%Y},{service},{team},Call times,Visit {n} was late"
            for n, (team,) in enumerate(con.cursor().execute(
                "SELECT DISTINCT team FROM rota WHERE service = ? LIMIT 3", [service]).fetchall())]
        clock = Clock()
        ingest_bytes(con, "\n".join(lines).encode(), f"monthly_complaints_{kind}.csv", source="complaints")
        loaded, _ = clock.read()
        computed = refresh(con)
        seconds, cpu = clock.read()
        assigned = con.cursor().execute("SELECT base_fingerprint IS NOT NULL FROM theme_fits "
                                        "ORDER BY fitted_at DESC LIMIT 1").fetchone()
        report({"seconds": seconds, "cpu": cpu, "peak_mb": memory_mb(), "computed": computed,
                "load_seconds": loaded, "themes": "assigned" if assigned and assigned[0] else "fitted in full"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=250)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reads", type=int, default=10, help="cold reads of one service (the 95th percentile)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]), args.child[2] if len(args.child) > 2 else "")
        return
    import group_data
    import insights_bench

    out = args.out.resolve()
    folder, manifest = group_data.ensure(out / "group", args.services, args.seed)
    insights_bench.ensure_database(folder, fresh=False)
    database = out / "stored_bench.duckdb"
    for suffix in ("", ".wal"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    shutil.copyfile(insights_bench.database_for(folder), database)
    service = manifest["one_service"]

    print("whole-group refresh, then the pandas baseline", file=sys.stderr, flush=True)
    whole = run_child(SCRIPT, ["refresh", str(database)])
    baseline = run_child(insights_bench.SCRIPT, ["measure", "baseline", str(insights_bench.database_for(folder)), ""])
    print("reads", file=sys.stderr, flush=True)
    one = Runs(f"insights_for, one service ({service})")
    for _ in range(args.reads):
        one.add(run_child(SCRIPT, ["read", str(database), service]))
    group = Runs("insights_for, whole group")
    group.add(run_child(SCRIPT, ["read", str(database), ""]))
    print("a monthly upload for one service", file=sys.stderr, flush=True)
    upload = run_child(SCRIPT, ["upload", str(database), service])
    print("a monthly upload for one service, the themes fitted again in full", file=sys.stderr, flush=True)
    refit = run_child(SCRIPT, ["upload_refit", str(database), service])

    cold_p95 = one.p95() * 1000
    cached = max(one.extra.get("cached_seconds", 0.0), 0.0) * 1000
    ratio = whole["seconds"] / baseline["seconds"]
    table = [
        ["whole group: refresh (every service: the month, the month before, the board's two quarters)",
         seconds_text(whole["seconds"]),
         seconds_text(baseline["seconds"]), f"{ratio:.2f}", f"<= {GROUP_RATIO}", _met(ratio <= GROUP_RATIO),
         f"{whole['computed']} service-runs; CPU {whole['cpu']:.1f} s; peak {whole['peak_mb']:.0f} MB"],
        ["incremental: one service's monthly upload, loaded and refreshed", seconds_text(upload["seconds"]), "", "",
         f"<= {INCREMENTAL_SECONDS:.0f} s", _met(upload["seconds"] <= INCREMENTAL_SECONDS),
         (f"{upload['computed']} service-runs recomputed; load {upload['load_seconds']:.2f} s; themes "
          f"{upload['themes']}; CPU {upload['cpu']:.1f} s")],
        ["incremental, past the share: the same upload with the themes fitted again in full",
         seconds_text(refit["seconds"]), "", "", "(reported)", "n/a",
         f"{refit['computed']} service-runs recomputed; themes {refit['themes']}; CPU {refit['cpu']:.1f} s"],
        ["one service: page data cold, 95th percentile", f"{cold_p95:.0f} ms", "", "",
         f"<= {SERVICE_COLD_MS:.0f} ms", _met(cold_p95 <= SERVICE_COLD_MS),
         f"median {one.median * 1000:.0f} ms over {len(one.seconds)} fresh processes"],
        ["one service: page data cached", f"{cached:.1f} ms", "", "", f"<= {SERVICE_CACHED_MS:.0f} ms",
         _met(cached <= SERVICE_CACHED_MS), "unpickling the stored result, as st.cache_data does"],
        ["whole group: page data cold", seconds_text(group.median), "", "", "(reported)", "n/a",
         f"{group.extra.get('findings', 0):,} findings"],
    ]
    text = "\n".join([
        f"# Stored insights benchmark ({time.strftime('%Y-%m-%d %H:%M')})", "",
        f"The group of bench/group_data.py: {manifest['services']} services, "
        + ", ".join(f"{n:,} {source} rows" for source, n in manifest["rows"].items()) + ".", "",
        markdown_table(["what", "ours", "pandas baseline", "ratio", "target", "met?", "detail"], table), "",
        "## Machine", "", *machine_info(), ""])
    print(text)
    (out / "stored_results.md").write_text(text, encoding="utf-8")
    for suffix in ("", ".wal"):
        Path(str(database) + suffix).unlink(missing_ok=True)


def _met(ok: bool) -> str:
    return "yes" if ok else "no"


if __name__ == "__main__":
    main()
