"""The one compliance rule, and audit compliance by month for any grouping.

Compliance = the sum of answer scores / the number of applicable answers. Met scores 1, not met 0,
partially met the `partial_credit` setting (0.5 by default), a percentage its own value; N/A answers
are left out of both sides.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from .scope import Scope

GROUPABLE = ("service", "team", "shift", "audit_type", "section", "item", "spot_check", "audit_ref")


def audit_compliance(con: duckdb.DuckDBPyConnection, scope: Scope, by: tuple[str, ...], start: date, end: date,
                     partial_credit: float = 0.5) -> pd.DataFrame:
    """Compliance per month and group: columns month, *by, answers (applicable), score, compliance."""
    unknown = [column for column in by if column not in GROUPABLE]
    if unknown:
        raise ValueError(f"cannot group audits by {', '.join(unknown)}; choose from {', '.join(GROUPABLE)}")
    services, values = scope.service_filter()
    groups = "".join(f", {column}" for column in by)
    return con.cursor().execute(f"""
        SELECT date_trunc('month', audit_date)::DATE AS month{groups},
               count(*) AS answers,
               sum(CASE answer_class WHEN 'partial' THEN ? ELSE answer_score END) AS score,
               sum(CASE answer_class WHEN 'partial' THEN ? ELSE answer_score END) / count(*) AS compliance
        FROM audits
        WHERE answer_class <> 'na' AND audit_date BETWEEN ? AND ? AND {services}
        GROUP BY ALL ORDER BY ALL""", [partial_credit, partial_credit, start, end, *values]).df()
