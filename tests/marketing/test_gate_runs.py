"""Gate runs: each run writes its rows under its own number and the campaign points at
the current one. On PostgreSQL a large segment is written in two halves on connections
of their own, committed before the run is current: those rows must equal the one
statement's, and a run that never became current must stay invisible (decisions,
personal tasks on Today and in the API, withdrawals, sending) until the next run deletes
it."""

import pytest
from django.db import connection, transaction

from tests.marketing.test_gate_profiles import (
    NOW,
    newsletter_in,
    some_fragile,
    varied_workspace,
)
from trustfunnel.core.gate import Decision
from trustfunnel.marketing import gating, services
from trustfunnel.marketing.models import (
    Campaign,
    DecisionStatus,
    GateDecision,
    GateProfile,
    PersonalTask,
    Segment,
)
from trustfunnel.today.sources import personal_tasks

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the halves are PostgreSQL's")


def new_campaign(workspace, content, name="November"):
    return Campaign.objects.create(
        workspace=workspace, name=name, content=content, planned_at=NOW,
        segment=Segment.objects.create(workspace=workspace, name="All", filters={}))


def decisions(campaign):
    return {row[0]: row[1:] for row in GateDecision.objects.current(campaign).values_list(
        "person_id", "relationship_id", "decision", "rule_bits", "status", "language")}


def tasks(campaign):
    return {row[0]: row[1:] for row in PersonalTask.objects.visible(campaign.workspace_id).filter(
        campaign=campaign).values_list("person_id", "owner_id", "relationship_id",
                                       "content_id", "rule_bits", "status")}


def profiles(campaign):
    return sorted(GateProfile.objects.filter(campaign=campaign).values_list(
        "profile", "decision", "rule_bits", "recipients"))


class Boom(Exception):
    pass


