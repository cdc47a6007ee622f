"""Ingest benchmark: our .xlsx and .csv ingest against the fastest readers, measured in the same run.

Run: .venv/bin/python bench/ingest_bench.py [--rows-xlsx 200000] [--rows-csv 1000000] [--repeat 3] [--out bench/out]

Every measurement runs in a fresh Python process, so runs share neither memory nor warm caches
inside the interpreter; each child reports its own time and peak memory. The script prints figures
and never fails on timing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported lazily so the baseline children stay as light as the real thing
    import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHEET = "Audits"
HEADERS = ["Date of audit", "Home", "Unit", "Shift", "Audit type", "Section", "Question", "Answer", "Audit ref",
           "Auditor"]
FIRST_DAY = date(2024, 4, 1)
DAYS = 730
SLOW_SECONDS = 30.0  # a baseline slower than this on its first run is not repeated

HOMES = {
    "Oakfield House": ["Rose", "Lavender", "Bluebell"],
    "Meadowview Care Home": ["Ground floor", "First floor", "Dementia unit", "Nursing wing"],
    "The Willows": ["Willow", "Birch"],
    "Ashgrove Lodge": ["Ash", "Elm", "Hazel"],
    "Riverside Court": ["Riverside", "Millstream", "Weir"],
    "St Anne's Nursing Home": ["St Anne's upper", "St Anne's lower"],
}
SHIFTS = ["Early", "Late", "Night", "Long day"]
AUDITORS = ["Sarah Khan", "James Patel", "Emma Wilson", "Olu Adeyemi", "Claire Murphy", "Tom Hughes",
            "Priya Sharma", "Gareth Jones", "Aisha Begum", "Mark Davies", "Helen O'Brien", "Kwame Mensah"]
# Audit type -> (answers as written for met / not met, {section: [questions]}).
AUDITS: dict[str, tuple[tuple[str, str], dict[str, list[str]]]] = {
    "Medication audit": (("Yes", "No"), {
        "Storage": ["Is the medication room temperature recorded daily?",
                    "Is the fridge temperature within 2-8°C and recorded?",
                    "Are controlled drugs kept in a locked cabinet?", "Are opened bottles dated?"],
        "MAR charts": ["Is every administration signed on the MAR?", "Are allergies recorded on the MAR?",
                       "Is a current photo attached to each MAR?", "Are PRN protocols in place, with reasons given?"],
        "Controlled drugs": ["Does the CD register balance match the stock?",
                             "Is every CD entry witnessed by two staff?", "Are CD returns recorded and signed?"],
    }),
    "Infection control audit": (("Yes", "No"), {
        "Hand hygiene": ["Are hand gel dispensers full and working?", "Are staff bare below the elbows?",
                         "Is hand washing signage displayed at sinks?"],
        "Environment": ["Are commodes clean, including underneath?", "Are mattresses checked monthly?",
                        "Is the sluice room clean and locked?", "Are clinical waste bins foot-operated and lidded?"],
        "PPE": ["Is PPE available at the point of care?", "Are staff seen changing gloves and aprons between tasks?"],
    }),
    "Care plan audit": (("Met", "Not met"), {
        "Assessment": ["Is a pre-admission assessment on file?", "Has the care plan been reviewed this month?",
                       "Is the person's life history completed?"],
        "Risk": ["Is the Waterlow score reviewed monthly?", "Is the falls risk assessment current?",
                 "Is the MUST score recorded and acted on?", "Are bed rails assessed, with consent recorded?"],
        "Consent and capacity": ["Is consent to care signed or a best-interest decision recorded?",
                                 "Is a DoLS application in place where needed?"],
        "Person-centred care": ["Do daily notes reflect the care plan?", "Are the person's preferences recorded?"],
    }),
    "Falls audit": (("Yes", "No"), {
        "Post-fall": ["Was a post-fall huddle held within 24 hours?", "Were neurological observations completed?",
                      "Was the GP or 111 informed where needed?", "Was the family informed?"],
        "Prevention": ["Is a sensor mat in place where assessed?", "Is footwear suitable and well fitting?",
                       "Is the call bell within reach?"],
    }),
    "Health and safety walkround": (("Met", "Not met"), {
        "Fire": ["Are fire exits clear?", "Is the fire alarm test recorded this week?",
                 "Are PEEPs in place for every resident?"],
        "Water and hot surfaces": ["Are water temperatures at outlets recorded?", "Are radiators covered?"],
        "Equipment": ["Are hoists serviced within LOLER dates?", "Are slings labelled to the person?",
                      "Are wheelchairs checked and clean?"],
    }),
}


@dataclass
class Measurement:
    """One measured operation over its runs: wall and CPU seconds and peak memory of each fresh process."""

    kind: str
    file: Path
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    child_peak_mb: list[float] = field(default_factory=list)
    base_mb: list[float] = field(default_factory=list)
    rows: int = 0

    def add(self, figures: dict[str, float]) -> None:
        """Record one run's figures as reported by its child process."""
        self.seconds.append(figures["seconds"])
        self.cpu_seconds.append(figures["cpu"])
        self.peak_mb.append(figures["peak_mb"])
        self.child_peak_mb.append(figures.get("child_peak_mb", 0.0))
        self.base_mb.append(figures["base_mb"])
        self.rows = int(figures["rows"])
        print(f"  {LABELS[self.kind]}: run {len(self.seconds)}: {figures['seconds']:.2f} s "
              f"(CPU {figures['cpu']:.2f} s), peak {figures['peak_mb']:.0f} MB", file=sys.stderr)

    @property
    def median(self) -> float:
        """Median wall seconds over the runs."""
        return statistics.median(self.seconds)

    @property
    def median_cpu(self) -> float:
        """Median CPU seconds over the runs."""
        return statistics.median(self.cpu_seconds)

    @property
    def peak(self) -> float:
        """Highest peak resident memory (MB) over the runs."""
        return max(self.peak_mb)


