"""Roles, per-service scoping and the audit trail, in the library where they are enforced."""

import json
from datetime import date

import pytest
from openpyxl import load_workbook
from spreadsheets import AUDIT_HEADER, csv_file

import analytics.ingest
from analytics.__main__ import main
from analytics.access import (
    NotAllowed,
    assign_role,
    bootstrap_administrators,
    local_user,
    revoke_role,
    role_assignments,
    scope_for,
    user_for,
)
from analytics.audit_trail import record, trail
from analytics.batches import UnknownBatch, list_batches, remove_batch
from analytics.ingest import ingest_path
from analytics.insights import run_insights
from analytics.narrative import record_view
from analytics.scope import Scope
from analytics.settings import reset_settings, save_setting
from analytics.store import connect, uploads_dir


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "access.duckdb")
    yield con
    con.close()


def two_services(con, tmp_path):
    rows = [["Date of audit", "Home", "Unit", "Audit type", "Question", "Answer", "Audit ref"]]
    for home in ("Oak House", "Elm House"):
        rows += [["02/03/2026", home, "Rowan", "Care plan", f"Item {i}", "Yes", f"{home}-1"] for i in range(3)]
    ingest_path(con, csv_file(tmp_path / "audits.csv", rows), loaded_by="lead@example.org")


@pytest.mark.parametrize("role, allowed, refused", [
    ("quality_lead", {"upload", "correct_mapping", "remove_batch", "see_original_text"},
     {"change_settings", "board_report", "assign_roles"}),
    ("registered_manager", {"record_judgement", "see_original_text"}, {"upload", "remove_batch", "change_settings"}),
    ("senior_leader", {"board_report", "record_judgement"}, {"upload", "see_original_text", "assign_roles"}),
    ("administrator", {"change_settings", "assign_roles", "view_audit_trail"}, {"see_original_text"}),
])
def test_what_each_role_may_do(store, role, allowed, refused):
    assign_role(store, "person@example.org", role, None, "admin@example.org")
    user = user_for(store, "Person@Example.org")
    assert all(user.can(action) for action in allowed)
    assert not any(user.can(action) for action in refused)
    with pytest.raises(NotAllowed, match="may not"):
        user.require(sorted(refused)[0])


def test_a_person_can_hold_several_roles_limited_to_named_services(store):
    assign_role(store, "rm@example.org", "registered_manager", ("Oak House",), "admin@example.org")
    assign_role(store, "rm@example.org", "quality_lead", ("Elm House",), "admin@example.org")
    user = user_for(store, "rm@example.org")
    assert user.roles == {"registered_manager", "quality_lead"} and user.services == ("Elm House", "Oak House")
    revoke_role(store, "rm@example.org", "quality_lead")
    assert user_for(store, "rm@example.org").services == ("Oak House",)
    assert role_assignments(store) == [("rm@example.org", "registered_manager", ("Oak House",))]


def test_someone_with_no_role_sees_nothing(store, tmp_path):
    two_services(store, tmp_path)
    nobody = user_for(store, "stranger@example.org")
    assert nobody.roles == frozenset() and nobody.services == ()
    assert run_insights(store, scope_for(nobody, Scope())).register.empty


def test_scoping_is_enforced_in_the_analytics_not_only_in_pages(store, tmp_path):
    two_services(store, tmp_path)
    assign_role(store, "rm@example.org", "registered_manager", ("Oak House",), "admin@example.org")
    manager = user_for(store, "rm@example.org")
    asked_for_other = scope_for(manager, Scope(services=("Elm House",)))
    assert asked_for_other.services == ()
    assert run_insights(store, asked_for_other).register.empty
    own = run_insights(store, scope_for(manager, Scope()))
    assert set(own.register["service"]) == {"Oak House"}
    everything = run_insights(store, scope_for(local_user(), Scope()))
    assert set(everything.register["service"]) == {"Oak House", "Elm House"}


def test_senior_leaders_see_every_service_unless_limited(store):
    assign_role(store, "ceo@example.org", "senior_leader", None, "admin@example.org")
    assert user_for(store, "ceo@example.org").services is None
    assert scope_for(user_for(store, "ceo@example.org"), Scope(services=("Elm House",))).services == ("Elm House",)


def test_the_first_administrator_comes_from_a_file(store, tmp_path):
    admins = tmp_path / "administrators.txt"
    admins.write_text("# who may assign roles\nFirst.Admin@example.org\n\n", encoding="utf-8")
    assert bootstrap_administrators(admins) == {"first.admin@example.org"}
    admin = user_for(store, "first.admin@example.org", admins)
    assert admin.can("assign_roles") and admin.services is None
    assert not user_for(store, "other@example.org", admins).roles


def test_roles_are_given_to_email_addresses_and_known_roles_only(store):
    with pytest.raises(ValueError, match="role must be one of"):
        assign_role(store, "a@example.org", "owner", None, "admin")
    with pytest.raises(ValueError, match="not an email address"):
        assign_role(store, "Jo Bloggs", "quality_lead", None, "admin")


