"""Insights benchmark: a 250-service care group loaded, then every analytic run over it, against plain pandas.

Run: .venv/bin/python bench/insights_bench.py [--services 250] [--repeat 3] [--seed 2026] [--out bench/out]

1. The group's files (bench/group_data.py, generated once per size and seed) are ingested into a fresh DuckDB
   store with `analytics.ingest.ingest_path`: time and rows a second.
2. `analytics.insights.run_insights` runs over the whole group and over one service, and a straightforward pandas
   implementation of the core monthly computations runs over the same rows (the baseline): median time of
   `--repeat` runs and peak memory, every run in a fresh process.

The script prints figures and writes bench/out/insights_results.md; it never fails because something is slow.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

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
)

SCRIPT = Path(__file__).resolve()
TARGET_SECONDS = 60.0
TARGET_MB = 4096.0
TARGET_SPEEDUP = 5.0
DB_NAME = "group.duckdb"


# --- the store ------------------------------------------------------------------------------------------

def database_for(folder: Path) -> Path:
    """The group's store, beside its files."""
    return folder / DB_NAME


def child_ingest(folder: Path) -> None:
    """Load every file of the group into a fresh store, timed; report rows per source."""
    from analytics.ingest import ingest_path
    from analytics.store import connect

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    database = database_for(folder)
    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(folder / "uploads", ignore_errors=True)
    con = connect(database)
    clock = Clock()
    rows: dict[str, int] = {}
    rejected = 0
    for entry in manifest["files"]:
        for result in ingest_path(con, folder / entry["file"]):
            rows[result.source] = rows.get(result.source, 0) + result.rows_new
            rejected += result.rows_rejected
    con.close()
    seconds, cpu = clock.read()
    report({"seconds": seconds, "cpu": cpu, "peak_mb": memory_mb(), "rows": rows, "rejected": rejected,
            "files": len(manifest["files"]),
            "megabytes": round(sum(f["bytes"] for f in manifest["files"]) / 1e6)})


def ensure_database(folder: Path, fresh: bool) -> dict[str, Any] | None:
    """Ingest the group into its store (always with `fresh`, else only when there is none); the ingest figures."""
    database = database_for(folder)
    if database.exists() and not fresh:
        print(f"using the loaded store {database}", file=sys.stderr)
        return None
    print(f"ingesting {folder.name} into {database}", file=sys.stderr, flush=True)
    figures = run_child(SCRIPT, ["ingest", str(folder)])
    print(f"  ingest: {figures['seconds']:.1f} s (CPU {figures['cpu']:.1f} s), peak {figures['peak_mb']:.0f} MB",
          file=sys.stderr)
    return figures


# --- the pandas baseline --------------------------------------------------------------------------------

BASELINE_OMITS = (
    "themes (TF-IDF and NMF over 560,000 texts) and SPC charts; the per-kind (scheduled / spot check) split; "
    "the classification of repeat failures into isolated / recurring / persistent and service-wide / local; "
    "runs of consecutive months; the triangulation halves; the register and every sentence and piece of "
    "evidence (the findings themselves)")


