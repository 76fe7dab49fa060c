"""The country comparison chart renders in a real browser (Debian's Chromium)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from tests.culture.helpers import deal_in, relationship_in

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture
def logged_in_cookie(transactional_db, workspace, sales_user):
    today = timezone.localdate()
    rel = relationship_in(workspace, "DE", owner=sales_user)
    for i in range(12):
        start = today - timedelta(days=150 + i)
        if i % 3:
            deal_in(workspace, rel, stage="won", first_contact=start, closed=start + timedelta(days=40 + 4 * i))
        else:
            deal_in(workspace, rel, stage="proposal", first_contact=today - timedelta(days=20 + i))
    client = Client()
    client.force_login(sales_user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def test_comparison_chart_for_nl_de_ua_renders(live_server, logged_in_cookie, monkeypatch):
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server's thread, this test only
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        context.add_cookies([{
            "name": django_settings.SESSION_COOKIE_NAME, "value": logged_in_cookie,
            "url": live_server.url,
        }])  # fmt: skip
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/countries/DE/?compare=UA")
        page.wait_for_selector("#dimension-chart[data-rendered='1']", timeout=10_000)
        page.wait_for_selector("#survival-chart[data-rendered='1']", timeout=10_000)
        chart = page.evaluate(
            "() => { const c = Chart.getChart('dimension-chart');"
            " return {labels: c.data.datasets.map(d => d.label), w: c.width, h: c.height}; }"
        )
        # Something was drawn: the canvas is not blank.
        painted = page.evaluate(
            "() => { const c = document.getElementById('dimension-chart');"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }"
        )
        page.screenshot(path="/tmp/culture-country-de.png", full_page=True)
        page.goto(f"{live_server.url}/countries/pipeline/")
        pipeline_rows = page.locator("table tbody tr").count()
        page.screenshot(path="/tmp/culture-pipeline.png", full_page=True)
        page.goto(f"{live_server.url}/countries/")
        page.screenshot(path="/tmp/culture-index.png", full_page=False)
        page.set_viewport_size({"width": 390, "height": 900})  # a phone
        page.goto(f"{live_server.url}/countries/NL/?compare=DE,UA")
        page.wait_for_selector("#dimension-chart[data-rendered='1']", timeout=10_000)
        page.screenshot(path="/tmp/culture-country-nl-phone.png", full_page=False)
        browser.close()
    assert errors == []
    assert pipeline_rows == 1  # Germany, with its open deals
    assert [label[-3:-1] for label in chart["labels"]] == ["NL", "DE", "UA"]
    assert chart["w"] > 300 and chart["h"] > 200
    assert painted > 1000
