"""Row keys stay what earlier releases stored: a store's rows are matched by them when a file is loaded again.

The values below were computed by the ingest before it moved to Arrow (commit 690d739); a change to how keys
are hashed would need a migration of every store, so these must not change."""

from datetime import datetime

import pytest
from spreadsheets import xlsx

from analytics.ingest import ingest_path
from analytics.store import connect

AUDITS = [["Date", "Home", "Unit", "Shift", "Audit type", "Question", "Answer", "Auditor"],
          ["02/03/2026", "Oak House", "Rowan", "Early", "Falls", "Item 1", "Yes", "Jo"],
          ["02/03/2026", "Oak House", "Rowan", "Early", "Falls", "Item 2", "No", "Jo"],
          ["02/03/2026", "Oak House", "Rowan", "Early", "Falls", "Item 2", "No", "Jo"],
          ["09/03/2026", "Oak House", "Rowan", "Late", "Falls", "Item 1", "Yes", "Al"]]
AUDIT_KEYS = [("A-758cbcf2b8f4", 113322350805404020, 3301006175136333086),
              ("A-758cbcf2b8f4", 7365904744279769478, 5411075780661445245),
              ("A-758cbcf2b8f4", 11283648790663538883, 5411075780661445245),
              ("A-606cd3c8e11a", 14209261329215379671, 8507930626827733618)]
FEEDBACK = [["Date", "Home", "Unit", "Rating", "Comment"], ["02/03/2026", "Oak House", "Rowan", "5", "Lovely staff"],
            ["02/03/2026", "Oak House", "Rowan", "5", "Lovely staff"], ["03/03/2026", "Oak House", "Rowan", "2", "Cold food"]]
FEEDBACK_KEYS = [("F-386654722273", 811010298235340367, 8258535903402846997),
                 ("F-78aa4c818960", 18055182073437574450, 15958869986685942862),
                 ("F-279d7d03d7d4", 314856068282428528, 13852880730856472352)]


def _csv(path, rows):
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    return path


def _stored(path, table, id_column, **options):
    con = connect(":memory:")
    ingest_path(con, path, **options)
    return con.execute(f"SELECT {id_column}, row_key, row_hash FROM {table} ORDER BY source_row").fetchall()


@pytest.mark.parametrize("as_workbook", [False, True])
def test_audit_rows_without_a_reference_keep_their_ids_and_keys(tmp_path, as_workbook):
    path = xlsx(tmp_path / "a.xlsx", {"Audits": AUDITS}) if as_workbook else _csv(tmp_path / "a.csv", AUDITS)
    assert _stored(path, "audits", "audit_ref") == AUDIT_KEYS


def test_audit_rows_with_real_dates_in_a_workbook_key_as_the_same_dates_written_in_a_csv(tmp_path):
    rows = [AUDITS[0]] + [[datetime.strptime(r[0], "%d/%m/%Y"), *r[1:]] for r in AUDITS[1:]]
    assert _stored(xlsx(tmp_path / "d.xlsx", {"Audits": rows}), "audits", "audit_ref") == AUDIT_KEYS


def test_feedback_without_response_ids_keeps_its_ids_and_keys(tmp_path):
    assert _stored(_csv(tmp_path / "f.csv", FEEDBACK), "feedback", "response_id", source="feedback") == FEEDBACK_KEYS