LABELS = {
    "ours_xlsx": "our ingest_path (.xlsx)",
    "fastexcel": "fastexcel load_sheet().to_arrow()",
    "calamine": "python-calamine to_python()",
    "openpyxl": "pandas.read_excel(engine='openpyxl')",
    "ours_csv": "our ingest_path (.csv)",
    "duckdb": "DuckDB CREATE TABLE AS read_csv",
}

# Each measurement and the file it reads, in the order they run.
PLAN = [("ours_xlsx", ".xlsx"), ("fastexcel", ".xlsx"), ("calamine", ".xlsx"), ("openpyxl", ".xlsx"),
        ("ours_csv", ".csv"), ("duckdb", ".csv")]


# --- generating the files ---------------------------------------------------------------------

def question_bank() -> tuple[list[str], list[str], list[str], list[int], list[int], list[int]]:
    """Flat question table (type, section, question) and each audit type's first row, length and answer style."""
    types, sections, questions, starts, lengths, styles = [], [], [], [], [], []
    for audit_type, (answers, bank) in AUDITS.items():
        starts.append(len(questions))
        for section, items in bank.items():
            types += [audit_type] * len(items)
            sections += [section] * len(items)
            questions += items
        lengths.append(len(questions) - starts[-1])
        styles.append(0 if answers == ("Yes", "No") else 1)
    return types, sections, questions, starts, lengths, styles


