"""Deals and timelines in a given buyer country, made through the factories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.factories import (
    DealFactory,
    InteractionFactory,
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
)


def relationship_in(workspace, country, *, owner=None, sector="consulting", kind="client"):
    org = OrganizationFactory(workspace=workspace, country=country, sector=sector)
    person = PersonFactory(workspace=workspace, organization=org, country=country)
    extra = {"owner": owner} if owner else {}
    return RelationshipFactory(workspace=workspace, person=person, organization=org, kind=kind, **extra)


def deal_in(workspace, relationship, *, stage, first_contact: date, closed: date | None = None):
    return DealFactory(
        workspace=workspace, relationship=relationship, stage=stage,
        first_contact_at=first_contact, closed_at=closed,
    )  # fmt: skip


def touch(relationship, *, kind, direction, at: datetime):
    return InteractionFactory(relationship=relationship, kind=kind, direction=direction, occurred_at=at)


def utc(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def days_ago(today: date, n: int) -> date:
    return today - timedelta(days=n)
