"""In a real browser: register, miss the payment deadline (time moved by calling the
sweep with a later ``now``), see the seat released and the waiting-list offer, accept
it and check the person in on the check-in list. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.events.conftest import TEST_TEMPLATES
from tests.factories import PersonFactory, RelationshipFactory
from trustfunnel.events import services
from trustfunnel.events.models import Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(autouse=True)
def _pages_without_manifest(settings):
    dirs = settings.TEMPLATES[0]["DIRS"]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*dirs, TEST_TEMPLATES]}]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context
        context.close()
        browser.close()


def _login(context, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"events-{name}.png"), full_page=True)


def test_unpaid_seat_released_to_the_waiting_list_and_check_in(
    browser_page, live_server, workspace, owner_user
):
    now = timezone.now()
    event = services.do_save_event(workspace, actor=owner_user, fields={
        "title": "Verkooptraining: sluit de deal", "price": Decimal("295.00"), "capacity": 1,
        "location": "Utrecht", "payment_term_days": 7, "offer_hours": 48})
    session = services.do_add_session(event, actor=owner_user, starts_at=now + timedelta(days=20),
                                      ends_at=now + timedelta(days=20, hours=7))
    ronda = PersonFactory(workspace=workspace, first_name="Ronda", last_name="Registreer")
    ronda_relationship = RelationshipFactory(workspace=workspace, person=ronda, owner=owner_user)
    wim = PersonFactory(workspace=workspace, first_name="Wim", last_name="Wachtlijst")
    RelationshipFactory(workspace=workspace, person=wim, owner=owner_user)

    _login(browser_page, live_server, owner_user)
    page = browser_page.new_page()
    page.goto(f"{live_server.url}/events/{event.pk}/")
    page.select_option(f"#person-{session.pk}", str(ronda.pk))
    page.wait_for_selector(".terms-advice")  # htmx loaded the advice for Ronda
    _shot(page, "1-register-with-advice")
    page.click(".register-form button[type=submit]")
    page.wait_for_selector("text=Ronda Registreer is registered.")
    assert page.locator(".seats").get_attribute("data-free") == "0"

    page.select_option(f"#person-{session.pk}", str(wim.pk))
    page.click(".register-form button[type=submit]")
    page.wait_for_selector("text=is on the waiting list")
    _shot(page, "2-full-and-waiting")

    # Time moves past Ronda's payment deadline: the sweep releases her seat.
    registration = Registration.objects.get(person=ronda)
    result = services.sweep_payment_deadlines(now=registration.payment_due_at + timedelta(seconds=1))
    assert result.changed == 1 and result.offers == 1

    page.goto(f"{live_server.url}/events/{event.pk}/")
    released = page.locator(f"tr[data-registration='{registration.pk}']")
    assert released.get_attribute("data-status") == "cancelled"
    assert "Not paid by the deadline" in released.inner_text()
    offer = page.locator(".waiting-list .offer")
    assert "seat offered until" in offer.inner_text()
    _shot(page, "3-released-and-offered")

    # Ronda's record now holds the missed payment: prepayment next time, with the reason.
    page.goto(f"{live_server.url}/reliability/{ronda_relationship.pk}/")
    assert page.locator(".terms-advice").get_attribute("data-level") == "prepayment"
    assert "1 payment(s) not made by the due date." in page.inner_text(".terms-advice")
    _shot(page, "3b-reliability-page")
    page.goto(f"{live_server.url}/events/{event.pk}/")

    page.click(".waiting-list button:has-text('accepted')")
    page.wait_for_selector("text=The offer is accepted")
    page.goto(f"{live_server.url}/events/sessions/{session.pk}/checkin/")
    page.set_viewport_size({"width": 390, "height": 800})  # on a phone at the door
    wim_registration = Registration.objects.get(person=wim)
    row = page.locator(f"#checkin-{wim_registration.pk}")
    row.locator("button.checkin-toggle").click()
    page.wait_for_selector(f"#checkin-{wim_registration.pk} button[aria-pressed=true]")
    _shot(page, "4-checked-in-on-phone")
    wim_registration.refresh_from_db()
    assert wim_registration.status == "attended"

    # The dispute bundle for Ronda, as a printable page.
    bundle = ARTIFACTS / "events-export-ronda.html"
    call_command("evidence", "export", "--relationship", str(ronda_relationship.pk),
                 "--output", str(bundle), stdout=StringIO())
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(bundle.as_uri())
    assert "is intact" in page.inner_text("body")
    _shot(page, "5-dispute-bundle")