def generate_columns(rows: int, seed: int) -> dict[str, np.ndarray]:
    """A long-layout audit table: one row per question answered, each audit all of its type's questions."""
    import numpy as np

    rng = np.random.default_rng(seed)
    types, sections, questions, starts, lengths, styles = question_bank()
    audit_types = rng.integers(0, len(AUDITS), rows // min(lengths) + 1)
    sizes = np.asarray(lengths)[audit_types]
    audits = int(np.searchsorted(np.cumsum(sizes), rows)) + 1
    audit_types, sizes = audit_types[:audits], sizes[:audits]
    audit = np.repeat(np.arange(audits), sizes)[:rows]
    first_row = np.cumsum(sizes) - sizes
    question = np.asarray(starts)[audit_types][audit] + np.arange(rows) - first_row[audit]
    places = [(home, unit) for home, units in HOMES.items() for unit in units]
    place = rng.integers(0, len(places), audits)[audit]
    compliance = rng.beta(9, 1.5, audits)[audit]
    answer = np.where(rng.random(rows) < compliance, 0, 1) + 2 * np.asarray(styles)[audit_types][audit]
    answer[rng.random(rows) < 0.07] = 4
    return {
        "day": rng.integers(0, DAYS, audits)[audit],
        "Home": np.array([p[0] for p in places], dtype=object)[place],
        "Unit": np.array([p[1] for p in places], dtype=object)[place],
        "Shift": np.array(SHIFTS, dtype=object)[rng.integers(0, len(SHIFTS), audits)[audit]],
        "Audit type": np.array(types, dtype=object)[question],
        "Section": np.array(sections, dtype=object)[question],
        "Question": np.array(questions, dtype=object)[question],
        "Answer": np.array(["Yes", "No", "Met", "Not met", "N/A"], dtype=object)[answer],
        "Audit ref": np.array([f"AUD-{i:07d}" for i in range(1, audits + 1)], dtype=object)[audit],
        "Auditor": np.array(AUDITORS, dtype=object)[rng.integers(0, len(AUDITORS), audits)[audit]],
    }


def data_rows(columns: dict[str, np.ndarray], dates: list[Any]) -> Iterator[tuple[Any, ...]]:
    """The generated table as row tuples, the day offsets replaced by `dates` (real dates or text)."""
    return zip([dates[d] for d in columns["day"]], *(columns[h] for h in HEADERS[1:]))


def write_xlsx(path: Path, columns: dict[str, np.ndarray]) -> None:
    """Write the table with real date cells, streaming rows with openpyxl's write-only mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.append(HEADERS)
    for row in data_rows(columns, [FIRST_DAY + timedelta(days=d) for d in range(DAYS)]):
        sheet.append(row)
    workbook.save(path)


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    """Write the table as UTF-8 CSV with UK dd/mm/yyyy text dates."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(data_rows(columns, [f"{FIRST_DAY + timedelta(days=d):%d/%m/%Y}" for d in range(DAYS)]))


def cached_file(out: Path, rows: int, seed: int, suffix: str) -> Path:
    """The generated file for this size and seed, written only when it is not already in `out`."""
    path = out / f"audits_{rows}_seed{seed}{suffix}"
    if path.exists():
        print(f"using cached {path}", file=sys.stderr)
        return path
    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    (write_xlsx if suffix == ".xlsx" else write_csv)(partial, generate_columns(rows, seed))
    os.replace(partial, path)
    print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return path


# --- measuring, one fresh process per run -----------------------------------------------------

def memory_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmHWM = peak resident, VmRSS = now), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def setup_ours(file: Path, folder: Path) -> Callable[[], int]:
    """Our ingest end to end (ingest_path, then close) into a fresh store; returns the rows stored."""
    from analytics.ingest import ingest_path
    from analytics.store import connect

    con = connect(folder / "bench.duckdb")

    def load() -> int:
        results = ingest_path(con, file)
        con.close()
        return sum(r.rows_new for r in results)
    return load


def setup_fastexcel(file: Path, folder: Path) -> Callable[[], int]:
    """fastexcel's own read of the sheet to Arrow (its default typed read, header in the first row); returns rows."""
    import fastexcel

    return lambda: fastexcel.read_excel(str(file)).load_sheet(SHEET).to_arrow().num_rows


def setup_calamine(file: Path, folder: Path) -> Callable[[], int]:
    """The raw python-calamine read of the sheet; returns the data rows."""
    from python_calamine import CalamineWorkbook

    return lambda: len(CalamineWorkbook.from_path(str(file)).get_sheet_by_name(SHEET).to_python()) - 1


def setup_openpyxl(file: Path, folder: Path) -> Callable[[], int]:
    """What a user would write: pandas.read_excel with openpyxl; returns the rows."""
    import pandas as pd

    return lambda: len(pd.read_excel(file, engine="openpyxl"))


def setup_duckdb(file: Path, folder: Path) -> Callable[[], int]:
    """DuckDB's own CSV load (CREATE TABLE AS, then close) into a fresh database file; returns the rows stored."""
    import duckdb

    con = duckdb.connect(str(folder / "bench.duckdb"))

    def load() -> int:
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(file)])
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        con.close()
        return rows
    return load


