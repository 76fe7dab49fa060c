"""Acceptance: log in, open a relationship, log a signal, see it, switch to Dutch."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.factories import (
    InteractionFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
    UserFactory,
    WorkspaceFactory,
)
from trustfunnel.timeline.models import Signal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def account():
    workspace = WorkspaceFactory(name="Hoetmer Training", slug="hoetmer-browser")
    user = UserFactory(username="sanne", first_name="Sanne", last_name="de Boer")
    MembershipFactory(workspace=workspace, user=user, role="sales")
    org = OrganizationFactory(workspace=workspace, name="Noordkust Logistiek B.V.")
    person = PersonFactory(workspace=workspace, organization=org, first_name="Anouk",
                           last_name="Visser", job_title="HR-manager")
    rel = RelationshipFactory(workspace=workspace, owner=user, person=person, organization=org)
    InteractionFactory(relationship=rel, subject="Kick-off in Zwolle", kind="meeting")
    return user, rel


def test_log_signal_without_reload_then_switch_to_dutch(live_server, browser_page, account):
    user, rel = account
    page = browser_page
    page.goto(f"{live_server.url}/relationships/{rel.pk}/")
    assert "/accounts/login/" in page.url  # login required
    page.screenshot(path=ARTIFACTS / "login.png")
    page.fill("#id_username", "sanne")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/relationships/{rel.pk}/")
    assert "Anouk Visser" in page.inner_text("h1")

    # Mark the document: a full reload would lose this property.
    page.evaluate("window.__noReload = true")
    page.select_option("#id_signal-kind", "promise_kept")
    page.select_option("#id_signal-actor", "them")
    page.fill("#id_signal-note", "Sent the signed agreement a day early")
    page.click("#log-form-signal button[type=submit]")
    entry = page.locator("#timeline-entries .tf-entry-signal").first
    entry.wait_for()
    assert "Promise kept" in entry.inner_text()
    assert "Sent the signed agreement a day early" in entry.inner_text()
    assert page.evaluate("window.__noReload") is True
    assert page.input_value("#id_signal-note") == ""  # the form was reset
    assert Signal.objects.filter(relationship=rel, kind="promise_kept").count() == 1
    page.screenshot(path=ARTIFACTS / "relationship-en.png", full_page=True)

    # A signal too far in the future: the error names the field, nothing is written.
    page.fill("#id_signal-occurred_at", "2999-01-01T10:00")
    page.click("#log-form-signal button[type=submit]")
    error = page.locator("#log-form-signal [data-field=occurred_at]")
    error.wait_for()
    assert "future" in error.inner_text()
    assert Signal.objects.filter(relationship=rel).count() == 1

    # A wrong signal is corrected by retracting it: it stays, marked, and a retraction is added.
    first_signal = page.locator("#timeline-entries .tf-entry-signal").first
    first_signal.locator("summary").click()
    first_signal.locator("input[name$=reason]").fill("Logged on the wrong client")
    first_signal.locator("button[type=submit]").click()
    page.locator("#timeline-entries .tf-retracted").wait_for()
    assert Signal.objects.filter(relationship=rel, kind="retraction").count() == 1
    page.screenshot(path=ARTIFACTS / "relationship-retracted.png", full_page=True)

    # An exchange with a negative value, in the Exchange tab: rejected on the field.
    page.click("#log-tab-exchange")
    page.select_option("#id_exchange-kind", "advice")
    page.fill("#id_exchange-value", "-50")
    page.click("#log-form-exchange button[type=submit]")
    value_error = page.locator("#log-form-exchange [data-field=value]")
    value_error.wait_for()
    assert "cannot be negative" in value_error.inner_text()
    page.fill("#id_exchange-value", "250")
    page.fill("#id_exchange-description", "Free seat at the masterclass")
    page.click("#log-form-exchange button[type=submit]")
    page.locator("#timeline-entries .tf-entry-exchange").first.wait_for()
    assert "Free seat at the masterclass" in page.inner_text("#timeline-entries")
    assert page.evaluate("window.__noReload") is True

    page.click("[data-testid=language-nl]")
    page.wait_for_load_state()
    page.locator("html[lang=nl]").wait_for()
    assert "Tijdlijn" in page.inner_text("main")
    assert "Belofte nagekomen" in page.inner_text("#timeline-entries")
    assert "Signaal vastleggen" in page.inner_text("#log-form-signal")
    page.screenshot(path=ARTIFACTS / "relationship-nl.png", full_page=True)

    # Printed as a meeting sheet: no navigation, no forms.
    page.emulate_media(media="print")
    assert page.is_hidden("#tf-sidebar") and page.is_hidden("#log-form-signal")
    assert page.is_visible("#timeline-entries")
    page.screenshot(path=ARTIFACTS / "relationship-print.png", full_page=True)


def test_lists_and_phone_layout(live_server, browser_page, account):
    user, rel = account
    for i in range(30):
        SignalFactory(relationship=rel, kind="reply", note=f"reply {i}")
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sanne")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.screenshot(path=ARTIFACTS / "home.png", full_page=True)
    for name in ("organizations", "people", "relationships", "deals"):
        page.goto(f"{live_server.url}/{name}/")
        page.screenshot(path=ARTIFACTS / f"list-{name}.png", full_page=True)
    page.goto(f"{live_server.url}/organizations/new/")
    page.fill("#id_name", "Brugge Consult")
    page.select_option("#id_country", "BE")
    page.fill("#id_vat_number", "NL123")
    page.click("main form button[type=submit]")
    page.locator("#id_vat_number_errors").wait_for()
    assert page.get_attribute("#id_vat_number", "aria-invalid") == "true"
    page.screenshot(path=ARTIFACTS / "organization-form-error.png", full_page=True)
    page.goto(f"{live_server.url}/organizations/{rel.organization_id}/")
    page.screenshot(path=ARTIFACTS / "organization-detail.png", full_page=True)
    # "Show older entries" loads the next page of the timeline in place.
    page.goto(f"{live_server.url}/relationships/{rel.pk}/")
    assert page.locator("#timeline-entries .tf-entry").count() == 20
    page.click("#timeline-more button")
    page.wait_for_function(
        "document.querySelectorAll('#timeline-entries .tf-entry').length === 31")
    assert page.locator("#timeline-more").count() == 0
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/relationships/{rel.pk}/")
    page.screenshot(path=ARTIFACTS / "relationship-phone.png", full_page=True)
    # Usable on a phone: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click("[aria-controls=tf-sidebar]")
    page.locator("#tf-sidebar a[href='/people/']").click()
    page.wait_for_url("**/people/")
