"""Browser tests: Playwright (sync API) driving Debian's Chromium against live_server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db import connections

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session", autouse=True)
def live_server_settings():
    """Settings live_server reads once, before any function fixture runs.

    - WhiteNoise warns (an error here) when STATIC_ROOT is missing.
    - Persistent connections (CONN_MAX_AGE on PostgreSQL) would stay open in the server's
      keep-alive threads and block dropping the test database at the end.
    """
    from django.conf import settings
    from django.db import connections

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    db_settings = connections.settings["default"]
    previous = db_settings.get("CONN_MAX_AGE", 0)
    db_settings["CONN_MAX_AGE"] = 0
    yield
    db_settings["CONN_MAX_AGE"] = previous


@pytest.fixture
def browser_page(monkeypatch):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright runs an event loop in this thread; the ORM calls of the fixtures are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        # ORM calls made while Playwright's loop runs get their own connection (another
        # context); close it here, or it blocks dropping the PostgreSQL test database.
        connections.close_all()
        context.close()
        browser.close()


from tests.imports.conftest import _var_dir, pages  # noqa: E402, F401  (the import flow's fixtures)