def pandas_baseline(con: Any, service: str | None) -> dict[str, Any]:
    """What a user would write in pandas: read the rows, then the monthly tables the analytics rest on.

    Monthly compliance per service / team / item and each item's failed months in the last six (per team and
    service-wide); fill rate, agency share and handover completion per team x shift x month beside the rest of
    the service; complaints per team per month; mean feedback score per team per month. Returns the load and
    compute times and the sizes of the results.
    """
    import numpy as np
    import pandas as pd

    where, values = ("WHERE service = ?", [service]) if service else ("", [])
    load = Clock()
    cur = con.cursor()
    audits = cur.execute(f"SELECT audit_date, service, team, shift, audit_type, item, answer_class, answer_score "
                         f"FROM audits {where}", values).df()
    rota = cur.execute(f"SELECT rota_date, service, team, shift, planned_hours, actual_hours, agency_hours, "
                       f"handover_completed FROM rota {where}", values).df()
    complaints = cur.execute(f"SELECT received_date, service, team FROM complaints {where}", values).df()
    feedback = cur.execute(f"SELECT feedback_date, service, team, rating_score FROM feedback {where}", values).df()
    load_seconds, _ = load.read()

    compute = Clock()
    end = max(pd.Timestamp(audits["audit_date"].max()), pd.Timestamp(rota["rota_date"].max()),
              pd.Timestamp(complaints["received_date"].max()), pd.Timestamp(feedback["feedback_date"].max()))
    last = end.to_period("M")
    first, recent = last - 23, last - 5
    sizes = {}

    # Audits: compliance per month (met 1, partly met 0.5, not met 0; N/A left out), per service / team / item.
    a = audits[audits["answer_class"] != "na"].copy()
    a["month"] = pd.to_datetime(a["audit_date"]).dt.to_period("M")
    a = a[(a["month"] >= first) & (a["month"] <= last)]
    a["score"] = np.where(a["answer_class"] == "partial", 0.5, a["answer_score"])
    items = a.groupby(["service", "team", "audit_type", "item", "month"])["score"].agg(["sum", "count"])
    items["compliance"] = items["sum"] / items["count"]
    items = items.reset_index()
    late = items[items["month"] >= recent].assign(failed=lambda f: f["compliance"] < 0.75)
    repeats = late.groupby(["service", "team", "audit_type", "item"])["failed"].agg(["sum", "size"])
    service_items = a[a["month"] >= recent].groupby(["service", "audit_type", "item", "month"])["score"].mean()
    service_repeats = (service_items < 0.75).groupby(level=["service", "audit_type", "item"]).sum()
    headline = a.groupby(["service", "audit_type", "month"])["score"].mean()
    teams = a.groupby(["service", "team", "month"])["score"].mean()
    sizes |= {"item_months": len(items), "repeat_rows": len(repeats) + len(service_repeats),
              "headlines": len(headline) + len(teams)}

    # Rota: fill rate, agency share and handover completion per team x shift x month, and the rest of the service.
    r = rota.assign(month=pd.to_datetime(rota["rota_date"]).dt.to_period("M"))
    r = r[(r["month"] >= first) & (r["month"] <= last)]
    r = r.assign(handovers=r["handover_completed"].fillna(False).astype(int),
                 handover_rows=r["handover_completed"].notna().astype(int))
    sums = ["planned_hours", "actual_hours", "agency_hours", "handovers", "handover_rows"]
    place = r.groupby(["service", "team", "shift", "month"])[sums].sum()
    whole = r.groupby(["service", "month"])[sums].sum()
    rest = whole.reindex(place.index.droplevel(["team", "shift"])).set_axis(place.index) - place
    for name, frame in (("place", place), ("rest", rest)):
        place[f"{name}_fill_rate"] = frame["actual_hours"] / frame["planned_hours"]
        place[f"{name}_agency_share"] = frame["agency_hours"] / frame["actual_hours"]
        place[f"{name}_handover_completion"] = frame["handovers"] / frame["handover_rows"]
    sizes["rota_place_months"] = len(place)

    # Complaints per team per month; mean feedback score per team per month.
    c = complaints.assign(month=pd.to_datetime(complaints["received_date"]).dt.to_period("M"))
    sizes["complaint_team_months"] = len(c[c["month"] >= first].groupby(["service", "team", "month"]).size())
    f = feedback.dropna(subset=["rating_score"])
    f = f.assign(month=pd.to_datetime(f["feedback_date"]).dt.to_period("M"))
    sizes["feedback_team_months"] = len(f[f["month"] >= first].groupby(["service", "team", "month"])
                                        ["rating_score"].mean())
    compute_seconds, _ = compute.read()
    return {"load_seconds": load_seconds, "compute_seconds": compute_seconds, "sizes": sizes}


# --- one measurement, in a fresh process ----------------------------------------------------------------

