"""A store made by the release before keys included the service is migrated in place, and what it had to
resolve is reported."""

import json

import duckdb
import pytest
from spreadsheets import AUDIT_HEADER, COMPLAINT_HEADER, csv_file

from analytics.audit_trail import trail
from analytics.batches import list_batches, row_counts
from analytics.ingest import ingest_path
from analytics.store import SCHEMA_VERSION, connect, schema_version


def home_audits(folder, home, answer):
    rows = [["Home"] + AUDIT_HEADER] + [[home, "02/03/2026", "Rowan Unit", "Early", "Care plan", f"Item {i}", answer,
                                         str(ref), "Jo"] for ref in (1, 2, 3) for i in range(3)]
    return csv_file(folder / f"{home}.csv", rows)


def as_version_1(con: duckdb.DuckDBPyConnection) -> None:
    """Turn a store into what version 1 left: no schema version, no unique keys, audits keyed without service."""
    cur = con.cursor()
    for table in ("batches", "audits", "complaints", "rota", "feedback"):
        cur.execute(f"CREATE TABLE {table}_v1 AS SELECT * FROM {table}")
        cur.execute(f"DROP TABLE {table}")
        cur.execute(f"ALTER TABLE {table}_v1 RENAME TO {table}")
    cur.execute("DROP TABLE store_meta")
    cur.execute("UPDATE audits SET row_key = hash(audit_ref, item)")


@pytest.fixture
def old_store(tmp_path):
    """Two homes' audits where the second overwrote the first (version 1's bug), and one complaints file stored
    twice by two loads at once."""
    path = tmp_path / "old.duckdb"
    con = connect(path)
    oakwood, beech = home_audits(tmp_path, "Oakwood", "Yes"), home_audits(tmp_path, "Beech", "No")
    ingest_path(con, oakwood)
    ingest_path(con, beech)
    complaints = [["Home"] + COMPLAINT_HEADER] + [["Oakwood", f"C{i}", "02/03/2026", "Rowan Unit", "Care", f"Text {i}",
                                                   "Son", "Upheld", "Open"] for i in range(4)]
    ingest_path(con, csv_file(tmp_path / "complaints.csv", complaints))
    as_version_1(con)
    cur = con.cursor()
    # What version 1 did when Beech's file came second: Oakwood's rows with the same reference went aside.
    cur.execute("INSERT INTO audits_superseded SELECT *, 2 FROM audits WHERE service = 'Oakwood'")
    cur.execute("DELETE FROM audits WHERE service = 'Oakwood'")
    # And two loads of the complaints at once: a second batch holding the same rows again.
    cur.execute("INSERT INTO batches SELECT * REPLACE (4 AS batch_id) FROM batches WHERE batch_id = 3")
    cur.execute("INSERT INTO complaints SELECT * REPLACE (4 AS batch_id) FROM complaints")
    con.close()
    return path, oakwood, beech


def test_an_old_store_is_migrated_in_place_and_what_collided_is_reported(old_store, capsys):
    path, oakwood, beech = old_store
    con = connect(path)
    assert schema_version(con) == SCHEMA_VERSION
    assert con.cursor().execute("SELECT service, count(*) FROM audits GROUP BY 1 ORDER BY 1").fetchall() == \
        [("Beech", 9), ("Oakwood", 9)]
    assert con.cursor().execute("SELECT count(*) FROM audits_superseded").fetchone() == (0,)
    assert row_counts(con)["complaints"] == 4
    assert sorted(list_batches(con)["batch_id"]) == [1, 2, 3]
    [migration] = trail(con, action="migrate_store")["detail"].map(json.loads)
    report = " ".join(migration["report"])
    assert "9 audits rows of Oakwood had been overwritten by another service's rows" in report
    assert "complaints.csv had been loaded 2 times at once (batches 3, 4); kept as batch 3" in report
    assert "complaints: 4 rows were stored more than once" in report
    assert "store migrated" in capsys.readouterr().err
    con.close()


def test_a_migrated_store_enforces_its_keys_and_matches_fresh_loads(old_store, tmp_path):
    path, oakwood, beech = old_store
    con = connect(path)
    with pytest.raises(duckdb.ConstraintException):
        con.cursor().execute("INSERT INTO audits SELECT * FROM audits LIMIT 1")
    with pytest.raises(duckdb.ConstraintException):
        con.cursor().execute("INSERT INTO batches SELECT * REPLACE (99 AS batch_id) FROM batches LIMIT 1")
    # The same rows exported again (another file) are recognised as the rows already stored.
    again = tmp_path / "again.csv"
    again.write_bytes(oakwood.read_bytes() + b"\r\n")
    [result] = ingest_path(con, again)
    assert (result.rows_new, result.rows_updated, result.rows_unchanged) == (0, 0, 9)
    con.close()


def test_a_current_store_is_left_as_it_is(tmp_path):
    path = tmp_path / "new.duckdb"
    connect(path).close()
    con = connect(path)
    assert schema_version(con) == SCHEMA_VERSION
    assert trail(con, action="migrate_store").empty
    con.close()


def test_a_store_set_up_by_this_code_is_opened_without_setting_it_up_again(tmp_path, monkeypatch):
    import analytics.store as store

    path = tmp_path / "s.duckdb"
    connect(path).close()
    calls = []
    monkeypatch.setattr(store, "create_schema", lambda con: calls.append(con))
    connect(path).close()
    assert calls == []
    monkeypatch.setattr(store, "_SCHEMA_CODE", "other code")  # a release whose schema modules differ
    connect(path).close()
    assert len(calls) == 1


def test_a_release_with_other_schema_code_sets_the_store_up_again(tmp_path, monkeypatch):
    import analytics.store as store

    path = tmp_path / "s.duckdb"
    con = connect(path)
    assert con.cursor().execute("SELECT value FROM store_meta WHERE key = 'schema_code'").fetchone() == \
        (store.schema_code(),)
    con.execute("DROP TABLE row_months")  # what a table new in a release looks like to an older store
    con.close()
    monkeypatch.setattr(store, "_SCHEMA_CODE", "another release")
    con = connect(path)
    assert con.cursor().execute("SELECT count(*) FROM row_months").fetchone() == (0,)
    assert con.cursor().execute("SELECT value FROM store_meta WHERE key = 'schema_code'").fetchone() == \
        ("another release",)
    con.close()
