"""What the group benchmarks share: fresh child processes, their time, CPU time and peak memory, and the report.

Each measurement runs in a fresh interpreter started with `run_child`; the child calls `report` with its figures,
which come back as one JSON line. Linux only (memory is read from /proc).
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def memory_mb(name: str = "VmHWM") -> float:
    """A memory figure of this process from /proc/self/status (VmHWM = peak resident, VmRSS = now), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{name} not in /proc/self/status")


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far, all threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Wall and CPU time from when it is made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), cpu_seconds()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, cpu_seconds() - self.cpu


def report(figures: dict[str, Any]) -> None:
    """Print a child's figures as the one JSON line its parent reads."""
    print(json.dumps(figures, default=str), flush=True)


def run_child(script: Path, args: list[str], timeout: float | None = None) -> dict[str, Any]:
    """Run `script --child ARGS` in a fresh interpreter and read back its figures."""
    done = subprocess.run([sys.executable, str(script), "--child", *args], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Runs:
    """One measured operation over its runs: wall and CPU seconds and peak memory of each."""

    label: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, figures: dict[str, Any]) -> None:
        self.seconds.append(figures["seconds"])
        self.cpu.append(figures["cpu"])
        if "peak_mb" in figures:
            self.peak_mb.append(figures["peak_mb"])
        self.extra.update({k: v for k, v in figures.items() if k not in ("seconds", "cpu", "peak_mb")})
        print(f"  {self.label}: run {len(self.seconds)}: {figures['seconds']:.2f} s (CPU {figures['cpu']:.2f} s)"
              + (f", peak {figures['peak_mb']:.0f} MB" if "peak_mb" in figures else ""), file=sys.stderr, flush=True)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    @property
    def peak(self) -> float:
        return max(self.peak_mb) if self.peak_mb else float("nan")

    def p95(self) -> float:
        """The 95th percentile of the wall times (nearest rank; the largest with fewer than 20 runs)."""
        ordered = sorted(self.seconds)
        return ordered[max(0, min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1))]


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def machine_info(packages: tuple[str, ...] = ("duckdb", "pandas", "numpy", "scikit-learn", "streamlit")) -> list[str]:
    """Cores, CPU, memory, load, Python and library versions, as Markdown list items."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
               platform.processor() or "unknown")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    versions = []
    for name in packages:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [f"- cores: {os.cpu_count()} ({cpu}), memory {memory / 1024 ** 2:.0f} GB",
            (f"- load average at the end (1, 5, 15 min): {load}; other work on the machine inflates wall times "
            "most, CPU times less"),
            f"- Python {platform.python_version()} on {platform.platform()}",
            f"- {', '.join(versions)}"]


def seconds_text(value: float) -> str:
    """Seconds the way the tables show them: milliseconds below one second."""
    if math.isnan(value):
        return ""
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Wait until the Streamlit server at `url` answers its health check; raise, with the end of its log, if it
    stops or does not answer within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {seconds:.0f} s:\n{log.read_text()[-3000:]}")
