"""Signing in with OpenID Connect end to end: the real server, headless Chromium and a fake provider on 127.0.0.1.

Nothing is mocked inside the app: Streamlit's st.login (Authlib) discovers the provider, sends the browser to it,
exchanges the code (client secret, PKCE), checks the signed ID token and sets its cookie; the app's gate then
decides from the email in it and the roles in the store.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fake_oidc import FakeOidcProvider, Person, running_provider
from served import (
    assert_app_navigation,
    assert_no_exception,
    free_port,
    open_app_page,
    screenshot,
    streamlit_server,
    wait_for_script,
)

from analytics.access import ADMINS_FILE_ENV, assign_role
from analytics.store import connect

if TYPE_CHECKING:
    from playwright import sync_api

pytestmark = pytest.mark.browser

CLIENT_ID = "leadership-insight-test"
ADMIN = Person("ada.admin@example.org", "Ada Admin")
NEWCOMER = Person("new.starter@example.org", "New Starter")
MANAGER = Person("rita.manager@example.org", "Rita Manager")
OAK, RIVERSIDE = "Oakwood House", "Riverside Homecare"
SIGN_IN_PROMPT = "Sign in with your work account"
NO_ROLE_NOTE = "you have no role in Leadership Insight yet"
NAV_LINK = '[data-testid="stSidebarNavLink"]'
MAIN = '[data-testid="stMain"]'


@dataclass(frozen=True)
class SignInSite:
    """The app's address and the provider it signs people in with."""

    url: str
    provider: FakeOidcProvider
    server_log: Path


@contextmanager
def signing_in_app(database: Path, folder: Path) -> Iterator[SignInSite]:
    """The app on `database` with sign-in configured against a fake provider; Ada is the bootstrap administrator."""
    admins = folder / "administrators.txt"
    admins.write_text(f"# the first administrator\n{ADMIN.email}\n", encoding="utf-8")
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    client_secret = secrets.token_urlsafe(24)
    with running_provider(CLIENT_ID, client_secret, redirect_uri) as provider:
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "{redirect_uri}"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{client_secret}"\n'
            f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n', encoding="utf-8")
        # Only this file: a developer's own .streamlit/secrets.toml must not change what the test sees.
        with streamlit_server(database, port=port, extra_args=["--secrets.files", str(secrets_file)],
                              env={ADMINS_FILE_ENV: str(admins)}) as url:
            yield SignInSite(url, provider, database.parent / "server.log")


@pytest.fixture(scope="module")
def site(demo_db_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignInSite]:
    """The app over the demo data with sign-in configured and a manager limited to Riverside; nobody signed in yet."""
    store = connect(demo_db_copy)
    try:
        assign_role(store, MANAGER.email, "registered_manager", (RIVERSIDE,), granted_by=ADMIN.email)
    finally:
        store.close()  # the server's process opens the file next
    with signing_in_app(demo_db_copy, tmp_path_factory.mktemp("sign_in")) as started:
        yield started


def sign_in(page: sync_api.Page, site: SignInSite, person: Person, expected_text: str) -> None:
    """Open the app, press Sign in as `person` would, and wait until the app shows `expected_text`."""
    site.provider.signing_in = person
    open_app_page(page, site.url, SIGN_IN_PROMPT)
    page.get_by_role("button", name="Sign in").click()
    try:
        page.get_by_text(expected_text, exact=False).first.wait_for()
    except Exception:  # noqa: BLE001 - say where the flow stopped rather than only that a wait timed out
        log = site.server_log.read_text(errors="replace")[-3000:]
        pytest.fail(f"{person.email} did not get to {expected_text!r}: the browser is at {page.url}, the provider "
                    f"answered {site.provider.events}; the server's log ends:\n{log}")
    wait_for_script(page)


def assert_shows_no_data(page: sync_api.Page, *also: str) -> None:
    """No page listed, nothing loaded and no service named (nor any of `also`), and no exception."""
    body = page.inner_text("body")
    assert page.locator(NAV_LINK).count() == 0, page.url
    for data in ("What is loaded", OAK, RIVERSIDE, *also):
        assert data not in body, f"{page.url} shows {data!r}"
    assert_no_exception(page)


def main_text(page: sync_api.Page) -> str:
    """The page's main panel as text (the sidebar left out)."""
    return page.inner_text(MAIN)


def service_choices(page: sync_api.Page) -> list[str]:
    """The options of the sidebar's Service filter, read by opening it."""
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]', has_text="Service").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return [option.strip() for option in options]


