"""The database path of a campaign gate equals the exact one: for a varied workspace,
every stored decision (decision, rules, language, task) is what the core engine decides
on that person's exact facts, and what the one-recipient API check answers."""

import dataclasses
import random
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from tests.factories import (
    DealFactory,
    InteractionFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)
from trustfunnel.core.gate import Decision
from trustfunnel.crm.models import Person, Relationship
from trustfunnel.marketing import facts, gatecheck, services
from trustfunnel.marketing.models import (
    AutomatedSend,
    Campaign,
    Content,
    ContentVersion,
    DecisionStatus,
    GateDecision,
    GateProfile,
    PersonalTask,
    Segment,
    Suppression,
)

# Whole seconds: SQLite then stores a timestamp in another text form than a parameter
# takes, and an interaction exactly 21 days old sits on the window's bound.
NOW = timezone.now().replace(microsecond=0)
STAGES = ["", "lead", "first_contact", "needs_explored", "proposal", "negotiation", "won", "lost"]


def varied_workspace(workspace, owner, *, n: int, seed: int):
    rng = random.Random(seed)
    people = []
    for _ in range(n):
        person = PersonFactory(
            workspace=workspace, marketing_consent=rng.random() > 0.15,
            language=rng.choice(["en", "nl", "de", "fr"]),
            decision_authority=rng.choice(["decision_maker", "user"]),
        )
        people.append(person)
        if rng.random() < 0.1:
            continue  # no relationship at all
        rels = [RelationshipFactory(workspace=workspace, owner=owner, person=person,
                                    kind="prospect") for _ in range(rng.choice([1, 1, 2]))]
        for rel in rels:
            for _ in range(rng.choice([0, 1, 2])):
                stage = rng.choice(STAGES[1:])
                DealFactory(workspace=workspace, relationship=rel, stage=stage, owner=owner,
                            value=rng.choice([1000, 24999, 25000, 80000]))
            for _ in range(rng.choice([0, 1, 2])):
                InteractionFactory(
                    relationship=rel, kind=rng.choice(["meeting", "phone", "email", "note"]),
                    occurred_at=NOW + timedelta(days=rng.choice([-200, -40, -21, -20.9, -3, 2])),
                )
            if rng.random() < 0.2:
                SignalFactory(relationship=rel, kind="complaint", actor="them",
                              occurred_at=NOW - timedelta(days=rng.choice([10, 120])))
            if rng.random() < 0.2:
                SignalFactory(relationship=rel, kind="promise_made", actor="us",
                              occurred_at=NOW - timedelta(days=rng.choice([10, 200])))
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            AutomatedSend.objects.create(workspace=workspace, person=person,
                                         sent_at=NOW - timedelta(days=rng.choice([1, 13, 20])))
        if rng.random() < 0.05:
            Suppression.objects.create(workspace=workspace, person=person, at=NOW,
                                       reason=rng.choice(["unsubscribed", "bounced"]))
    return people


def some_fragile(workspace, n: int = 12) -> None:
    """Fragile trust (ours or theirs) on some relationships."""
    from trustfunnel.scoring.models import TrustState

    rels = list(Relationship.objects.filter(workspace=workspace).order_by("id")[:n])
    for i, rel in enumerate(rels):
        TrustState.objects.update_or_create(
            relationship=rel, defaults={"workspace": workspace,
                                        "ours_label": "low" if i % 3 == 0 else "unknown",
                                        "theirs_label": "fragile" if i % 3 == 1 else "unknown"})


def newsletter_in(workspace):
    content = Content.objects.create(
        workspace=workspace, kind="newsletter", title="Leading across borders",
        target_stages=["lead", "first_contact", "needs_explored"], point="Plan for trust.",
    )
    for lang in ("en", "nl"):
        ContentVersion.objects.create(workspace=workspace, content=content, language=lang,
                                      subject="s", body="b")
    return content


@pytest.fixture
def newsletter(workspace):
    return newsletter_in(workspace)


@pytest.fixture(params=[False, True], ids=["interpreted", "compiled"])
def compiled(request):
    """On PostgreSQL with JIT, ``compiled`` makes the gate statement compile its
    expressions even for a small segment (a million recipients always do): the
    decisions must not depend on it."""
    from django.db import connection

    if request.param:
        if connection.vendor != "postgresql":
            pytest.skip("JIT compilation is PostgreSQL's")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit_above_cost = 0")  # the test's transaction
    return request.param