def child_measure(kind: str, database: Path, service: str) -> None:
    """Run ours (run_insights) or the pandas baseline over the group ("") or one service, and report."""
    from analytics.store import connect

    if kind == "ours":
        from analytics.insights import run_insights
        from analytics.scope import Scope
    else:
        import numpy  # noqa: F401  (the baseline's imports before the clock too)
        import pandas  # noqa: F401
    con = connect(database)
    base = memory_mb("VmRSS")
    clock = Clock()
    if kind == "ours":
        insights = run_insights(con, Scope((service,) if service else None))
        extra = {"findings": len(insights.findings), "register_rows": len(insights.register)}
    else:
        extra = pandas_baseline(con, service or None)
    seconds, cpu = clock.read()
    report({"seconds": seconds, "cpu": cpu, "peak_mb": memory_mb(), "base_mb": base, **extra})


# --- the run and the report -----------------------------------------------------------------------------

def measure(database: Path, service: str, repeat: int) -> dict[str, Runs]:
    """Every measurement, in rounds alternating ours and the baseline so a busy spell hits them alike."""
    plan = {("ours", ""): "run_insights, whole group", ("baseline", ""): "pandas baseline, whole group",
            ("ours", service): f"run_insights, one service ({service})",
            ("baseline", service): f"pandas baseline, one service ({service})"}
    results = {key: Runs(label) for key, label in plan.items()}
    for run in range(repeat):
        print(f"round {run + 1} of {repeat}", file=sys.stderr, flush=True)
        for (kind, scope), runs in results.items():
            runs.add(run_child(SCRIPT, ["measure", kind, str(database), scope]))
    return results


def met(ok: bool) -> str:
    return "yes" if ok else "no"


