"""The gate on real rows: each rule, tasks for owners, sending, unsubscribing, withdrawal."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    DealFactory,
    InteractionFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)
from trustfunnel.core.gate import Decision
from trustfunnel.crm import services as crm_services
from trustfunnel.marketing import services
from trustfunnel.marketing.models import (
    AutomatedSend,
    Campaign,
    Content,
    ContentVersion,
    DecisionStatus,
    GateDecision,
    PersonalTask,
    Segment,
)
from trustfunnel.marketing.sending import do_send_campaign
from trustfunnel.timeline import services as timeline_services
from trustfunnel.timeline.models import Interaction, Signal

NOW = timezone.now()


@pytest.fixture
def newsletter(workspace):
    content = Content.objects.create(
        workspace=workspace, kind="newsletter", title="Leading across borders",
        topics=["leadership"], target_stages=["lead", "first_contact", "needs_explored"],
        point="Trust takes longer with German buyers; plan for it.",
    )
    for lang, subject in [("en", "Leading across borders"), ("nl", "Leiding over de grens")]:
        ContentVersion.objects.create(workspace=workspace, content=content, language=lang,
                                      subject=subject, body="...")
    return content


@pytest.fixture
def everyone(workspace):
    return Segment.objects.create(workspace=workspace, name="Everyone", filters={})


def prospect(workspace, owner, *, stage="lead", consent=True, **person):
    person = PersonFactory(workspace=workspace, marketing_consent=consent, **person)
    rel = RelationshipFactory(workspace=workspace, owner=owner, person=person, kind="prospect")
    if stage:
        DealFactory(workspace=workspace, relationship=rel, stage=stage, value=8000, owner=owner)
    return person, rel


def campaign_for(workspace, content, segment):
    return Campaign.objects.create(workspace=workspace, name="November", content=content,
                                   segment=segment, planned_at=NOW)


def decision_of(campaign, person):
    return GateDecision.objects.get(campaign=campaign, person=person)


def test_a_prospect_in_negotiation_never_gets_the_newsletter_but_the_owner_gets_a_task(
    workspace, sales_user, newsletter, everyone
):
    person, rel = prospect(workspace, sales_user, stage="negotiation")
    InteractionFactory(relationship=rel, kind="meeting", occurred_at=NOW - timedelta(days=40),
                       subject="Proposal walk-through")
    campaign = campaign_for(workspace, newsletter, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).decision == Decision.PERSONAL
    task = PersonalTask.objects.get(campaign=campaign, person=person)
    assert task.owner == sales_user
    # Looked up when the task is shown.
    [task] = services.with_last_personal([task])
    assert task.last_personal_interaction.subject == "Proposal walk-through"
    sent = do_send_campaign(campaign, actor=None, now=NOW)
    assert sent == 0 and mail.outbox == []


def test_an_early_prospect_with_consent_is_mailed_with_an_unsubscribe_link(
    workspace, sales_user, newsletter, everyone
):
    person, rel = prospect(workspace, sales_user, stage="lead", language="nl")
    campaign = campaign_for(workspace, newsletter, everyone)
    assert do_send_campaign(campaign, actor=None, now=NOW) == 1
    message = mail.outbox[0]
    assert message.subject == "Leiding over de grens"  # the person's language
    assert "/m/u/" in message.body and message.extra_headers["List-Unsubscribe"]
    assert AutomatedSend.objects.filter(person=person).count() == 1
    assert Interaction.objects.filter(relationship=rel, kind="automated_email").count() == 1
    assert Signal.objects.filter(relationship=rel, kind="automated_send", actor="us").count() == 1
    from trustfunnel.scoring.models import TrustState

    assert TrustState.objects.filter(relationship=rel).exists()  # folded set-based
    assert decision_of(campaign, person).status == DecisionStatus.SENT


def test_without_consent_a_person_is_suppressed_whatever_else_is_true(
    workspace, sales_user, newsletter, everyone
):
    person, rel = prospect(workspace, sales_user, stage="negotiation", consent=False,
                           decision_authority="decision_maker")
    campaign = campaign_for(workspace, newsletter, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    decision = decision_of(campaign, person)
    assert decision.decision == Decision.SUPPRESS
    assert not PersonalTask.objects.filter(person=person).exists()


def test_the_frequency_cap_stops_a_third_mail_in_two_weeks(
    workspace, sales_user, newsletter, everyone
):
    person, _ = prospect(workspace, sales_user)
    for days in (3, 10):
        AutomatedSend.objects.create(workspace=workspace, person=person,
                                     sent_at=NOW - timedelta(days=days))
    campaign = campaign_for(workspace, newsletter, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).decision == Decision.SUPPRESS
    AutomatedSend.objects.filter(person=person).update(sent_at=NOW - timedelta(days=20))
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).decision == Decision.SEND


def test_a_recent_complaint_suppresses_and_its_retraction_lifts_it(
    workspace, sales_user, newsletter, everyone
):
    person, rel = prospect(workspace, sales_user)
    complaint = SignalFactory(relationship=rel, kind="complaint", actor="them",
                              occurred_at=NOW - timedelta(days=5))
    campaign = campaign_for(workspace, newsletter, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).decision == Decision.SUPPRESS
    timeline_services.do_retract_signal(complaint, actor=None, reason="logged on wrong client")
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).decision == Decision.SEND


def test_an_active_conversation_or_planned_meeting_asks_for_a_personal_word(
    workspace, sales_user, newsletter, everyone
):
    talking, rel1 = prospect(workspace, sales_user)
    InteractionFactory(relationship=rel1, kind="phone", occurred_at=NOW - timedelta(days=2))
    meeting, rel2 = prospect(workspace, sales_user)
    InteractionFactory(relationship=rel2, kind="meeting", occurred_at=NOW + timedelta(days=5))
    campaign = campaign_for(workspace, newsletter, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, talking).decision == Decision.PERSONAL
    assert decision_of(campaign, meeting).decision == Decision.PERSONAL


def test_an_open_promise_asks_for_a_personal_word_until_it_is_kept(
    workspace, sales_user, newsletter, everyone
):
    person, rel = prospect(workspace, sales_user)
    SignalFactory(relationship=rel, kind="promise_made", actor="us",
                  occurred_at=NOW - timedelta(days=4))
    campaign = campaign_for(workspace, newsletter, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).decision == Decision.PERSONAL
    SignalFactory(relationship=rel, kind="promise_kept", actor="us",
                  occurred_at=NOW - timedelta(days=1))
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).decision == Decision.SEND


def test_content_without_a_version_in_their_language_or_english_is_suppressed(
    workspace, sales_user, everyone
):
    content = Content.objects.create(workspace=workspace, kind="white_paper", title="Nur deutsch")
    ContentVersion.objects.create(workspace=workspace, content=content, language="de",
                                  subject="Nur deutsch", body="...")
    dutch, _ = prospect(workspace, sales_user, language="nl")
    german, _ = prospect(workspace, sales_user, language="de")
    campaign = campaign_for(workspace, content, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, dutch).decision == Decision.SUPPRESS
    assert decision_of(campaign, german).decision == Decision.SEND


def test_a_reply_withdraws_pending_sends(workspace, sales_user, newsletter, everyone):
    person, rel = prospect(workspace, sales_user)
    campaign = campaign_for(workspace, newsletter, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).status == DecisionStatus.PENDING
    timeline_services.do_log_interaction(rel, actor=sales_user, kind="email",
                                         direction="inbound", occurred_at=NOW,
                                         subject="Re: our talk")
    assert decision_of(campaign, person).status == DecisionStatus.WITHDRAWN


def test_moving_to_an_advanced_stage_withdraws_pending_sends(
    workspace, sales_user, newsletter, everyone
):
    person, rel = prospect(workspace, sales_user, stage=None)
    deal = DealFactory(workspace=workspace, relationship=rel, stage="needs_explored",
                       owner=sales_user)
    campaign = campaign_for(workspace, newsletter, everyone)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert decision_of(campaign, person).status == DecisionStatus.PENDING
    crm_services.do_save_deal(workspace, actor=sales_user, fields={"stage": "proposal"},
                              instance=deal)
    assert decision_of(campaign, person).status == DecisionStatus.WITHDRAWN


def test_a_reply_after_an_automated_mail_is_evidence(workspace, sales_user, newsletter, everyone):
    person, rel = prospect(workspace, sales_user)
    do_send_campaign(campaign_for(workspace, newsletter, everyone), actor=None, now=NOW)
    timeline_services.do_log_interaction(rel, actor=sales_user, kind="email",
                                         direction="inbound", occurred_at=timezone.now(),
                                         subject="Re: Leading across borders")
    assert Signal.objects.filter(relationship=rel, kind="reply", actor="them").exists()


def test_the_unsubscribe_link_works_without_login_and_is_idempotent(client, workspace, sales_user):
    person, _ = prospect(workspace, sales_user)
    url = reverse("marketing:unsubscribe", args=[services.unsubscribe_token(person)])
    page = client.get(url)
    assert page.status_code == 200 and b"confirm-unsubscribe" in page.content
    for _ in range(2):
        response = client.post(url)
        assert response.status_code == 200
    person.refresh_from_db()
    assert person.marketing_consent is False
    assert person.suppressions.count() == 1


def test_a_forged_unsubscribe_link_is_refused(client):
    response = client.post(reverse("marketing:unsubscribe", args=["forged-token"]))
    assert response.status_code == 404


def test_the_segment_count_follows_its_filters(workspace, sales_user):
    from trustfunnel.marketing.segments import segment_people

    prospect(workspace, sales_user, stage="proposal", country="DE")
    prospect(workspace, sales_user, stage="lead", country="NL")
    prospect(workspace, sales_user, stage="lead", country="NL", consent=False)
    assert segment_people(workspace, {"countries": ["DE"]}, now=NOW).count() == 1
    assert segment_people(workspace, {"stages": ["lead"], "consent_only": True}, now=NOW).count() == 1