def test_before_anyone_signs_in_no_page_is_listed_and_no_address_gets_past_the_gate(page: sync_api.Page,
                                                                                      site: SignInSite) -> None:
    # First in the module, on a server nobody has signed in to: until a run reaches st.navigation, Streamlit
    # treats pages/ as old-style pages, listing every module in it and running any of them from its address.
    open_app_page(page, site.url, SIGN_IN_PROMPT)
    assert page.locator(NAV_LINK).count() == 0
    screenshot(page, "sign_in_screen_cold")
    for module in ("overview", "board_report", "settings", "concerns", "common", "access_gate", "people_views"):
        open_app_page(page, f"{site.url}/{module}", SIGN_IN_PROMPT)
        assert_shows_no_data(page, "Signed in as")
    assert site.provider.events == []  # nobody signed in along the way


def test_an_administrator_signs_in_through_the_provider_and_sees_the_app(page: sync_api.Page,
                                                                         site: SignInSite) -> None:
    open_app_page(page, site.url, SIGN_IN_PROMPT)
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert_shows_no_data(page, "Signed in as")
    screenshot(page, "sign_in_screen")

    events_before = len(site.provider.events)
    sign_in(page, site, ADMIN, "What is loaded")
    assert page.url.rstrip("/") == site.url  # back on the app, not left at the provider or the callback
    exchanged = site.provider.events[events_before:]
    assert "authorize" in exchanged and "token" in exchanged
    assert_app_navigation(page)
    sidebar = page.inner_text('[data-testid="stSidebar"]')
    assert f"Signed in as {ADMIN.email} (Administrator; all services)" in sidebar
    assert page.get_by_role("button", name="Sign out").is_visible()

    page.locator(NAV_LINK, has_text="Overview").click()
    page.get_by_text("What needs attention", exact=True).wait_for()
    wait_for_script(page)
    assert "Headline figures and what lies beneath them" in main_text(page)
    assert_no_exception(page)
    screenshot(page, "signed_in_overview")
    assert service_choices(page) == ["All", OAK, RIVERSIDE]


def test_someone_without_a_role_sees_only_the_note_to_ask_an_administrator(page: sync_api.Page,
                                                                           site: SignInSite) -> None:
    sign_in(page, site, NEWCOMER, NO_ROLE_NOTE)
    body = page.inner_text("body")
    assert f"You are signed in as {NEWCOMER.email}" in body and "Ask an administrator" in body
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert_shows_no_data(page, "Overview")
    screenshot(page, "signed_in_without_a_role")

    # Still signed in on a fresh visit straight to a page, and still nothing to see.
    open_app_page(page, f"{site.url}/overview", NO_ROLE_NOTE)
    body = page.inner_text("body")
    assert "Headline figures and what lies beneath them" not in body and OAK not in body and RIVERSIDE not in body


def test_a_manager_limited_to_one_service_sees_only_that_service(page: sync_api.Page, site: SignInSite) -> None:
    sign_in(page, site, MANAGER, "What is loaded")
    sidebar = page.inner_text('[data-testid="stSidebar"]')
    assert f"Signed in as {MANAGER.email} (Registered manager; {RIVERSIDE})" in sidebar
    home = main_text(page)
    assert RIVERSIDE in home and OAK not in home
    assert "Settings" not in page.locator(NAV_LINK).all_inner_texts()

    page.locator(NAV_LINK, has_text="Overview").click()
    page.get_by_text("What needs attention", exact=True).wait_for()
    wait_for_script(page)
    overview = main_text(page)
    assert RIVERSIDE in overview and OAK not in overview
    assert_no_exception(page)
    screenshot(page, "signed_in_one_service")
    assert service_choices(page) == ["All", RIVERSIDE]

    # A link naming the other service shows nothing of it.
    open_app_page(page, f"{site.url}/overview?service={OAK.replace(' ', '+')}", "There is nothing in your scope here")
    outside = page.inner_text("body")
    assert f"you may see {RIVERSIDE} only" in outside
    assert OAK not in outside and "Headline figures and what lies beneath them" not in outside
    assert_no_exception(page)


def test_signing_out_returns_to_the_sign_in_screen(page: sync_api.Page, site: SignInSite) -> None:
    sign_in(page, site, ADMIN, "What is loaded")
    events_before = len(site.provider.events)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text(SIGN_IN_PROMPT).wait_for()
    wait_for_script(page)
    assert "logout" in site.provider.events[events_before:]  # signed out at the provider too (end_session_endpoint)
    assert page.url.rstrip("/") == site.url
    assert page.locator(NAV_LINK).count() == 0 and "What is loaded" not in page.inner_text("body")

    # The sign-in cookie is gone: a fresh visit asks to sign in again.
    open_app_page(page, site.url, SIGN_IN_PROMPT)
    assert "What is loaded" not in page.inner_text("body")
    assert_no_exception(page)
