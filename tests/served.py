"""The real server and headless Chromium for the browser tests: start, open, wait, check, screenshot."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from analytics.store import DB_ENV

if TYPE_CHECKING:
    from playwright import sync_api

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 60
WAIT_MS = 30_000
EXCEPTION = '[data-testid="stException"]'

def free_port() -> int:
    """A TCP port nothing is listening on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(database: Path, *, port: int | None = None, extra_args: Sequence[str] = (),
                     env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run `streamlit run app.py` on the given store; yields its address and always stops it.

    `port` (default: a free one), `extra_args` for `streamlit run` and `env` (added to this process's environment)
    are for tests that must know the address beforehand or configure the server, such as sign-in."""
    port = port or free_port()
    log = database.parent / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1", *extra_args],
            cwd=ROOT, env={**os.environ, DB_ENV: str(database), **(env or {})}, stdout=output,
            stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(url, server, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped (exit {server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


def open_app_page(page: "sync_api.Page", url: str, expected_text: str) -> None:
    """Go to a page and wait until the script has run far enough to show `expected_text`."""
    page.goto(url)
    page.get_by_text(expected_text, exact=False).first.wait_for()
    wait_for_script(page)


def wait_for_script(page: "sync_api.Page") -> None:
    """Wait until Streamlit has finished running the page script."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_timeout(500)  # tables and charts paint after the script has finished


def download(page: "sync_api.Page", button: str, folder: Path) -> Path:
    """Click a download button and save what it gives. A page rerun landing at the moment of the click (the
    background work's progress fragment, or its rerun when it finishes) can swallow the click, as it can a
    person's: seen once in a full run on a loaded machine. Like a person, the test clicks once more; the file
    must come then."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        wait_for_script(page)
        try:
            with page.expect_download() as started:
                page.get_by_role("button", name=button).click()
            break
        except PlaywrightTimeout:
            if attempt:
                raise
    saved = folder / started.value.suggested_filename
    started.value.save_as(saved)
    return saved


def screenshot(page: "sync_api.Page", name: str) -> None:
    """Save the whole page: the app scrolls inside its main panel, so grow the window to fit it first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(900, int(height) + 40)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_app_navigation(page: "sync_api.Page") -> None:
    """The sidebar lists the app's pages, not every module in pages/."""
    links = page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    assert [link.split("\n")[-1] for link in links] == ["Home", "Overview", "Trends", "Teams and shifts",
                                                         "Triangulation", "Themes", "Board report", "Concerns and actions",
                                                         "Upload", "Settings"]


def assert_no_exception(page: "sync_api.Page") -> None:
    """No Streamlit exception box anywhere on the page."""
    shown = page.locator(EXCEPTION)
    assert shown.count() == 0, shown.first.inner_text()
