"""Stored results read back for comparison: DuckDB sums in parallel, in no fixed order, so a mean worked out twice
may differ in its last bit; figures are compared to 12 significant digits."""

from __future__ import annotations

import json
from typing import Any


def read_result(text: str) -> Any:
    """A stored result (JSON text) with each figure to 12 significant digits."""
    return json.loads(text, parse_float=lambda figure: float(f"{float(figure):.12g}"))
