"""How fast personal data is masked in free text: mask_series against masking each comment in a loop.

    .venv/bin/python bench/privacy_bench.py [--comments 500000]

A script, not a test: it prints figures (wall and CPU time, and the ratio to the baseline measured in the
same run) and never fails because something is slow.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analytics.privacy import mask_series, mask_text, world_given_names

TEMPLATES = ("Staff were lovely, thank you.", "My mum {given} said the carer called {other} was late.",
             "Please call me on 07700 {n:06d} about room {n}.", "Lives at {house} Acacia Avenue, SW1A 1AA.",
             "Mrs {surname} was not told about the fall.", "Email me at {given}.{surname}@example.org please.",
             "Very good care on Willow Unit, {n} stars.", "The food could be warmer in the evening.")
GIVEN = ("Jane", "Tom", "Sarah", "Margaret", "Priya", "Derek")
SURNAMES = ("Jones", "Patel", "Smith", "Reid")


def comments(count: int, seed: int = 2026) -> pd.Series:
    """Varied synthetic comments, about half with personal data."""
    rng = np.random.default_rng(seed)
    picks = zip(rng.integers(0, len(TEMPLATES), count), rng.integers(1, 999_999, count),
                rng.integers(0, len(GIVEN), count), rng.integers(0, len(SURNAMES), count))
    return pd.Series([TEMPLATES[t].format(n=n, house=n % 999 + 1, given=GIVEN[g], other=GIVEN[-g - 1],
                                          surname=SURNAMES[s]) for t, n, g, s in picks])


def timed(run) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=500_000)
    count = parser.parse_args().comments
    texts = comments(count)
    # Loaded once a process, on first use: timed apart so that it weighs on neither column.
    loading = timed(world_given_names)
    ours = timed(lambda: mask_series(texts))
    baseline = timed(lambda: [mask_text(t) for t in texts])
    print(f"| what ({count:,} comments) | ours: mask_series | baseline: mask_text per comment | ratio |")
    print("|---|---|---|---|")
    print(f"| wall time | {ours[0]:.2f} s | {baseline[0]:.2f} s | {baseline[0] / ours[0]:.2f}x faster |")
    print(f"| CPU time | {ours[1]:.2f} s | {baseline[1]:.2f} s | {baseline[1] / ours[1]:.2f}x faster |")
    print(f"\nLoading the given-name lists on first use (once a process): {loading[0]:.2f} s wall, "
          f"{loading[1]:.2f} s CPU.")


if __name__ == "__main__":
    main()
