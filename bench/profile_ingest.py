"""Profile our ingest of the benchmark files with pyinstrument: where the time goes, call by call.

Run after bench/ingest_bench.py has generated the files:
    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/profile_ingest.py [--out bench/out] [--seed 2026] [--rows-xlsx 200000] [--rows-csv 1000000]
Writes profile_xlsx.txt / profile_csv.txt (and .html) to --out and prints the text.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def profile(file: Path, out: Path) -> str:
    """Profile one ingest_path into a fresh store (opening the store not profiled); returns the text report."""
    from pyinstrument import Profiler

    from analytics.ingest import ingest_path
    from analytics.store import connect

    with tempfile.TemporaryDirectory(dir=file.parent) as folder:
        con = connect(Path(folder) / "profile.duckdb")
        profiler = Profiler(interval=0.001)
        profiler.start()
        ingest_path(con, file)
        con.close()
        profiler.stop()
    kind = file.suffix.lstrip(".")
    (out / f"profile_{kind}.html").write_text(profiler.output_html(), encoding="utf-8")
    text = profiler.output_text(unicode=False, color=False)
    (out / f"profile_{kind}.txt").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    """Profile the cached .xlsx and .csv benchmark files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rows-xlsx", type=int, default=200_000)
    parser.add_argument("--rows-csv", type=int, default=1_000_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    for rows, suffix in ((args.rows_xlsx, ".xlsx"), (args.rows_csv, ".csv")):
        file = args.out / f"audits_{rows}_seed{args.seed}{suffix}"
        if not file.exists():
            sys.exit(f"{file} is missing: run bench/ingest_bench.py first")
        print(profile(file, args.out))


if __name__ == "__main__":
    main()
