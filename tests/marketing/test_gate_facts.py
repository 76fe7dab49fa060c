"""The gate's kept per-person facts stay equal to a rebuild from scratch.

Writes of every kind (``save()``, queryset updates, bulk inserts, deletes, a
relationship moved to another person, a retraction) are queued by the database's
triggers and taken in by the next refresh; time alone (a planned meeting that becomes
past, a promise leaving its window) expires a row. After each, the table equals what a
full rebuild computes at the same moment, and a campaign gated on it decides as the
engine does on the exact facts.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    DealFactory,
    InteractionFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)
from tests.marketing.test_gate_profiles import varied_workspace
from trustfunnel.crm.models import Deal, Relationship
from trustfunnel.marketing import gatefacts, services
from trustfunnel.marketing.models import (
    Campaign,
    Content,
    ContentVersion,
    GateDecision,
    GateFacts,
    GateFactsStale,
    Segment,
)
from trustfunnel.scoring.models import TrustState
from trustfunnel.timeline.models import Interaction

NOW = timezone.now().replace(microsecond=0)


def kept_rows() -> dict[int, dict]:
    return {row.pop("person_id"): row for row in
            GateFacts.objects.order_by("person_id").values(*gatefacts.COLUMNS[:-1])}


def rebuilt_rows(now) -> dict[int, dict]:
    """What a full rebuild at ``now`` computes, leaving the table as it was."""
    from django.db import transaction

    with transaction.atomic():
        gatefacts.refresh(now=now, full=True)
        rows = kept_rows()
        transaction.set_rollback(True)
    return rows


def assert_current(now):
    gatefacts.refresh(now=now)
    assert not GateFactsStale.objects.exists()
    assert kept_rows() == rebuilt_rows(now)


@pytest.fixture
def varied(workspace, sales_user):
    people = varied_workspace(workspace, sales_user, n=40, seed=3)
    gatefacts.refresh(now=NOW)
    return people


def test_the_first_refresh_builds_every_person_with_a_relationship(varied, workspace):
    with_relationship = set(Relationship.objects.filter(workspace=workspace)
                            .values_list("person_id", flat=True))
    assert set(kept_rows()) == with_relationship
    assert kept_rows() == rebuilt_rows(NOW)
    assert gatefacts.refresh(now=NOW).people == 0  # nothing left to do


def test_saves_queryset_updates_and_bulk_inserts_are_taken_in(varied, workspace, sales_user):
    rels = list(Relationship.objects.filter(workspace=workspace).order_by("id"))
    deal = DealFactory(workspace=workspace, relationship=rels[0], owner=sales_user,
                       stage="lead", value=1000)
    deal.stage = "negotiation"
    deal.save()
    Deal.objects.filter(relationship=rels[1]).update(stage="won")
    Interaction.objects.bulk_create([
        Interaction(workspace=workspace, relationship=rel, kind="meeting",
                    occurred_at=NOW - timedelta(days=2), subject="Visit")
        for rel in rels[2:6]
    ])
    SignalFactory(relationship=rels[6], kind="complaint", actor="them",
                  occurred_at=NOW - timedelta(days=1))
    TrustState.objects.update_or_create(relationship=rels[7], defaults={
        "workspace": workspace, "ours_label": "fragile", "theirs_label": "unknown"})
    assert GateFactsStale.objects.exists()
    assert_current(NOW)
    assert GateFacts.objects.get(person_id=rels[0].person_id).stage == 5  # negotiation
    assert GateFacts.objects.get(person_id=rels[6].person_id).last_breach_at is not None


def test_deletes_moves_and_retractions_are_taken_in(varied, workspace, sales_user):
    rels = list(Relationship.objects.filter(workspace=workspace).order_by("id"))
    complaint = SignalFactory(relationship=rels[0], kind="complaint", actor="them",
                              occurred_at=NOW - timedelta(days=3))
    gatefacts.refresh(now=NOW)
    assert GateFacts.objects.get(person_id=rels[0].person_id).last_breach_at is not None
    # A retraction is a new signal pointing at the one it withdraws.
    SignalFactory(relationship=rels[0], kind="complaint", actor="them", retracts=complaint,
                  occurred_at=NOW - timedelta(days=2))
    Interaction.objects.filter(relationship=rels[1]).delete()
    Deal.objects.filter(relationship=rels[2]).delete()
    newcomer = PersonFactory(workspace=workspace)
    moved_from = rels[3].person_id
    Relationship.objects.filter(pk=rels[3].pk).update(person=newcomer)
    gone = rels[4].person_id
    Relationship.objects.filter(person_id=gone).delete()
    assert_current(NOW)
    assert GateFacts.objects.filter(person_id=newcomer.pk).exists()
    assert not GateFacts.objects.filter(person_id=gone).exists()
    if not Relationship.objects.filter(person_id=moved_from).exists():
        assert not GateFacts.objects.filter(person_id=moved_from).exists()


def test_writes_the_gate_does_not_read_queue_nothing(varied, workspace):
    GateFactsStale.objects.all().delete()
    Deal.objects.filter(workspace=workspace).update(title="Renamed")
    Interaction.objects.filter(workspace=workspace).update(subject="Renamed")
    Relationship.objects.filter(workspace=workspace).update(private_notes="Quiet")
    assert not GateFactsStale.objects.exists()


def test_time_alone_expires_planned_meetings_and_promises(workspace, sales_user):
    person = PersonFactory(workspace=workspace)
    rel = RelationshipFactory(workspace=workspace, owner=sales_user, person=person)
    InteractionFactory(relationship=rel, kind="meeting", occurred_at=NOW + timedelta(days=2))
    SignalFactory(relationship=rel, kind="promise_made", actor="us",
                  occurred_at=NOW - timedelta(days=170))
    gatefacts.refresh(now=NOW)
    row = GateFacts.objects.get(person_id=person.pk)
    assert row.meeting_planned and row.open_promises == 1 and row.last_personal_at is None
    assert row.valid_until == NOW + timedelta(days=2)

    later = NOW + timedelta(days=3)  # the meeting took place; no write since
    assert gatefacts.refresh(now=later).people == 1
    row = GateFacts.objects.get(person_id=person.pk)
    assert not row.meeting_planned and row.last_personal_at == NOW + timedelta(days=2)
    assert row.open_promises == 1
    assert kept_rows() == rebuilt_rows(later)

    much_later = NOW + timedelta(days=11)  # the promise has left its 180-day window
    assert gatefacts.refresh(now=much_later).people == 1
    assert GateFacts.objects.get(person_id=person.pk).open_promises == 0
    assert kept_rows() == rebuilt_rows(much_later)


def test_a_campaign_gated_after_changes_decides_on_the_current_facts(
    varied, workspace, sales_user
):
    content = Content.objects.create(workspace=workspace, kind="newsletter", title="News",
                                     target_stages=["lead", "first_contact", "needs_explored"])
    ContentVersion.objects.create(workspace=workspace, content=content, language="en",
                                  subject="s", body="b")
    campaign = Campaign.objects.create(
        workspace=workspace, name="Spring", content=content, planned_at=NOW,
        segment=Segment.objects.create(workspace=workspace, name="All", filters={}))
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    rel = Relationship.objects.filter(workspace=workspace).order_by("id").first()
    # A move to negotiation between two runs: the second run must know it.
    DealFactory(workspace=workspace, relationship=rel, owner=sales_user, stage="negotiation",
                value=1000)
    campaign.refresh_from_db()
    services.do_gate_campaign(campaign, actor=None, now=NOW)

    table, _languages, exact = services.evaluate(campaign, now=NOW)
    stored = {d.person_id: d for d in GateDecision.objects.filter(campaign=campaign)}
    for i, person_id in enumerate(table.person_ids.tolist()):
        assert stored[person_id].decision == int(exact.decisions[i]), person_id
        assert stored[person_id].rule_bits == int(exact.rule_bits[i]), person_id
    assert stored[rel.person_id].decision == 1  # PERSONAL: negotiation


def test_the_command_refreshes(varied, workspace, capsys):
    from django.core.management import call_command

    InteractionFactory(relationship=Relationship.objects.filter(workspace=workspace).first(),
                       kind="phone", occurred_at=timezone.now())
    call_command("gatefacts")
    assert "recomputed 1 changed people" in capsys.readouterr().out
    call_command("gatefacts", "--full")
    assert "full rebuild" in capsys.readouterr().out
