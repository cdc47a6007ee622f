"""Access as a property of the whole product: the gate, each role's pages, scoping through URLs and filters,
downloads, masking. The gate's decision from plain values is in test_gate.py."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from spreadsheets import csv_file
from streamlit.testing.v1 import AppTest

import pages.access_gate
from analytics.access import ADMINS_FILE_ENV, assign_role, role_assignments
from analytics.audit_trail import trail
from analytics.ingest import ingest_path
from analytics.store import DB_ENV, connect

APP = str(Path(__file__).resolve().parent.parent / "app.py")
OVERVIEW, BOARD, SETTINGS, UPLOAD, THEMES = ("pages/overview.py", "pages/board_report.py", "pages/settings.py",
                                            "pages/upload.py", "pages/themes.py")
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "id", "client_secret": "secret",
                 "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"}}
MANAGER, LEAD, LEADER, ADMIN = ("rm@example.org", "lead@example.org", "ceo@example.org", "admin@example.org")
OAK, RIVERSIDE = "Oakwood House", "Riverside Homecare"


# The app, person by person -------------------------------------------------------------------------------------

@pytest.fixture
def store(demo_db_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the demo store with one person per role; the administrators file names no one."""
    path = tmp_path / "leadership_insight.duckdb"
    shutil.copy(demo_db_copy, path)
    monkeypatch.setenv(DB_ENV, str(path))
    monkeypatch.setenv(ADMINS_FILE_ENV, str(tmp_path / "administrators.txt"))
    con = connect(path)
    assign_role(con, MANAGER, "registered_manager", (OAK,), "setup@example.org")
    assign_role(con, LEAD, "quality_lead", (OAK,), "setup@example.org")
    assign_role(con, LEADER, "senior_leader", None, "setup@example.org")
    assign_role(con, ADMIN, "administrator", None, "setup@example.org")
    yield con
    con.close()


def signed_in(email: str | None, page: str | None = None, **params: str) -> AppTest:
    """The app with sign-in configured, as `email` (None: no one signed in), switched to `page`."""
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets.update(AUTH)
    app.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email, "name": email}
    app.query_params.update(params)
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def text(app: AppTest) -> str:
    """Every text element as a person reads it: provider text is escaped for Markdown, so unescape it here."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                                  "success") for e in getattr(app, kind)]
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|$<>~])", r"\1", "\n".join(map(str, parts)))


def shows_no_data(app: AppTest) -> None:
    assert not app.dataframe and not app.table and not app.get("plotly_chart") and not app.get("metric")


def without_sign_in(monkeypatch: pytest.MonkeyPatch, peer: str, **headers: str) -> AppTest:
    """The app without sign-in, as if a browser had connected from `peer` with these request headers."""
    pairs = [(name.replace("_", "-"), value) for name, value in headers.items()]
    monkeypatch.setattr(pages.access_gate, "connection", lambda: (peer, pairs))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


@pytest.mark.parametrize("peer, headers", [
    ("10.1.2.3", {"Host": "insight.example.org"}),  # served to the network
    ("10.1.2.3", {"Host": "localhost:8501"}),  # a forged Host header does not help
    ("127.0.0.1", {"Host": "127.0.0.1:8501", "Origin": "https://insight.example.org"}),  # nginx rewriting Host
    ("127.0.0.1", {"Host": "localhost:8501", "X_Forwarded_For": "10.1.2.3"}),  # a proxy saying so
    ("", {"Host": "localhost:8501"})])  # a connection whose peer is unknown
def test_served_to_the_network_without_sign_in_shows_no_data(store, monkeypatch, peer, headers):
    app = without_sign_in(monkeypatch, peer, **headers)
    assert "not showing any data" in text(app) and "secrets.toml" in text(app)
    shows_no_data(app)


def test_opening_127_0_0_1_on_a_dual_stack_server_gets_in(store, monkeypatch):
    """Streamlit's default bind ('::') reports a browser at http://127.0.0.1:8501 as ::ffff:127.0.0.1."""
    app = without_sign_in(monkeypatch, "::ffff:127.0.0.1", Host="insight.example.org",
                          Origin="http://127.0.0.1:8501")
    assert "not showing any data" not in text(app)
    app.switch_page(OVERVIEW).run()
    assert not app.exception and app.get("metric")