def render(args: argparse.Namespace, manifest: dict[str, Any], ingest: dict[str, Any] | None,
           results: dict[str, Runs], service: str) -> str:
    """The report: targets first, then every run and the machine."""
    ours_group, base_group = results[("ours", "")], results[("baseline", "")]
    ours_one, base_one = results[("ours", service)], results[("baseline", service)]
    rows_total = sum(manifest["rows"].values())
    table = []
    if ingest:
        rate = sum(ingest["rows"].values()) / ingest["seconds"]
        table.append([(f"ingest {len(manifest['files'])} files ({ingest['megabytes']:,} MB, "
                      f"{sum(ingest['rows'].values()):,} rows)"), (f"{ingest['seconds']:.1f} s "
                      f"({rate:,.0f} rows/s)"), "", "", "(reported)", "n/a", f"CPU {ingest['cpu']:.1f} s"])
        table.append(["ingest peak memory", f"{ingest['peak_mb']:.0f} MB", "", "", "(reported)", "n/a", ""])
    group_ratio = ours_group.median / base_group.median
    table += [
        ["whole group: run_insights time", seconds_text(ours_group.median), seconds_text(base_group.median),
         f"{group_ratio:.2f}", f"< {TARGET_SECONDS:.0f} s", met(ours_group.median < TARGET_SECONDS),
         f"CPU {ours_group.median_cpu:.1f} s"],
        ["whole group: peak memory", f"{ours_group.peak:.0f} MB", f"{base_group.peak:.0f} MB",
         f"{ours_group.peak / base_group.peak:.2f}", f"< {TARGET_MB:.0f} MB", met(ours_group.peak < TARGET_MB), ""],
        ["whole group: ours / pandas baseline (time)", seconds_text(ours_group.median),
         seconds_text(base_group.median), f"{group_ratio:.2f}", (f"<= {1 / TARGET_SPEEDUP:.1f} "
         f"({TARGET_SPEEDUP:.0f}x faster)"), met(group_ratio <= 1 / TARGET_SPEEDUP),
         f"{ours_group.median_cpu / base_group.median_cpu:.2f}"],
        ["whole group: ours / baseline's compute alone (data already in pandas)", seconds_text(ours_group.median),
         seconds_text(_median_extra(base_group, "compute_seconds")),
         f"{ours_group.median / _median_extra(base_group, 'compute_seconds'):.2f}", "(reported)", "n/a", ""],
        ["one service: run_insights time", seconds_text(ours_one.median), seconds_text(base_one.median),
         f"{ours_one.median / base_one.median:.2f}", "(reported)", "n/a",
         f"{ours_one.median_cpu / base_one.median_cpu:.2f}"],
        ["one service: peak memory", f"{ours_one.peak:.0f} MB", f"{base_one.peak:.0f} MB",
         f"{ours_one.peak / base_one.peak:.2f}", "(reported)", "n/a", ""],
    ]
    runs = [[r.label, str(len(r.seconds)), seconds_text(r.median), seconds_text(min(r.seconds)),
             seconds_text(max(r.seconds)), f"{r.median_cpu:.2f}", f"{r.peak:.0f}",
             f"{r.extra.get('base_mb', 0):.0f}", _extra_text(r)] for r in results.values()]
    return "\n".join([
        f"# Insights benchmark ({time.strftime('%Y-%m-%d %H:%M')})", "",
        f"A care group of {manifest['services']} services x {manifest['teams_per_service']} units, 3 shifts, "
        f"{manifest['months']} months ({manifest['first_day']} to {manifest['last_day']}), seed {manifest['seed']}: "
        + ", ".join(f"{n:,} {source} rows" for source, n in manifest["rows"].items())
        + f" ({rows_total:,} in all), generated by bench/group_data.py. Median of {args.repeat} runs, each in a "
        "fresh process (imports and opening the store not timed). Targets are judged on wall time; the last "
        "column gives the CPU time, or the ratio of CPU times, steadier on a busy machine.", "",
        markdown_table(["what", "ours", "baseline", "ratio", "target", "met?", "CPU"], table), "",
        (f"**The baseline** (`pandas_baseline` in bench/insights_bench.py) reads the rows it needs from the same "
        "store into pandas (its load time is part of its time: the store is where the rows are) and computes "
        "monthly compliance per service / team / item with each item's failed months in the last six (per team and "
        "service-wide), fill rate, agency share and handover completion per team x shift x month beside the rest "
        "of the service, complaints per team per month and mean feedback per team per month, over the last 24 "
        f"months. It omits {BASELINE_OMITS}. run_insights does all of that and more, so a ratio below 1 "
        "understates how much less work per result it does."), "",
        "## Runs", "",
        markdown_table(["measurement", "runs", "median", "min", "max", "median CPU s", "peak MB",
                        "MB before the clock", "detail"], runs), "",
        "## Machine", "", *machine_info(), ""])


def _median_extra(runs: Runs, name: str) -> float:
    return runs.extra.get(name, float("nan"))


def _extra_text(runs: Runs) -> str:
    if "findings" in runs.extra:
        return f"{runs.extra['findings']:,} findings, {runs.extra['register_rows']:,} register rows"
    if "load_seconds" in runs.extra:
        return (f"last run: load {runs.extra['load_seconds']:.2f} s, compute {runs.extra['compute_seconds']:.2f} s")
    return ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=250, help="services in the group (default 250)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated data (default 2026)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out",
                        help="folder for the group's files (under group/) and insights_results.md")
    parser.add_argument("--reuse-store", action="store_true",
                        help="measure the store already loaded, if there is one, instead of ingesting afresh")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        if args.child[0] == "ingest":
            child_ingest(Path(args.child[1]))
        else:
            child_measure(args.child[1], Path(args.child[2]), args.child[3] if len(args.child) > 3 else "")
        return
    import group_data

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    folder, manifest = group_data.ensure(out / "group", args.services, args.seed)
    ingest = ensure_database(folder, fresh=not args.reuse_store)
    service = manifest["one_service"]
    results = measure(database_for(folder), service, args.repeat)
    text = render(args, manifest, ingest, results, service)
    print(text)
    (out / "insights_results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