SETUPS = {"ours_xlsx": setup_ours, "ours_csv": setup_ours, "fastexcel": setup_fastexcel, "calamine": setup_calamine,
          "openpyxl": setup_openpyxl, "duckdb": setup_duckdb}


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far, all threads included, and of its finished children (our
    workbook reader runs in one)."""
    return sum(usage.ru_utime + usage.ru_stime
               for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def child(kind: str, file: Path) -> None:
    """Run one measurement in this (fresh) process and print its figures as one JSON line."""
    # Imports and opening the database happen in setup, before the clock: an app pays them once, not per file.
    with tempfile.TemporaryDirectory(dir=file.parent) as folder:
        load = SETUPS[kind](file, Path(folder))
        base = memory_mb("VmRSS")
        started, cpu_started = time.perf_counter(), cpu_seconds()
        rows = load()
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        peak = memory_mb("VmHWM")
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the workbook reader's
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "base_mb": base, "rows": rows,
                      "child_peak_mb": child_peak}))


def run_child(kind: str, file: Path) -> dict[str, float]:
    """Start a fresh interpreter for one run and read back its figures."""
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", kind, str(file)],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{kind} on {file.name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(files: dict[str, Path], repeat: int, skip: tuple[str, ...] = ()) -> dict[str, Measurement]:
    """Every measurement, in rounds alternating ours and the baselines so a busy spell hits them alike."""
    results = {kind: Measurement(kind, files[suffix]) for kind, suffix in PLAN if kind not in skip}
    for run in range(repeat):
        print(f"round {run + 1} of {repeat}", file=sys.stderr)
        for kind, result in results.items():
            if not (kind == "openpyxl" and result.seconds and result.seconds[0] > SLOW_SECONDS):  # once is enough
                result.add(run_child(kind, result.file))
    return results


# --- reporting --------------------------------------------------------------------------------

@dataclass
class Comparison:
    """One row of the results table: our figure against a baseline's, and the target for their ratio."""

    what: str
    ours: float
    baseline: float
    ratio: float
    target: str  # "<= 1.3", ">= 8", or "" when only reported
    unit: str = "s"
    cpu_ratio: float | None = None  # the same ratio of CPU times, steadier on a busy machine

    def met(self) -> str:
        """Whether the ratio meets its target ("n/a" when there is none)."""
        if not self.target:
            return "n/a"
        op, limit = self.target.split()
        return "yes" if (self.ratio <= float(limit) if op == "<=" else self.ratio >= float(limit)) else "no"

    def cells(self) -> list[str]:
        """The row as Markdown table cells."""
        shown = "{:.2f} s" if self.unit == "s" else "{:.0f} MB"
        return [self.what, shown.format(self.ours), shown.format(self.baseline), f"{self.ratio:.2f}",
                self.target or "(reported)", self.met(),
                "" if self.cpu_ratio is None else f"{self.cpu_ratio:.2f}"]


