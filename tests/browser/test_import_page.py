"""Upload a CSV, map its columns, preview, import, see the progress and the result."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trustfunnel.crm.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CSV = "Voornaam;Achternaam;E-mailadres;Bedrijf\nAnna;Jansen;anna@example.nl;Jansen BV\nPiet;Smit;piet@example.nl;Smit\n"


@pytest.fixture
def browser_page(monkeypatch):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    # For the live server's thread; undone after the test (a leaked value fails check --deploy).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        try:
            yield page
        finally:
            browser.close()
            # Playwright runs the test in its own context, where the ORM opened its own
            # connection: close it, or PostgreSQL refuses to drop the test database.
            connections.close_all()


def test_upload_map_preview_import_shows_progress_and_result(pages, live_server, browser_page, client,
                                                              workspace, owner_user, tmp_path, monkeypatch):
    ARTIFACTS.mkdir(exist_ok=True)
    client.force_login(owner_user)
    cookie = client.cookies["sessionid"]
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    source = tmp_path / "contacten.csv"
    source.write_text(CSV, encoding="utf-8")

    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", "people")
    page.set_input_files("input[name=file]", str(source))
    page.screenshot(path=ARTIFACTS / "imports-1-upload.png", full_page=True)
    page.click("text=Upload and detect")

    page.wait_for_selector("#mapping-form")
    assert "separated by semicolon" in page.inner_text("#detected")
    page.select_option("select[name=col_0]", "first_name")
    page.select_option("select[name=col_3]", "organization")
    page.fill("input[name=save_as]", "Onze export")
    page.screenshot(path=ARTIFACTS / "imports-2-mapping.png", full_page=True)
    page.click("text=Preview")

    page.wait_for_selector("#confirm-import")
    assert "nothing has been written yet" in page.inner_text("#run-state")
    assert "create" in page.inner_text("#run-preview")
    page.screenshot(path=ARTIFACTS / "imports-3-preview.png", full_page=True)
    assert not Person.objects.exists()
    # The import itself waits for a worker: the page shows it waiting and polls.
    from trustfunnel.imports import views
    from trustfunnel.imports.models import ImportRun
    from trustfunnel.imports.services import execute_run

    monkeypatch.setattr(views, "_start", lambda run: None)
    page.click("#confirm-import")
    page.wait_for_selector("#run-status[hx-get]")
    assert "Waiting" in page.inner_text("#run-state")
    page.screenshot(path=ARTIFACTS / "imports-4-waiting.png", full_page=True)
    execute_run(ImportRun.objects.get(dry_run=False), actor=owner_user)

    page.wait_for_selector(".progress-bar.bg-success", timeout=10000)
    assert page.get_attribute(".progress", "aria-valuenow") == "100"
    assert "Done" in page.inner_text("#run-state")
    page.screenshot(path=ARTIFACTS / "imports-5-result.png", full_page=True)
    assert sorted(Person.objects.values_list("email", flat=True)) == ["anna@example.nl", "piet@example.nl"]
