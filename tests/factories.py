"""Factories for tests: rows made as the services would make them."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from trustfunnel.core.evidence import direction_for, spec_for
from trustfunnel.crm.models import Deal, Organization, Person, Relationship
from trustfunnel.timeline.models import Exchange, Interaction, Signal
from trustfunnel.workspaces.models import Membership, Workspace
from trustfunnel.workspaces.roles import Role


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Firm {n}")
    slug = factory.Sequence(lambda n: f"firm-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.SALES


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Organisation {n} B.V.")
    normalized_name = factory.LazyAttribute(lambda o: o.name.lower())
    country = "NL"
    sector = "consulting"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    workspace = factory.SubFactory(WorkspaceFactory)
    first_name = factory.Sequence(lambda n: f"Anna{n}")
    last_name = factory.Sequence(lambda n: f"de Vries {n}")
    organization = factory.SubFactory(
        OrganizationFactory, workspace=factory.SelfAttribute("..workspace")
    )
    email = factory.Sequence(lambda n: f"person{n}@example.nl")
    country = "NL"
    language = "nl"


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    workspace = factory.SubFactory(WorkspaceFactory)
    owner = factory.SubFactory(UserFactory)
    person = factory.SubFactory(PersonFactory, workspace=factory.SelfAttribute("..workspace"))
    organization = factory.LazyAttribute(lambda r: r.person.organization if r.person else None)
    kind = "client"


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    workspace = factory.SubFactory(WorkspaceFactory)
    relationship = factory.SubFactory(
        RelationshipFactory, workspace=factory.SelfAttribute("..workspace")
    )
    title = factory.Sequence(lambda n: f"Training programme {n}")
    stage = "lead"
    value = 10000
    owner = factory.SelfAttribute("relationship.owner")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    workspace = factory.SelfAttribute("relationship.workspace")
    relationship = factory.SubFactory(RelationshipFactory)
    kind = "meeting"
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    subject = "Kick-off"


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    workspace = factory.SelfAttribute("relationship.workspace")
    relationship = factory.SubFactory(RelationshipFactory)
    kind = "promise_kept"
    actor = "them"
    direction = factory.LazyAttribute(lambda s: direction_for(s.kind, s.actor))
    components = factory.LazyAttribute(lambda s: int(spec_for(s.kind).components))
    polarity = factory.LazyAttribute(lambda s: spec_for(s.kind).polarity)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exchange

    workspace = factory.SelfAttribute("relationship.workspace")
    relationship = factory.SubFactory(RelationshipFactory)
    giver = "us"
    kind = "advice"
    value = 100
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