def test_uploads_removals_settings_and_judgements_are_in_the_audit_trail(store, tmp_path):
    path = csv_file(tmp_path / "a.csv", [AUDIT_HEADER, ["02/03/2026", "Rowan", "Early", "Care plan", "Signed", "Yes",
                                                        "R1", "Jo"]])
    [result] = ingest_path(store, path, loaded_by="lead@example.org")
    remove_batch(store, result.batch_id, "lead@example.org")
    save_setting(store, "default_service", "Oak House", changed_by="admin@example.org")
    reset_settings(store, changed_by="admin@example.org")
    record_view(store, "Oak House", "Safe", "strong", "Staffing is stable", "rm@example.org")
    record(store.cursor(), "ceo@example.org", "export", {"what": "board pack", "format": "xlsx"})
    log = trail(store)
    assert list(log["action"])[::-1] == ["upload", "remove_batch", "change_settings", "change_settings",
                                          "record_judgement", "export"]
    upload = json.loads(log[log["action"] == "upload"].iloc[0]["detail"])
    assert upload["file"] == "a.csv" and upload["new"] == 1
    assert list(trail(store, who="admin@example.org")["action"]) == ["change_settings", "change_settings"]
    with pytest.raises(ValueError, match="unknown action"):
        record(store.cursor(), "x", "delete_everything", {})


