"""Which rows an analysis looks at: the services, the date it is run as of, the months before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from .row_months import current


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
        """The as-of date, or, when none was given, the end of the last month every loaded source covers."""
        if self.as_of is not None:
            return self.as_of
        return latest_complete_month(con, self)[0]


# Sources recorded every month, whose last month shows how far the data reaches; complaints come when they come,
# so a month without one is a month with none, not a month not yet loaded.
_RECORDED_MONTHLY = {"audits": "audit_date", "rota": "rota_date", "feedback": "feedback_date"}
# A source's last month counts only with at least this share of its usual (median) monthly rows.
PARTIAL_SHARE = 0.25


def latest_complete_month(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[date | None, list[str]]:
    """The end of the last month that every loaded source covers, and a note for each month left out as partial.

    One file with a few November rows must not move the whole dashboard into a month with no rota or complaints:
    a source's last month counts when it holds at least PARTIAL_SHARE of the source's usual monthly rows, and the
    default "as of" is the earliest of the sources' last counted months."""
    services, values = scope.service_filter()
    cur = current(con)
    ends, notes = [], []
    for table in _RECORDED_MONTHLY:
        counts = cur.execute(f"""
            SELECT month, sum(rows)::BIGINT AS n FROM row_months
            WHERE source = ? AND {services} AND month IS NOT NULL GROUP BY 1 ORDER BY 1""", [table, *values]).fetchall()
        if not counts:
            continue
        usual = sorted(n for _, n in counts[-13:-1]) or [counts[-1][1]]
        median = usual[len(usual) // 2]
        last = len(counts) - 1
        while last > 0 and counts[last][1] < PARTIAL_SHARE * median:
            rows = counts[last][1]
            notes.append(f"{counts[last][0]:%B %Y} is partial in {table} ({rows} {'row' if rows == 1 else 'rows'} "
                         f"against a usual {median}); it is not judged yet")
            last -= 1
        ends.append(month_end(counts[last][0]))
    if not ends:
        found = cur.execute(f"SELECT max(last_day) FROM row_months WHERE source = 'complaints' AND {services}",
                            values).fetchone()[0]
        return found, notes  # complaints alone: the last one received, its month not yet over
    return min(ends), notes


def month_ends_with_data(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[date]:
    """The last day of every month any source holds rows in for the scope's services, newest first: the dates a
    person can judge the data as of. The scope's own as-of date plays no part."""
    services, values = scope.service_filter()
    found = current(con).execute(f"SELECT DISTINCT month FROM row_months WHERE {services} AND month IS NOT NULL "
                                 "ORDER BY month DESC", values).fetchall()
    return [month_end(month) for (month,) in found]


def month_end(day: date) -> date:
    """The last day of the month `day` falls in."""
    return months_back(day, -1) - timedelta(days=1)


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
