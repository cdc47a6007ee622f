"""The summary of rows per service, source, batch and month: what it answers equals a scan of the rows, it follows
loads and removals, and a response recorded or a second thread does not rebuild it."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from at_once import at_once

import analytics.row_months as row_months
from analytics.batches import remove_batch
from analytics.concerns import history_months
from analytics.ingest import ingest_bytes
from analytics.run_marks import fingerprints_by_month
from analytics.scope import Scope, latest_complete_month, month_ends_with_data
from analytics.settings import load_settings
from analytics.store import bump_data_version
from analytics.stored_insights import services_in


def audits(service: str, months: list[int], per_month: int = 8) -> bytes:
    lines = ["Date,Home,Unit,Audit type,Question,Answer,Audit ref"]
    for m in months:
        lines += [f"{d + 1:02d}/{m:02d}/2026,{service},Rowan,Falls,Item {d},Yes,F-{service[:3]}-{m}-{d}"
                  for d in range(per_month)]
    return ("\n".join(lines) + "\n").encode()


def scanned(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[date]]:
    """The services and months straight from the rows, as the readers found them before the summary."""
    services = [r[0] for r in con.execute("""
        SELECT service FROM (SELECT service FROM audits UNION SELECT service FROM complaints UNION
                             SELECT service FROM rota UNION SELECT service FROM feedback UNION
                             SELECT service FROM actions) WHERE service IS NOT NULL ORDER BY 1""").fetchall()]
    months = [r[0] for r in con.execute("""
        SELECT DISTINCT last_day(date_trunc('month', audit_date)) FROM audits ORDER BY 1 DESC""").fetchall()]
    return services, months


@pytest.fixture
def rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    real = row_months._rebuild
    monkeypatch.setattr(row_months, "_rebuild", lambda cur, mark: made.append(mark) or real(cur, mark))
    return made


def test_answers_follow_loads_and_removals(con: duckdb.DuckDBPyConnection, rebuilds: list[str]) -> None:
    [oak] = ingest_bytes(con, audits("Oak House", [1, 2, 3]), "oak.csv", source="audits")
    ingest_bytes(con, audits("Elm Court", [2, 3, 4]), "elm.csv", source="audits")
    services, months = scanned(con)
    assert services_in(con, Scope()) == services == ["Elm Court", "Oak House"]
    assert month_ends_with_data(con, Scope()) == months
    assert latest_complete_month(con, Scope(("Oak House",)))[0] == date(2026, 3, 31)
    assert history_months(con, "Elm Court", date(2026, 4, 30), load_settings(con))[0] == date(2026, 2, 28)
    assert len(rebuilds) == 1  # once for every question after the second load
    before = fingerprints_by_month(con, ["Oak House"], [date(2026, 3, 31)])
    remove_batch(con, oak.batch_id, "tester")
    assert services_in(con, Scope()) == scanned(con)[0] == ["Elm Court"]
    assert services_in(con, Scope(("Oak House",))) == []
    assert fingerprints_by_month(con, ["Oak House"], [date(2026, 3, 31)]) != before
    assert len(rebuilds) == 2


def test_a_batch_counts_in_the_months_it_reaches(con: duckdb.DuckDBPyConnection) -> None:
    """A service's results as of a month rest only on the batches with rows up to it."""
    ingest_bytes(con, audits("Oak House", [1, 2]), "oak.csv", source="audits")
    jan, feb = date(2026, 1, 31), date(2026, 2, 28)
    first = fingerprints_by_month(con, ["Oak House"], [jan, feb])
    ingest_bytes(con, audits("Oak House", [3]), "march.csv", source="audits")
    later = fingerprints_by_month(con, ["Oak House"], [jan, feb, date(2026, 3, 31)])
    assert later[jan] == first[jan] and later[feb] == first[feb]
    assert later[date(2026, 3, 31)] != later[feb]


def test_a_response_recorded_leaves_it_standing(con: duckdb.DuckDBPyConnection, rebuilds: list[str]) -> None:
    ingest_bytes(con, audits("Oak House", [1, 2]), "oak.csv", source="audits")
    services_in(con, Scope())
    cur = con.cursor()
    bump_data_version(cur)  # as recording a recognition or an action does
    services_in(con, Scope())
    assert len(rebuilds) == 1


def test_threads_asking_at_once_rebuild_it_once(con: duckdb.DuckDBPyConnection, rebuilds: list[str]) -> None:
    ingest_bytes(con, audits("Oak House", [1, 2]), "oak.csv", source="audits")
    found: list = []
    assert at_once(lambda: found.append(services_in(con, Scope())), 6) == []
    assert found == [["Oak House"]] * 6
    assert len(rebuilds) == 1