def test_sign_in_configured_asks_for_sign_in_first(store):
    app = signed_in(None)
    assert [b.label for b in app.button] == ["Sign in"]
    assert "Sign in with your work account" in text(app)
    shows_no_data(app)


def test_someone_signed_in_with_no_role_is_told_to_ask_an_administrator(store):
    app = signed_in("stranger@example.org")
    assert "ask an administrator to give you a role" in text(app).lower()
    shows_no_data(app)
    assert [b.label for b in app.button] == ["Sign out"]


def test_a_registered_manager_sees_only_their_service(store):
    app = signed_in(MANAGER, OVERVIEW)
    assert app.selectbox(key="filter_service").options == ["All", OAK]
    assert RIVERSIDE not in text(app) and OAK in text(app)
    assert f"{OAK}: the 6 months to" in text(app) and "All services" not in text(app)


def places(store: duckdb.DuckDBPyConnection, service: str) -> tuple[list[str], list[str]]:
    """The teams and the shifts the store has for `service`, each sorted."""
    rows = store.execute("""
        SELECT DISTINCT team, shift FROM (
            SELECT service, team, shift FROM audits UNION SELECT service, team, shift FROM complaints
            UNION SELECT service, team, shift FROM rota UNION SELECT service, team, shift FROM feedback)
        WHERE service = ?""", [service]).fetchall()
    return sorted({t for t, _ in rows if t}), sorted({s for _, s in rows if s})


def test_someone_limited_to_one_service_is_offered_only_its_teams_and_shifts(store):
    oak_teams, oak_shifts = places(store, OAK)
    other_teams, other_shifts = places(store, RIVERSIDE)
    assert oak_teams and set(other_teams) - set(oak_teams)  # the demo has teams only the other service has
    for page in ("pages/teams_shifts.py", "pages/trends.py", THEMES, "pages/triangulation.py"):
        for params in ({}, {"service": OAK}):
            app = signed_in(MANAGER, page, **params)
            assert app.selectbox(key="filter_service").options == ["All", OAK], page
            assert app.selectbox(key="filter_team").options == ["All", *oak_teams], (page, params)
            assert app.selectbox(key="filter_shift").options == ["All", *oak_shifts], (page, params)


def test_a_url_naming_another_services_team_falls_back_to_all_teams(store):
    other_teams, _ = places(store, RIVERSIDE)
    theirs = next(t for t in other_teams if t not in places(store, OAK)[0])
    app = signed_in(MANAGER, "pages/teams_shifts.py", team=theirs)
    assert app.selectbox(key="filter_team").value == "All" and theirs not in text(app)


def test_someone_with_every_service_is_offered_every_services_teams(store):
    oak_teams, oak_shifts = places(store, OAK)
    other_teams, other_shifts = places(store, RIVERSIDE)
    app = signed_in(LEADER, "pages/teams_shifts.py")
    assert set(app.selectbox(key="filter_team").options) >= {"All", *oak_teams, *other_teams}
    assert set(app.selectbox(key="filter_shift").options) >= {"All", *oak_shifts, *other_shifts}
    app.selectbox(key="filter_service").select(RIVERSIDE).run()
    assert app.selectbox(key="filter_team").options == ["All", *other_teams]


def test_an_entra_id_token_without_an_email_claim_is_known_by_its_preferred_username(store):
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets.update(AUTH)
    app.user = {"is_logged_in": True, "preferred_username": MANAGER, "name": "Rita Manager"}
    app.run().switch_page(OVERVIEW).run()
    assert not app.exception
    assert app.selectbox(key="filter_service").options == ["All", OAK]