@pytest.mark.parametrize("seed", [1, 2])
def test_the_database_path_decides_as_the_engine_on_exact_facts(
    workspace, sales_user, newsletter, seed, compiled
):
    people = varied_workspace(workspace, sales_user, n=60, seed=seed)
    some_fragile(workspace)
    campaign = Campaign.objects.create(
        workspace=workspace, name="November", content=newsletter, planned_at=NOW,
        segment=Segment.objects.create(workspace=workspace, name="All", filters={}))

    counts = services.do_gate_campaign(campaign, actor=None, now=NOW)

    table, languages, exact = services.evaluate(campaign, now=NOW)
    stored = {d.person_id: d for d in GateDecision.objects.filter(campaign=campaign)}
    assert len(stored) == len(people) == len(table.person_ids)
    for i, person_id in enumerate(table.person_ids.tolist()):
        row = stored[person_id]
        assert row.decision == int(exact.decisions[i]), person_id
        assert row.rule_bits == int(exact.rule_bits[i]), person_id
        assert row.language == languages[i]
        assert row.relationship_id == (int(table.relationship_ids[i]) or None)
        assert row.status == {Decision.SEND: DecisionStatus.PENDING,
                              Decision.PERSONAL: DecisionStatus.TASKED,
                              Decision.SUPPRESS: DecisionStatus.SKIPPED}[Decision(row.decision)]
    assert counts == {d.code: int((exact.decisions == d).sum()) for d in Decision}
    assert len({d.rule_bits for d in stored.values()}) > 3  # the workspace is varied
    # The stored profiles (what the review page reads) add up to the decisions.
    split = Counter()
    for profile in GateProfile.objects.filter(campaign=campaign):
        split[profile.decision, profile.rule_bits] += profile.recipients
    assert split == Counter((d.decision, d.rule_bits) for d in stored.values())

    tasks = {t.person_id: t for t in PersonalTask.objects.filter(campaign=campaign)}
    personal = {pid for pid, d in stored.items() if d.decision == Decision.PERSONAL}
    assert set(tasks) == {pid for pid in personal if stored[pid].relationship_id}
    for pid, task in tasks.items():
        assert task.rule_bits == stored[pid].rule_bits
        assert task.owner_id == sales_user.pk
        assert task.content_id == newsletter.pk

    answers = gatecheck.check_recipients(
        workspace, [{"id": p.pk} for p in people], now=NOW, content=newsletter)
    for answer in answers:
        assert answer["decision"] == Decision(stored[answer["person_id"]].decision).code

    # One recipient at a time (by id, then by e-mail in other case) and a small list:
    # the restricted statement answers as the campaign did, rules included.
    rng = random.Random(seed)
    for person in rng.sample(people, 15):
        for ask in ({"id": person.pk}, {"email": person.email.upper()}):
            (answer,) = gatecheck.check_recipients(workspace, [ask], now=NOW,
                                                   content=newsletter)
            row = stored[person.pk]
            assert answer["person_id"] == person.pk
            assert answer["decision"] == Decision(row.decision).code, (person.pk, ask)
            assert answer["rules"] == [r.name.lower() for r in _rules(row.rule_bits)]
    few = rng.sample(people, 7)
    answers = gatecheck.check_recipients(workspace, [{"id": p.pk} for p in few], now=NOW,
                                         content=newsletter)
    assert [a["person_id"] for a in answers] == [p.pk for p in few]
    for answer in answers:
        row = stored[answer["person_id"]]
        assert answer["decision"] == Decision(row.decision).code
        assert answer["rules"] == [r.name.lower() for r in _rules(row.rule_bits)]


def _rules(bits):
    from trustfunnel.core.gate import rules_from_bits

    return rules_from_bits(int(bits))