def comparisons(m: dict[str, Measurement]) -> list[Comparison]:
    """Our figures against the baselines: time ratios and peak memory against their targets."""
    xlsx, csv_ = m["ours_xlsx"], m["ours_csv"]
    size_x, size_c = f"xlsx {xlsx.rows:,} rows", f"csv {csv_.rows:,} rows"

    def timed(what: str, ours: Measurement, base: Measurement, target: str) -> Comparison:
        return Comparison(what, ours.median, base.median, ours.median / base.median, target,
                          cpu_ratio=ours.median_cpu / base.median_cpu)

    def memory(what: str, ours: Measurement, base: Measurement, target: str = "") -> Comparison:
        return Comparison(what, ours.peak, base.peak, ours.peak / base.peak, target, "MB")

    return [
        timed(f"{size_x}: ours / fastexcel read to Arrow", xlsx, m["fastexcel"], "<= 1.3"),
        timed(f"{size_x}: ours / python-calamine read", xlsx, m["calamine"], ""),
        *([Comparison(f"{size_x}: pandas+openpyxl / ours", xlsx.median, m["openpyxl"].median,
                      m["openpyxl"].median / xlsx.median, ">= 8",
                      cpu_ratio=m["openpyxl"].median_cpu / xlsx.median_cpu)] if "openpyxl" in m else []),
        timed(f"{size_c}: ours / DuckDB read_csv", csv_, m["duckdb"], "<= 1.5"),
        memory(f"{size_x}: peak memory ours / fastexcel", xlsx, m["fastexcel"], "<= 2"),
        memory(f"{size_x}: peak memory ours / calamine", xlsx, m["calamine"]),
        *([memory(f"{size_x}: peak memory ours / pandas+openpyxl", xlsx, m["openpyxl"])] if "openpyxl" in m else []),
        memory(f"{size_c}: peak memory ours / DuckDB", csv_, m["duckdb"], "<= 2"),
    ]


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def runs_table(m: dict[str, Measurement]) -> str:
    """Every measurement's runs: times, CPU time, peak memory and the memory already in use after imports."""
    rows = [[LABELS[x.kind], x.file.name, f"{x.rows:,}", str(len(x.seconds)), f"{x.median:.2f}",
             f"{min(x.seconds):.2f}", f"{max(x.seconds):.2f}", f"{x.median_cpu:.2f}",
             f"{x.peak:.0f}", f"{max(x.child_peak_mb):.0f}" if max(x.child_peak_mb) else "",
             f"{max(x.base_mb):.0f}"]
            for x in m.values()]
    return markdown_table(["measurement", "file", "rows", "runs", "median s", "min s", "max s", "median CPU s",
                           "peak MB", "child process peak MB", "MB after imports"], rows)


def machine_info() -> list[str]:
    """Cores, CPU, memory, load, Python and library versions, as Markdown list items."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
               platform.processor() or "unknown")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    versions = ", ".join(f"{name} {metadata.version(name)}"
                         for name in ("duckdb", "pandas", "numpy", "pyarrow", "fastexcel", "python-calamine",
                                      "openpyxl"))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [f"- cores: {os.cpu_count()} ({cpu}), memory {memory / 1024 ** 2:.0f} GB",
            f"- load average at the end (1, 5, 15 min): {load}; other work on the machine inflates wall times "
            "most, CPU times less",
            f"- Python {platform.python_version()} on {platform.platform()}",
            f"- {versions}"]


def render(m: dict[str, Measurement], args: argparse.Namespace) -> str:
    """The full report: targets, every run, and the machine it ran on."""
    headers = ["what", "ours", "baseline", "ratio", "target", "met?", "CPU-time ratio"]
    return "\n".join([
        f"# Ingest benchmark ({time.strftime('%Y-%m-%d %H:%M')})", "",
        f"Seed {args.seed}, median of up to {args.repeat} runs, each in a fresh process (imports and opening "
        f"the database not timed; pandas+openpyxl run once when slower than {SLOW_SECONDS:.0f} s). Ratios "
        "compare figures measured in this same run; targets are judged on wall time, the CPU-time ratio is a "
        "steadier reading on a busy machine (DuckDB can use every core, so its CPU time can exceed its wall "
        "time).", "",
        markdown_table(headers, [c.cells() for c in comparisons(m)]), "",
        "## Runs", "", runs_table(m), "",
        "## Machine", "", *machine_info(), ""])


# --- the command line -------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-xlsx", type=int, default=200_000, help="data rows in the .xlsx (default 200000)")
    parser.add_argument("--rows-csv", type=int, default=1_000_000, help="data rows in the .csv (default 1000000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out",
                        help="folder for the generated files and ingest_results.md")
    parser.add_argument("--no-openpyxl", action="store_true",
                        help="skip pandas.read_excel with openpyxl (about 45 s a run at full size)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Generate (or reuse) the files, measure everything, print and save the report."""
    args = parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    files = {".xlsx": cached_file(out, args.rows_xlsx, args.seed, ".xlsx"),
             ".csv": cached_file(out, args.rows_csv, args.seed, ".csv")}
    report = render(measure(files, args.repeat, ("openpyxl",) if args.no_openpyxl else ()), args)
    print(report)
    (out / "ingest_results.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