def test_a_url_naming_another_service_shows_nothing_of_it(store):
    for page in (OVERVIEW, "pages/trends.py", "pages/teams_shifts.py", "pages/triangulation.py", THEMES):
        app = signed_in(MANAGER, page, service=RIVERSIDE)
        assert "nothing in your scope" in text(app), page
        assert RIVERSIDE not in text(app).replace(f"?service={RIVERSIDE}", "")
        shows_no_data(app)


def test_a_registered_manager_may_record_a_judgement_but_not_see_the_board_report(store):
    app = signed_in(MANAGER, BOARD)
    assert "needs the Senior leader or Administrator role" in text(app)
    assert not app.get("download_button") and not app.table
    form = app.get("form")[0]
    assert form.selectbox[0].options == [OAK]


def test_a_registered_manager_cannot_upload_or_change_settings(store):
    app = signed_in(MANAGER, UPLOAD)
    assert "needs the Quality lead or Administrator role" in text(app)
    assert not app.get("file_uploader") and not app.dataframe
    assert settings_out_of_reach(MANAGER)


def settings_out_of_reach(email: str) -> bool:
    """Settings is not in the person's navigation, so the app cannot be switched to it."""
    app = signed_in(email)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page(SETTINGS)
    return True


def test_a_quality_lead_may_upload_but_not_see_the_board_report(store):
    app = signed_in(LEAD, UPLOAD)
    assert app.get("file_uploader") and "needs" not in text(app)
    board = signed_in(LEAD, BOARD)
    assert "needs the Senior leader or Administrator role" in text(board)
    assert not board.get("form") and not board.get("download_button")


def test_a_senior_leader_gets_the_board_pack_and_its_download_is_in_the_audit_trail(store):
    app = signed_in(LEADER, BOARD)
    assert [b.label for b in app.get("download_button")] == ["Download the board pack (.xlsx)",
                                                             "Download the board pack (.pdf)",
                                                             "Download the print-ready report (.html)"]
    app.get("download_button")[0].click().run()
    exports = trail(store, action="export")
    assert list(exports["who"]) == [LEADER] and "board pack" in exports["detail"].iloc[0]
    assert "Show original text" not in [t.label for t in app.toggle]  # a senior leader sees masked text only
    assert settings_out_of_reach(LEADER)


def test_an_administrator_gives_and_takes_roles_and_each_change_is_in_the_trail(store):
    app = signed_in(ADMIN, SETTINGS)
    assert [t.label for t in app.tabs][-2:] == ["People and roles", "Audit trail"]
    app.text_input[-1].input("new.manager@example.org")
    role_box = next(s for s in app.selectbox if s.label == "Role")
    role_box.select("registered_manager")
    next(m for m in app.multiselect if m.label == "Services").select(RIVERSIDE)
    next(b for b in app.button if b.label == "Give this role").click().run()
    assert not app.exception
    assert ("new.manager@example.org", "registered_manager", (RIVERSIDE,)) in role_assignments(store)
    assert any("Gave new.manager@example.org" in s.value for s in app.success)
    app.selectbox(key="revoke_choice").select(("new.manager@example.org", "registered_manager")).run()
    app.button(key="revoke_button").click().run()
    assert ("new.manager@example.org", "registered_manager", (RIVERSIDE,)) not in role_assignments(store)
    log = trail(store)
    assert list(log[log["who"] == ADMIN]["action"])[:2] == ["revoke_role", "assign_role"]


def test_the_people_tab_lists_the_administrators_the_file_names(store, tmp_path):
    (tmp_path / "administrators.txt").write_text("# the first administrator\nFirst.Admin@example.org\n")
    app = signed_in("first.admin@example.org", SETTINGS)
    people = next(table.value for table in app.dataframe if "Given" in table.value.columns)
    listed = people[people["Email"] == "first.admin@example.org"]
    assert list(listed["Role"]) == ["Administrator"] and list(listed["Services"]) == ["All services"]
    assert "administrators.txt (change it there)" in listed["Given"].iloc[0]
    assert set(people["Email"]) >= {MANAGER, LEAD, LEADER, ADMIN}
    # It cannot be taken away on the page, only in the file.
    choices = app.selectbox(key="revoke_choice").options
    assert f"{ADMIN}: Administrator" in choices and "first.admin@example.org: Administrator" not in choices


