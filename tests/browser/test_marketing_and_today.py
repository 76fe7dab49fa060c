"""Acceptance of the gate and of an account manager's day, in Debian's Chromium.

- Marketing creates a segment and a campaign, reviews the gate's split and sends; the
  salesperson sees the PERSONAL task on the start page.
- The account manager works the Today list (done, snooze), opens a meeting sheet, moves
  a deal on the pipeline board and sees the weighted total change.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS
from tests.factories import (
    DealFactory,
    InteractionFactory,
    MembershipFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
    UserFactory,
    WorkspaceFactory,
)
from trustfunnel.marketing.models import Content, ContentVersion, PersonalTask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def firm():
    workspace = WorkspaceFactory(name="Kompas", slug="kompas-browser")
    sales = UserFactory(username="sanne", first_name="Sanne")
    marketing = UserFactory(username="mila", first_name="Mila")
    MembershipFactory(workspace=workspace, user=sales, role="sales")
    MembershipFactory(workspace=workspace, user=marketing, role="marketing")
    early = PersonFactory(workspace=workspace, first_name="Eva", last_name="Early",
                          marketing_consent=True, language="en")
    RelationshipFactory(workspace=workspace, owner=sales, person=early, kind="prospect")
    late = PersonFactory(workspace=workspace, first_name="Nico", last_name="Negotiating",
                         marketing_consent=True, language="en")
    rel = RelationshipFactory(workspace=workspace, owner=sales, person=late, kind="prospect")
    DealFactory(workspace=workspace, relationship=rel, owner=sales, stage="negotiation",
                value=40000, title="Leadership programme")
    content = Content.objects.create(
        workspace=workspace, kind="newsletter", title="Leading across borders",
        target_stages=["lead", "first_contact", "needs_explored"],
        point="German buyers need more time; plan for it.")
    ContentVersion.objects.create(workspace=workspace, content=content, language="en",
                                  subject="Leading across borders", body="Our November letter.")
    return workspace, sales, marketing, rel


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_marketing_reviews_the_gate_and_sales_gets_the_personal_task(
    live_server, browser_page, firm, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    workspace, sales, marketing, rel = firm
    page = browser_page
    _login(page, live_server.url, "mila")
    page.goto(f"{live_server.url}/marketing/segments/")
    page.fill("#id_name", "Everyone who agreed")
    page.wait_for_selector("#segment-count:has-text('2')")  # the live count
    page.click("form#segment-form button.btn-primary")
    page.wait_for_selector("text=Everyone who agreed")

    page.goto(f"{live_server.url}/marketing/campaigns/")
    page.fill("#id_name", "November letter")
    page.select_option("#id_content", label="Leading across borders")
    page.select_option("#id_segment", label="Everyone who agreed")
    page.fill("#id_planned_at", (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("form button.btn-primary")
    page.click("#run-gate")
    split = page.locator("#gate-split")
    split.wait_for()
    assert split.locator("[data-decision=send]").inner_text() == "1"
    assert split.locator("[data-decision=personal]").inner_text() == "1"
    assert "Advanced stage" in split.inner_text()
    page.screenshot(path=ARTIFACTS / "gate-review.png", full_page=True)
    page.click("#send-campaign")
    page.wait_for_selector(".alert, [role=alert], .tf-messages", state="attached")
    (sent,) = mail.outbox  # only the early prospect got the automated mail
    assert sent.subject == "Leading across borders" and "Nico" not in sent.to[0]
    assert PersonalTask.objects.filter(owner=sales, person=rel.person).exists()

    page.context.clear_cookies()
    _login(page, live_server.url, "sanne")
    page.goto(f"{live_server.url}/")
    today = page.locator("#today-list")
    today.wait_for()
    assert "Write to Nico Negotiating personally" in today.inner_text()
    page.screenshot(path=ARTIFACTS / "today-personal-task.png", full_page=True)


def test_a_day_of_an_account_manager(live_server, browser_page, firm):
    workspace, sales, _, rel = firm
    now = timezone.now()
    SignalFactory(relationship=rel, kind="promise_made", actor="us",
                  occurred_at=now - timedelta(days=13), note="send the programme outline")
    InteractionFactory(relationship=rel, kind="meeting", subject="Programme review",
                       occurred_at=now.replace(hour=23, minute=0) if now.hour < 23 else now)
    for i in range(12):
        closed = RelationshipFactory(workspace=workspace, owner=sales)
        DealFactory(workspace=workspace, relationship=closed, owner=sales, value=1000,
                    stage="won" if i % 2 else "lost",
                    first_contact_at=(now - timedelta(days=60)).date(), closed_at=now.date())
    page = browser_page
    _login(page, live_server.url, "sanne")
    today = page.locator("#today-list")
    today.wait_for()
    text = today.inner_text()
    assert "Keep our promise" in text and "Priority" in text
    page.screenshot(path=ARTIFACTS / "today.png", full_page=True)

    items = page.locator("#today-list > li")
    before = items.count()
    items.first.locator("button[value=done]").click()
    page.wait_for_function(f"document.querySelectorAll('#today-list > li').length < {before}")
    snooze = page.locator("#today-list > li").first
    snooze.locator("button[value=snoozed]").click()
    page.wait_for_function(f"document.querySelectorAll('#today-list > li').length < {before - 1}")

    page.goto(f"{live_server.url}/relationships/{rel.pk}/meeting-sheet/")
    assert "Talking points" in page.inner_text("main")
    page.emulate_media(media="print")
    page.screenshot(path=ARTIFACTS / "meeting-sheet-print.png", full_page=True)
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/pipeline/")
    weighted = page.locator("[data-weighted=negotiation]")
    assert weighted.inner_text() != "0"
    card = page.locator(".tf-card[data-deal]").first
    card.locator("select[name=stage]").select_option("proposal")
    card.locator("button:has-text('Move')").click()
    page.wait_for_load_state()
    assert page.locator("[data-weighted=negotiation]").inner_text() == "0"
    assert page.locator("[data-weighted=proposal]").inner_text() != "0"
    page.screenshot(path=ARTIFACTS / "pipeline.png", full_page=True)


def test_the_relationship_page_draws_the_trust_charts_both_ways(live_server, browser_page, firm):
    workspace, sales, _, rel = firm
    from trustfunnel.timeline import services as timeline

    now = timezone.now()
    for days, kind, side in [(40, "promise_kept", "them"), (30, "care_shown", "us"),
                             (20, "competence_shown", "us"), (10, "no_show", "them")]:
        timeline.do_record_signal(rel, actor=sales, kind=kind, actor_side=side,
                                  occurred_at=now - timedelta(days=days))
    page = browser_page
    _login(page, live_server.url, "sanne")
    page.goto(f"{live_server.url}/relationships/{rel.pk}/")
    page.wait_for_function(
        "document.querySelectorAll('[data-chart]').length === 3 && !!window.Chart"
        " && [...document.querySelectorAll('[data-chart]')].every(c => Chart.getChart(c))")
    titles = page.evaluate(
        "[...document.querySelectorAll('[data-chart]')]"
        ".map(c => Chart.getChart(c).options.plugins.title.text)")
    assert titles[0] == "Trust per component (%)"
    radar = page.evaluate(
        "Chart.getChart(document.querySelector('[data-chart]')).data.datasets.map(d => d.label)")
    assert len(radar) == 2  # their trust in us next to ours in them
    page.screenshot(path=ARTIFACTS / "relationship-trust-charts.png", full_page=True)
