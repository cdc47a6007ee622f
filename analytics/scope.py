"""Which rows an analysis looks at: the services, the date it is run as of, the months before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb


@dataclass(frozen=True)
class Scope:
    """The services (None for all) and the last day of the period analysed (None for the latest data)."""

    services: tuple[str, ...] | None = None
    as_of: date | None = None

    def service_filter(self, column: str = "service") -> tuple[str, list[object]]:
        """A SQL condition limiting `column` to the scope's services, and its bound values."""
        if self.services is None:
            return "TRUE", []
        if not self.services:
            return "FALSE", []  # limited to no service: nothing at all, never everything
        marks = ", ".join("?" for _ in self.services)
        return f"{column} IN ({marks})", list(self.services)

    def end(self, con: duckdb.DuckDBPyConnection) -> date | None:
        """The as-of date, or the latest date in any source when none was given."""
        if self.as_of is not None:
            return self.as_of
        row = con.cursor().execute("""
            SELECT greatest(
                (SELECT max(audit_date) FROM audits), (SELECT max(received_date) FROM complaints),
                (SELECT max(rota_date) FROM rota), (SELECT max(feedback_date) FROM feedback))""").fetchone()
        return row[0]


def month_start(day: date) -> date:
    """The first day of the month `day` falls in."""
    return day.replace(day=1)


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` before the month of `day`."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def period_label(start: date, end: date) -> str:
    """Two months as a readable period, e.g. 'May 2026 to Oct 2026'."""
    return f"{start:%b %Y} to {end:%b %Y}"