def test_a_failed_upload_leaves_no_trail(store, tmp_path, monkeypatch):
    def fail(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(analytics.ingest, "_insert_first", fail)
    with pytest.raises(RuntimeError):
        ingest_path(store, csv_file(tmp_path / "a.csv", [AUDIT_HEADER, ["02/03/2026", "Rowan", "Early", "Care plan",
                                                                        "Signed", "Yes", "R1", "Jo"]]))
    assert trail(store).empty


def test_scope_limited_to_no_service_selects_nothing():
    assert Scope(services=()).service_filter() == ("FALSE", [])
    assert Scope(services=("A", "B"), as_of=date(2026, 1, 1)).service_filter() == ("service IN (?, ?)", ["A", "B"])


def test_batches_are_listed_and_removed_only_within_a_persons_services(store, tmp_path):
    two_services(store, tmp_path)
    elm_only = csv_file(tmp_path / "elm.csv", [["Date of audit", "Home", "Unit", "Audit type", "Question", "Answer"],
                                               ["03/03/2026", "Elm House", "Birch", "Care plan", "Signed", "No"]])
    [elm] = ingest_path(store, elm_only, loaded_by="lead@example.org")
    everything = list_batches(store)
    assert set(map(tuple, everything["services"])) == {("Elm House", "Oak House"), ("Elm House",)}
    assert list(list_batches(store, ("Elm House",))["batch_id"]) == [elm.batch_id]
    assert list_batches(store, ("Oak House",)).empty  # the two-service file is not theirs alone
    mixed = int(everything[everything["file_name"] == "audits.csv"]["batch_id"].iloc[0])
    with pytest.raises(UnknownBatch, match="among the batches for your services"):
        remove_batch(store, mixed, "lead@example.org", ("Elm House",))
    assert remove_batch(store, elm.batch_id, "lead@example.org", ("Elm House",)) == {"audits": 1}


def test_a_person_limited_to_some_services_cannot_load_another_services_rows(store, tmp_path):
    header = ["Date of audit", "Home", "Unit", "Audit type", "Question", "Answer"]
    mixed = csv_file(tmp_path / "mixed.csv", [header,
                                              ["02/03/2026", "Oak House", "Rowan", "Care plan", "Signed", "Yes"],
                                              ["02/03/2026", "Elm House", "Birch", "Care plan", "Signed", "No"],
                                              ["03/03/2026", "Elm House", "Birch", "Care plan", "Dated", "No"]])
    with pytest.raises(analytics.ingest.OutsideYourServices,
                       match=r"mixed.csv: 2 rows are for Elm House \(rows 3, 4\), but you may load data only for "
                             r"Oak House\. .*Nothing from this sheet was loaded"):
        ingest_path(store, mixed, loaded_by="lead@example.org", services=("Oak House",))
    assert list_batches(store).empty and not trail(store, action="upload").shape[0]
    assert not any(uploads_dir(store).rglob("*.csv"))  # the original is not kept either
    # Their own service's rows load, and everyone else may load any service.
    oak_only = csv_file(tmp_path / "oak.csv", [header, ["02/03/2026", "Oak House", "Rowan", "Care plan", "Signed",
                                                        "Yes"]])
    [oak] = ingest_path(store, oak_only, loaded_by="lead@example.org", services=("Oak House",))
    assert oak.rows_new == 1
    [both] = ingest_path(store, mixed, loaded_by="admin@example.org")
    assert (both.rows_new, both.rows_unchanged) == (2, 1)
    assert any(uploads_dir(store).rglob("mixed.csv"))


@pytest.fixture
def cli_store(tmp_path):
    """A store file with two services' audits, one of them with rejected rows, and a person per role."""
    con = connect(tmp_path / "cli.duckdb")
    two_services(con, tmp_path)
    rows = [["Date of audit", "Home", "Unit", "Audit type", "Question", "Answer"]]
    rows += [["31/02/2026", home, "Rowan", "Care plan", f"Mrs Jane Smith's plan, ring 07700 900{n}23", "Yes"]
             for n, home in enumerate(("Oak House", "Elm House"))]
    for home in ("Oak House", "Elm House"):
        ingest_path(con, csv_file(tmp_path / f"{home}.csv", [rows[0], *[r for r in rows[1:] if r[1] == home]]))
    assign_role(con, "rm@example.org", "registered_manager", ("Oak House",), "admin@example.org")
    assign_role(con, "lead@example.org", "quality_lead", ("Oak House",), "admin@example.org")
    assign_role(con, "ceo@example.org", "senior_leader", None, "admin@example.org")
    assign_role(con, "admin@example.org", "administrator", None, "admin@example.org")
    con.close()
    return tmp_path / "cli.duckdb"


def cli(store_path, *args):
    """Run the command line; returns its exit status."""
    return main(["--db", str(store_path), *args])


def test_the_command_line_as_a_person_sees_only_their_services(cli_store, capsys):
    assert cli(cli_store, "--user", "RM@example.org", "insights", "--json") == 0
    output = json.loads(capsys.readouterr().out)
    assert output["register"] and {row["service"] for row in output["register"]} == {"Oak House"}
    assert cli(cli_store, "--user", "rm@example.org", "insights", "--service", "Elm House") == 2
    assert "rm@example.org may see only Oak House" in capsys.readouterr().err
    assert cli(cli_store, "--user", "lead@example.org", "batches", "--json") == 0
    assert {tuple(b["services"]) for b in json.loads(capsys.readouterr().out)} == {("Oak House",)}
    # Without --user it is the person at this computer, who sees everything.
    assert cli(cli_store, "insights", "--json") == 0
    assert {row["service"] for row in json.loads(capsys.readouterr().out)["register"]} == {"Oak House", "Elm House"}


def test_the_command_line_refuses_what_a_persons_roles_do_not_allow(cli_store, tmp_path, capsys):
    assert cli(cli_store, "--user", "nobody@example.org", "insights") == 2
    assert "nobody@example.org has no role" in capsys.readouterr().err
    elm = csv_file(tmp_path / "elm_more.csv", [["Date of audit", "Home", "Unit", "Audit type", "Question", "Answer"],
                                               ["04/03/2026", "Elm House", "Birch", "Care plan", "Signed", "Yes"]])
    assert cli(cli_store, "--user", "rm@example.org", "ingest", str(elm)) == 2
    assert "may not upload: it needs the role Administrator, Quality lead" in capsys.readouterr().err
    assert cli(cli_store, "--user", "lead@example.org", "ingest", str(elm)) == 1
    assert "1 row is for Elm House (row 2), but you may load data only for Oak House" in capsys.readouterr().err
    assert cli(cli_store, "--user", "lead@example.org", "remove", "1") == 2  # the two-service batch is not theirs
    assert "no batch 1 among the batches for your services" in capsys.readouterr().err


def test_rejected_rows_exported_from_the_command_line_are_masked_and_scoped(cli_store, tmp_path, capsys):
    out = tmp_path / "to_fix.xlsx"
    assert cli(cli_store, "--user", "lead@example.org", "rejections", "--out", str(out)) == 0
    assert "wrote 1 rejected rows" in capsys.readouterr().out
    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Mrs [name]'s plan, ring [phone]" in cells and not any("Elm House" in c for c in cells)
    assert cli(cli_store, "--user", "lead@example.org", "rejections", "--original-text", "--out", str(out)) == 0
    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Mrs Jane Smith's plan, ring 07700 900023" in cells
    assert cli(cli_store, "--user", "admin@example.org", "rejections", "--original-text", "--out", str(out)) == 2
    assert "admin@example.org may not see original text" in capsys.readouterr().err
    assert cli(cli_store, "--user", "ceo@example.org", "rejections", "--out", str(out)) == 2
    assert "ceo@example.org may not upload" in capsys.readouterr().err
    con = connect(cli_store)
    try:
        exports = trail(con, action="export")
    finally:
        con.close()
    assert list(exports["who"]) == ["lead@example.org", "lead@example.org"]


def test_a_store_made_before_batches_noted_their_services_gets_them_from_its_rows(tmp_path):
    con = connect(tmp_path / "older.duckdb")
    two_services(con, tmp_path)
    con.execute("ALTER TABLE batches DROP COLUMN services")
    con.execute("DELETE FROM store_meta WHERE key = 'schema_code'")  # an older release kept no such mark
    con.close()
    con = connect(tmp_path / "older.duckdb")
    try:
        assert [tuple(found) for found in list_batches(con)["services"]] == [("Elm House", "Oak House")]
    finally:
        con.close()