def test_complaint_text_is_masked_on_screen_by_default(store):
    latest = store.execute("SELECT max(received_date) FROM complaints").fetchone()[0]
    day = latest.strftime("%d/%m/%Y")
    rows = [["Ref", "Date received", "Service", "Unit", "Category", "Summary", "Complainant", "Outcome", "Status"]]
    rows += [[f"Z-{i}", day, OAK, "Zeta", "Communication", f"Mrs Jane Smith's calls about laundry not returned, "
              f"ring 07700 900{i:03d}", "Daughter", "", "Open"] for i in range(6)]
    ingest_path(store, csv_file(Path(store.execute("PRAGMA database_list").fetchone()[2]).parent / "named.csv", rows),
                loaded_by="setup@example.org")
    manager = signed_in(MANAGER, THEMES, team="Zeta")
    shown = text(manager)
    assert "Jane Smith" not in shown and "07700" not in shown and "[name]" in shown
    toggle = next(t for t in manager.toggle if t.label == "Show original text")
    assert toggle.value is False
    toggle.set_value(True).run()
    assert "Jane Smith" in text(manager)


def test_an_uploaded_files_preview_is_masked_for_a_role_that_may_not_see_original_text(store):
    rows = [["Ref", "Date received", "Service", "Unit", "Category", "Summary", "Complainant"]]
    rows += [[f"Z-{i}", "02/03/2026", OAK, "Zeta", "Laundry", f"Mrs Jane Smith's cardigan lost, ring 07700 900{i:03d}",
              "Daughter"] for i in range(3)]
    data = csv_file(Path(store.execute("PRAGMA database_list").fetchone()[2]).parent / "named.csv", rows).read_bytes()
    admin = signed_in(ADMIN, UPLOAD)
    admin.file_uploader(key="uploads").set_value(("named.csv", data, "text/csv")).run()
    assert not admin.exception
    shown = admin.data_editor[0].value.to_csv() + admin.dataframe[0].value.to_csv()
    assert "Jane Smith" not in shown and "07700" not in shown and "[name]" in shown and "[phone]" in shown
    assert "Show original text" not in [t.label for t in admin.toggle]

    lead = signed_in(LEAD, UPLOAD)
    lead.file_uploader(key="uploads").set_value(("named.csv", data, "text/csv")).run()
    assert "Jane Smith" not in lead.dataframe[0].value.to_csv()
    lead.toggle(key="show_original_text").set_value(True).run()
    assert "Jane Smith" in lead.data_editor[0].value.to_csv() + lead.dataframe[0].value.to_csv()


def test_a_quality_lead_cannot_load_rows_for_a_service_they_do_not_look_after(store):
    rows = [["Ref", "Date received", "Service", "Unit", "Category", "Summary"],
            ["Y-1", "02/03/2026", OAK, "Zeta", "Laundry", "Cardigan lost"],
            ["Y-2", "02/03/2026", RIVERSIDE, "Town Team", "Call times", "Late again"]]
    data = csv_file(Path(store.execute("PRAGMA database_list").fetchone()[2]).parent / "two.csv", rows).read_bytes()
    batches = store.execute("SELECT count(*) FROM batches").fetchone()[0]
    lead = signed_in(LEAD, UPLOAD)
    lead.file_uploader(key="uploads").set_value(("two.csv", data, "text/csv")).run()
    next(b for b in lead.button if b.label == "Load two.csv").click().run()
    assert not lead.exception
    assert any(f"1 row is for {RIVERSIDE} (row 3), but you may load data only for {OAK}" in e.value
               for e in lead.error)
    assert store.execute("SELECT count(*) FROM batches").fetchone()[0] == batches
