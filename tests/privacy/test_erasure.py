"""Erasure: no trace of the person anywhere, the organisation's figures unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, Sum

from tests.factories import (
    DealFactory,
    ExchangeFactory,
    InteractionFactory,
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)
from trustfunnel.core.errors import InvalidInput, PermissionDenied
from trustfunnel.crm.models import Person, Relationship
from trustfunnel.crm.services import do_save_person
from trustfunnel.events.evidence import NewEvidence, append_evidence, verify_workspace_chain
from trustfunnel.events.models import EvidenceEntry
from trustfunnel.privacy import services
from trustfunnel.privacy.models import ConsentAction, ErasureRecord, Purpose
from trustfunnel.web import registry
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Membership

NAME_FIRST, NAME_LAST = "Zwanette", "Quirijnsen"
EMAIL, PHONE = "z.quirijnsen@kaasmakerij.example", "+31612345678"


def _text_columns(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
    ]


def rows_mentioning(*needles: str) -> list[tuple[str, int, str]]:
    """Every (model, pk, column) in the whole database that contains a needle."""
    hits = []
    for model in apps.get_models():
        for field in _text_columns(model):
            query = Q()
            for needle in needles:
                query |= Q(**{f"{field.name}__icontains": needle})
            for pk in model._base_manager.filter(query).values_list("pk", flat=True):
                hits.append((model._meta.label, pk, field.name))
    return hits


def organisation_figures(organization) -> dict:
    rels = Relationship.objects.filter(organization=organization)
    return {
        "signals": rels.aggregate(n=Count("signals"))["n"],
        "exchanges": rels.aggregate(n=Count("exchanges"))["n"],
        "exchange_value": rels.aggregate(v=Sum("exchanges__value"))["v"],
        "deal_value": rels.aggregate(v=Sum("deals__value"))["v"],
        "relationships": rels.count(),
    }


@pytest.fixture
def subject(workspace, owner_user):
    org = OrganizationFactory(workspace=workspace, name="Kaasmakerij Noord B.V.",
                              notes=f"Main contact {NAME_FIRST} {NAME_LAST}, call {PHONE}")
    person = do_save_person(
        workspace, actor=owner_user,
        fields={"first_name": NAME_FIRST, "last_name": NAME_LAST, "email": EMAIL,
                "phone": PHONE, "organization": org, "job_title": "Inkoper"},
    )
    services.do_record_consent(person, actor=owner_user, purpose=Purpose.MARKETING,
                               action=ConsentAction.GIVEN, source=f"web form by {EMAIL}")
    rel = RelationshipFactory(workspace=workspace, owner=owner_user, person=person,
                              organization=org, private_notes=f"{NAME_FIRST} prefers tea")
    interaction = InteractionFactory(relationship=rel, subject=f"Lunch with {NAME_FIRST} {NAME_LAST}",
                                     notes=f"Mail {EMAIL}", topics=[NAME_LAST, "cheese"],
                                     external_id=f"<123.{EMAIL}>")
    SignalFactory(relationship=rel, note=f"{NAME_FIRST} kept her promise", interaction=interaction)
    SignalFactory(relationship=rel, kind="no_show", note="")
    ExchangeFactory(relationship=rel, value=Decimal("250.00"), description=f"Gift for {NAME_FIRST}")
    ExchangeFactory(relationship=rel, value=Decimal("80.50"), giver="them")
    DealFactory(workspace=workspace, relationship=rel, title=f"Training for {NAME_LAST}", value=5000)
    # The organisation's own relationship mentions her too.
    org_rel = RelationshipFactory(workspace=workspace, owner=owner_user, person=None, organization=org)
    InteractionFactory(relationship=org_rel, notes=f"Spoke to {NAME_FIRST} {NAME_LAST} ({PHONE}).")
    ExchangeFactory(relationship=org_rel, value=Decimal("10.00"))
    audit.record(workspace, "test.note", person, actor=owner_user,
                 data={"old": {"email": EMAIL, "name": f"{NAME_FIRST} {NAME_LAST}"}})
    services.log_person_view(Membership.objects.get(user=owner_user), person)
    LogEntry.objects.create(
        user=owner_user, content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk), object_repr=person.full_name, action_flag=CHANGE,
        change_message=f"Changed e-mail of {NAME_FIRST} {NAME_LAST}",
    )
    # The evidence log: what was sent to her, on her relationship and on the organisation's.
    append_evidence(workspace, [
        NewEvidence(kind="agreement", subject=f"Registration 1: {NAME_FIRST} {NAME_LAST} for Kaas 101",
                    body=f"Dear {NAME_FIRST},\nyou are registered. We will write to {EMAIL}.",
                    data={"registration": 1, "person": person.pk, "to": EMAIL},
                    relationship_id=rel.pk),
        NewEvidence(kind="confirmation", subject=f"Mail sent to {EMAIL}: your seat",
                    body="Your seat is confirmed.", data={"mail": "confirmed", "to": EMAIL},
                    relationship_id=org_rel.pk),
        NewEvidence(kind="notice", subject="Price list 2027 sent", body="Prices rise by 3%.",
                    data={"n": 7}, relationship_id=org_rel.pk),
    ], actor=owner_user)
    return person


def test_erasure_leaves_no_trace_in_any_table(subject, owner_user):
    assert rows_mentioning(NAME_FIRST, NAME_LAST, EMAIL, PHONE)  # the search works

    services.do_erase_person(subject, actor=owner_user)

    assert rows_mentioning(NAME_FIRST, NAME_LAST, EMAIL, PHONE) == []


def test_erasure_redacts_evidence_payloads_and_the_chain_still_verifies(subject, owner_user, workspace):
    entries = list(EvidenceEntry.objects.for_workspace(workspace).order_by("seq"))
    before = [(e.seq, e.kind, e.relationship_id, e.payload_digest, e.hash) for e in entries]

    services.do_erase_person(subject, actor=owner_user)

    after = list(EvidenceEntry.objects.for_workspace(workspace).order_by("seq"))
    assert [(e.seq, e.kind, e.relationship_id, e.payload_digest, e.hash) for e in after] == before
    assert [(e.subject, e.body, e.data_json, e.erased_at is not None) for e in after] == [
        ("[erased]", "", "{}", True), ("[erased]", "", "{}", True),
        ("Price list 2027 sent", "Prices rise by 3%.", '{"n":7}', False),  # not about her: kept
    ]
    verdict = verify_workspace_chain(workspace.pk)
    assert verdict.ok and (verdict.checked, verdict.erased) == (3, 2)


def test_erasure_keeps_organisation_aggregates(subject, owner_user):
    before = organisation_figures(subject.organization)

    services.do_erase_person(subject, actor=owner_user)

    assert organisation_figures(subject.organization) == before
    assert before["signals"] == 2 and before["exchange_value"] == Decimal("340.50")


def test_erasure_keeps_a_placeholder_and_a_record(subject, owner_user):
    services.do_erase_person(subject, actor=owner_user)

    person = Person.objects.get(pk=subject.pk)
    assert (person.first_name, person.last_name, person.email, person.phone) == ("", "[erased]", "", "")
    assert person.organization_id == subject.organization_id
    assert not person.marketing_consent and person.consent_at is None
    record = ErasureRecord.objects.get(person=person)
    assert record.erased_by == owner_user
    assert services.was_erased(subject.workspace, EMAIL.upper())
    assert not services.was_erased(subject.workspace, "someone.else@example.com")


def test_erasure_calls_registered_handlers_before_blanking(subject, owner_user, monkeypatch):
    seen = []
    monkeypatch.setattr(registry, "erasure_handlers",
                        [lambda person, *, actor: seen.append((person.email, actor))])

    services.do_erase_person(subject, actor=owner_user)

    assert seen == [(EMAIL, owner_user)]


def test_erasure_does_not_touch_other_workspaces(subject, owner_user, other_workspace):
    namesake = PersonFactory(workspace=other_workspace, first_name=NAME_FIRST, last_name=NAME_LAST,
                             email=EMAIL)

    services.do_erase_person(subject, actor=owner_user)

    namesake.refresh_from_db()
    assert (namesake.first_name, namesake.email) == (NAME_FIRST, EMAIL)


def test_erasure_spares_words_that_merely_contain_a_first_name(workspace, owner_user):
    person = PersonFactory(workspace=workspace, first_name="Mark", last_name="Bakker-Oost")
    rel = RelationshipFactory(workspace=workspace, owner=owner_user, person=None,
                              organization=person.organization)
    other = InteractionFactory(relationship=rel, notes="Mark asked about marketing budgets.")

    services.do_erase_person(person, actor=owner_user)

    other.refresh_from_db()
    assert other.notes == "[erased] asked about marketing budgets."


def test_erasure_refused_for_sales_role(subject, sales_user):
    membership = Membership.objects.get(user=sales_user)
    with pytest.raises(PermissionDenied):
        services.check_erasure(membership, subject)


def test_erasure_refused_twice(subject, owner_user):
    membership = Membership.objects.get(user=owner_user)
    services.do_erase_person(subject, actor=owner_user)
    with pytest.raises(InvalidInput):
        services.check_erasure(membership, Person.objects.get(pk=subject.pk))


def test_erasure_finds_accented_names_in_json(workspace, owner_user):
    person = PersonFactory(workspace=workspace, first_name="Zoë", last_name="Ölçer-Łukasz",
                           email="zoe@example.pl")
    rel = RelationshipFactory(workspace=workspace, owner=owner_user, person=None,
                              organization=person.organization,
                              derived={"reasons": ["Zoë Ölçer-Łukasz kept her word"]})
    audit.record(workspace, "test.note", rel, actor=owner_user, data={"who": "Zoë Ölçer-Łukasz"})

    services.do_erase_person(person, actor=owner_user)

    rel.refresh_from_db()
    assert rel.derived == {"reasons": ["[erased] kept her word"]}
    assert rows_mentioning("Zoë Ölçer-Łukasz", "Ölçer-Łukasz", "zoe@example.pl") == []


def test_erasure_query_count_does_not_grow_with_timeline(subject, owner_user, django_assert_max_num_queries):
    rel = subject.relationships.get()
    for _ in range(40):
        InteractionFactory(relationship=rel, notes="more")
        SignalFactory(relationship=rel, note="more")
    models_count = len(list(services._scoped_models()))
    with django_assert_max_num_queries(30 + models_count):
        services.do_erase_person(subject, actor=owner_user)


def test_erasure_spares_a_namesakes_name_but_not_free_text(subject, owner_user, workspace):
    relative = PersonFactory(workspace=workspace, first_name="Hendrik", last_name=NAME_LAST,
                             email="hendrik@example.nl")
    firm = OrganizationFactory(workspace=workspace, name=f"{NAME_LAST} Kaas B.V.",
                               notes=f"Run by {NAME_LAST} family")
    duplicate = PersonFactory(workspace=workspace, first_name="Z.", last_name="Q.", email=EMAIL)

    services.do_erase_person(subject, actor=owner_user)

    relative.refresh_from_db()
    firm.refresh_from_db()
    duplicate.refresh_from_db()
    assert relative.last_name == NAME_LAST
    assert firm.name == f"{NAME_LAST} Kaas B.V." and firm.notes == "Run by [erased] family"
    assert duplicate.email == ""