@pytest.fixture
def in_halves(monkeypatch):
    """Every segment is written in halves (when the transaction has written nothing)."""
    monkeypatch.setattr(gating, "HALVES_FROM", 0)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_halves_write_what_the_one_statement_writes(
    workspace, sales_user, monkeypatch
):
    people = varied_workspace(workspace, sales_user, n=80, seed=11)
    some_fragile(workspace)
    content = newsletter_in(workspace)
    one, halves = new_campaign(workspace, content), new_campaign(workspace, content, "Halves")
    written = []
    real = gating._gate_in_halves
    monkeypatch.setattr(gating, "_gate_in_halves",
                        lambda *a, **kw: written.append(kw["run"]) or real(*a, **kw))

    monkeypatch.setattr(gating, "HALVES_FROM", None)
    counts_one = services.do_gate_campaign(one, actor=None, now=NOW)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_person")
    monkeypatch.setattr(gating, "HALVES_FROM", 50)  # the planner now expects 80 people
    with transaction.atomic():
        counts_halves = services.do_gate_campaign(halves, actor=None, now=NOW)

    assert written == [1]  # the halves path ran (and the one-statement path before it)
    assert counts_halves == counts_one
    assert len(decisions(halves)) == len(people)
    assert decisions(halves) == decisions(one)
    assert tasks(halves).keys() == tasks(one).keys() and tasks(one)
    assert {p: t[:2] + t[3:] for p, t in tasks(halves).items()} == {
        p: t[:2] + t[3:] for p, t in tasks(one).items()}  # the content is the same
    assert profiles(halves) == [p for p in profiles(one)]
    assert Campaign.objects.get(pk=halves.pk).gate_run == 1

    # Gating again in halves replaces the decisions (no rows of the first run are
    # left) and keeps one task per person.
    task_ids = set(PersonalTask.objects.filter(campaign=halves).values_list("id", flat=True))
    with transaction.atomic():
        services.do_gate_campaign(halves, actor=None, now=NOW)
    assert written == [1, 2]
    assert Campaign.objects.get(pk=halves.pk).gate_run == 2
    assert set(GateDecision.objects.filter(campaign=halves).values_list("run", flat=True)) == {2}
    assert decisions(halves) == decisions(one)
    assert set(PersonalTask.objects.filter(campaign=halves).values_list("id", flat=True)) == task_ids


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_run_that_fails_after_its_halves_committed_stays_invisible(
    workspace, sales_user, in_halves, monkeypatch
):
    varied_workspace(workspace, sales_user, n=60, seed=12)
    campaign = new_campaign(workspace, newsletter_in(workspace))
    real_make_current = gating._make_current

    def fail(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(gating, "_make_current", fail)
    with pytest.raises(Boom), transaction.atomic():
        services.do_gate_campaign(campaign, actor=None, now=NOW)

    # The halves committed their rows under run 1, but the campaign never pointed at it.
    campaign.refresh_from_db()
    assert campaign.gate_run == 0
    assert GateDecision.objects.filter(campaign=campaign, run=1).exists()
    written = PersonalTask.objects.filter(campaign=campaign, run=1)
    assert written.exists()
    assert not GateDecision.objects.current(campaign).exists()
    assert not PersonalTask.objects.visible(campaign.workspace_id).filter(campaign=campaign).exists()
    assert personal_tasks(workspace, sales_user, NOW) == []
    assert list(services.open_tasks_for(sales_user, workspace)) == []
    pending = list(GateDecision.objects.filter(campaign=campaign, run=1,
                                               status=DecisionStatus.PENDING)
                   .values_list("person_id", flat=True))
    assert pending
    assert services.do_withdraw_pending_sends(pending, workspace_id=workspace.pk,
                                              reason="reply") == 0

    # The next run deletes the unfinished one's rows and writes its own, once.
    monkeypatch.setattr(gating, "_make_current", real_make_current)
    with transaction.atomic():
        services.do_gate_campaign(campaign, actor=None, now=NOW)
    campaign.refresh_from_db()
    assert campaign.gate_run == 1
    assert set(GateDecision.objects.filter(campaign=campaign).values_list("run", flat=True)) == {1}
    assert GateDecision.objects.filter(campaign=campaign).count() == 60
    shown = PersonalTask.objects.visible(campaign.workspace_id).filter(campaign=campaign)
    assert shown.count() == PersonalTask.objects.filter(campaign=campaign).count() > 0
    assert len(personal_tasks(workspace, sales_user, NOW)) == shown.count()


@postgres_only
def test_a_transaction_that_has_written_gates_in_one_statement(
    workspace, sales_user, in_halves, monkeypatch
):
    """Connections of their own cannot see the caller's uncommitted rows (here: the
    test's), so the halves are not taken then."""
    varied_workspace(workspace, sales_user, n=20, seed=13)
    campaign = new_campaign(workspace, newsletter_in(workspace))

    def fail(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(gating, "_gate_in_halves", fail)
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert GateDecision.objects.current(campaign).count() == 20


def test_rows_of_an_unfinished_run_are_never_shown_and_the_next_run_deletes_them(
    workspace, sales_user
):
    """As a run whose helper connections committed and whose own transaction then
    failed leaves them (written here by hand, on every database)."""
    people = varied_workspace(workspace, sales_user, n=30, seed=14)
    campaign = new_campaign(workspace, newsletter_in(workspace))
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    campaign.refresh_from_db()
    assert campaign.gate_run == 1
    current = decisions(campaign)
    shown = tasks(campaign)
    untasked = [p for p in people if p.pk not in shown]
    GateDecision.objects.bulk_create([
        GateDecision(workspace=workspace, campaign=campaign, run=2, person=p,
                     decision=Decision.SEND, status=DecisionStatus.PENDING, language="en")
        for p in people])
    PersonalTask.objects.bulk_create([
        PersonalTask(workspace=workspace, owner=sales_user, person=p, campaign=campaign,
                     content=campaign.content, run=2) for p in untasked])

    assert decisions(campaign) == current
    assert tasks(campaign) == shown
    assert len(personal_tasks(workspace, sales_user, NOW)) == len(shown)
    assert len(services.open_tasks_for(sales_user, workspace)) == len(shown)
    withdrawn = services.do_withdraw_pending_sends([p.pk for p in people],
                                                   workspace_id=workspace.pk, reason="reply")
    assert withdrawn == sum(1 for d in current.values() if d[3] == DecisionStatus.PENDING)
    assert not GateDecision.objects.filter(campaign=campaign, run=2).exclude(
        status=DecisionStatus.PENDING).exists()

    services.do_gate_campaign(campaign, actor=None, now=NOW)
    campaign.refresh_from_db()
    assert campaign.gate_run == 2
    assert set(GateDecision.objects.filter(campaign=campaign).values_list("run", flat=True)) == {2}
    assert GateDecision.objects.filter(campaign=campaign).count() == 30
    assert tasks(campaign).keys() == shown.keys()  # once per person, the first run's
    assert PersonalTask.objects.filter(campaign=campaign).count() == len(shown)

    # Deleting a campaign keeps its tasks, but not those of a run that never became
    # current.
    PersonalTask.objects.create(workspace=workspace, owner=sales_user, person=untasked[0],
                                campaign=campaign, run=3)
    # A queryset delete (as a workspace's cascade does) is covered as well.
    Campaign.objects.filter(pk=campaign.pk).delete()
    assert PersonalTask.objects.visible(campaign.workspace_id).filter(person__in=people).count() == len(shown)
    assert PersonalTask.objects.filter(run=3).count() == 0
