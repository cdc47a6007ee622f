"""Audit compliance by month for any grouping, in the columns the audit analytics read.

The rule itself (answer scores over applicable answers, partly met at the `partial_credit` setting, N/A left
out) is `analytics.measures`'s audit compliance; this names its columns as audits speak of them.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from .measures import GROUPABLE as _GROUPABLE
from .measures import monthly
from .scope import Scope

GROUPABLE = _GROUPABLE["audits"]


def audit_compliance(con: duckdb.DuckDBPyConnection, scope: Scope, by: tuple[str, ...], start: date, end: date,
                     partial_credit: float = 0.5) -> pd.DataFrame:
    """Compliance per month and group: columns month, *by, answers (applicable), score, compliance."""
    unknown = [column for column in by if column not in GROUPABLE]
    if unknown:
        raise ValueError(f"cannot group audits by {', '.join(unknown)}; choose from {', '.join(GROUPABLE)}")
    frame = monthly(con, scope, "audit_compliance", tuple(by), start, end, {"partial_credit": partial_credit})
    frame = frame.rename(columns={"denominator": "answers", "numerator": "score", "value": "compliance"})
    frame["answers"] = frame["answers"].astype("int64")
    frame["month"] = pd.to_datetime(frame["month"])
    return frame[["month", *by, "answers", "score", "compliance"]]