@pytest.mark.parametrize("seed", [5, 6])
def test_the_facts_of_a_few_people_equal_their_rows_of_the_whole_workspace(
    workspace, other_workspace, sales_user, seed
):
    people = varied_workspace(workspace, sales_user, n=50, seed=seed)
    varied_workspace(other_workspace, sales_user, n=10, seed=seed)  # never read
    some_fragile(workspace)
    params = services.gate_params(workspace)
    whole = facts.gather(Person.objects.for_workspace(workspace), workspace_id=workspace.pk,
                         now=NOW, params=params)
    row_of = {pid: i for i, pid in enumerate(whole.person_ids.tolist())}
    flags = ("unsubscribed", "bounced", "recent_breach", "open_promise", "meeting_planned",
             "fragile", "decision_maker", "consent")
    # Each flag once on its own (a person who has it), then a few at random.
    singles = []
    for flag in flags:
        having = np.flatnonzero(getattr(whole.batch, flag))
        assert len(having), flag
        singles.append([int(whole.person_ids[having[0]])])
    rng = random.Random(seed)
    subsets = [*singles, *([p.pk for p in rng.sample(people, size)] for size in (1, 2, 9))]
    for subset in subsets:
        chosen = sorted(subset)
        few = facts.gather_people([*chosen, 10**9], workspace_id=workspace.pk, now=NOW,
                                  params=params)
        rows = [row_of[pid] for pid in chosen]
        assert few.person_ids.tolist() == chosen  # the unknown id is left out
        assert few.relationship_ids.tolist() == whole.relationship_ids[rows].tolist()
        assert few.owner_ids.tolist() == whole.owner_ids[rows].tolist()
        assert few.languages == [whole.languages[i] for i in rows]
        for field in dataclasses.fields(few.batch):
            np.testing.assert_array_equal(getattr(few.batch, field.name),
                                          getattr(whole.batch, field.name)[rows],
                                          err_msg=field.name)
    empty = facts.gather_people([], workspace_id=workspace.pk, now=NOW, params=params)
    assert len(empty.person_ids) == 0


def test_a_one_recipient_check_takes_three_queries_whatever_the_workspace(
    workspace, sales_user, newsletter, django_assert_num_queries
):
    people = varied_workspace(workspace, sales_user, n=40, seed=8)
    # The person found (1), the content's languages (1), their facts in one statement
    # (1); the same for a list of recipients.
    with django_assert_num_queries(3):
        gatecheck.check_recipients(workspace, [{"email": people[0].email}], now=NOW,
                                   content=newsletter)
    with django_assert_num_queries(3):
        gatecheck.check_recipients(workspace, [{"id": p.pk} for p in people[:20]], now=NOW,
                                   content=newsletter)
    with django_assert_num_queries(2):
        gatecheck.check_recipients(workspace, [{"id": people[1].pk}], now=NOW,
                                   target_stages=["lead"])


def test_gating_again_replaces_decisions_and_keeps_one_task_per_person(
    workspace, sales_user, newsletter
):
    varied_workspace(workspace, sales_user, n=30, seed=3)
    campaign = Campaign.objects.create(
        workspace=workspace, name="November", content=newsletter, planned_at=NOW,
        segment=Segment.objects.create(workspace=workspace, name="All", filters={}))
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    first_tasks = PersonalTask.objects.filter(campaign=campaign).count()
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    assert GateDecision.objects.filter(campaign=campaign).count() == 30
    assert PersonalTask.objects.filter(campaign=campaign).count() == first_tasks


def test_deleting_a_person_deletes_their_decisions_and_tasks(workspace, sales_user, newsletter):
    people = varied_workspace(workspace, sales_user, n=20, seed=4)
    campaign = Campaign.objects.create(
        workspace=workspace, name="November", content=newsletter, planned_at=NOW,
        segment=Segment.objects.create(workspace=workspace, name="All", filters={}))
    services.do_gate_campaign(campaign, actor=None, now=NOW)
    victim = next(p for p in people if PersonalTask.objects.filter(person=p).exists())
    victim.delete()
    assert not GateDecision.objects.filter(person_id=victim.pk).exists()
    assert not PersonalTask.objects.filter(person_id=victim.pk).exists()
    # The other people's decisions stay; deleting the campaign takes its decisions and
    # profiles (the decisions' key is (campaign, person), with no id of their own).
    assert GateDecision.objects.filter(campaign=campaign).count() == 19
    assert GateProfile.objects.filter(campaign=campaign).exists()
    campaign.delete()
    assert not GateDecision.objects.filter(campaign_id=campaign.pk).exists()
    assert not GateProfile.objects.filter(campaign_id=campaign.pk).exists()
