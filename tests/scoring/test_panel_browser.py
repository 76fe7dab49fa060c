"""The trust panel's charts draw in a real browser (a throwaway page around the panel)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.scoring.test_panel import _render, _seed

ROOT = Path(__file__).resolve().parents[2]
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.mark.browser
def test_trust_panel_charts_draw_with_titles_and_table(relationship, record, give, owner_user, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    chart_js = ROOT / "node_modules/chart.js/dist/chart.umd.js"
    if not chromium or not chart_js.exists():
        pytest.skip("needs Debian's chromium and node_modules (make assets)")
    _seed(relationship, record, give)
    html, _ = _render(relationship, owner_user)
    html = html.replace("/static/vendor/chartjs/", f"file://{chart_js.parent}/")
    html = html.replace("/static/scoring/", f"file://{ROOT}/trustfunnel/scoring/static/scoring/")
    page_file = tmp_path / "panel.html"
    page_file.write_text(f"<!doctype html><html><head><meta charset=utf-8></head><body>{html}</body></html>")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            page.wait_for_function("document.querySelectorAll('[data-chart]').length === 3 && !!window.Chart")
            titles = page.evaluate(
                "[...document.querySelectorAll('[data-chart]')].map(c => Chart.getChart(c).options.plugins.title.text)"
            )
            rows = page.locator('[data-table="history"] tbody tr').count()
            page.screenshot(path=str(Path("/tmp") / "trust_panel.png"), full_page=True)
        finally:
            browser.close()
    assert not errors
    assert titles == ["Trust per component (%)", "Overall trust over time", "Give-and-take balance over time (above 0: they gave more)"]
    assert rows == 13
