"""Segments: saved filters over people, evaluated set-based in one query."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet

from trustfunnel.core.errors import InvalidInput
from trustfunnel.crm.models import OPEN_STAGES, Deal, Person
from trustfunnel.marketing.models import Insight
from trustfunnel.timeline.models import Interaction
from trustfunnel.workspaces.models import Workspace

FILTER_KEYS = {
    "countries": list,
    "sectors": list,
    "stages": list,
    "topics": list,
    "trust_labels": list,
    "languages": list,
    "consent_only": bool,
    "last_contact_within_days": int,
    "no_contact_for_days": int,
}


def clean_filters(raw: dict[str, Any]) -> dict[str, Any]:
    """Validated filters: unknown keys and wrong types are named in the error."""
    cleaned: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if key not in FILTER_KEYS:
            raise InvalidInput("{field}: unknown segment filter.", field=f"filters.{key}")
        kind = FILTER_KEYS[key]
        if value in (None, "", []):
            continue
        if kind is list:
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidInput("{field}: expected a list of texts.", field=f"filters.{key}")
            cleaned[key] = value
        elif kind is bool:
            cleaned[key] = bool(value)
        else:
            try:
                cleaned[key] = int(value)
            except (TypeError, ValueError):
                raise InvalidInput("{field}: expected a whole number.",
                                   field=f"filters.{key}") from None
            if cleaned[key] < 0:
                raise InvalidInput("{field}: cannot be negative.", field=f"filters.{key}")
    return cleaned


def segment_people(workspace: Workspace, filters: dict[str, Any], *, now: datetime) -> QuerySet:
    """The people a segment selects: one queryset, no Python loop."""
    filters = clean_filters(filters)
    people = Person.objects.for_workspace(workspace)
    if filters.get("consent_only"):
        people = people.filter(marketing_consent=True)
    if countries := [c.upper() for c in filters.get("countries", [])]:
        people = people.filter(Q(country__in=countries) | Q(organization__country__in=countries))
    if sectors := filters.get("sectors"):
        people = people.filter(organization__sector__in=sectors)
    if languages := filters.get("languages"):
        people = people.filter(language__in=languages)
    if stages := filters.get("stages"):
        deals = Deal.objects.filter(relationship__person=OuterRef("pk"), stage__in=stages)
        people = people.filter(Exists(deals))
    if topics := filters.get("topics"):
        heard = Insight.objects.filter(person=OuterRef("pk"), topic__in=topics)
        people = people.filter(Exists(heard))
    if within := filters.get("last_contact_within_days"):
        recent = Interaction.objects.filter(
            relationship__person=OuterRef("pk"), occurred_at__gte=now - timedelta(days=within),
            occurred_at__lte=now,
        )
        people = people.filter(Exists(recent))
    if quiet := filters.get("no_contact_for_days"):
        recent = Interaction.objects.filter(
            relationship__person=OuterRef("pk"), occurred_at__gte=now - timedelta(days=quiet),
            occurred_at__lte=now,
        )
        people = people.filter(~Exists(recent))
    if labels := filters.get("trust_labels"):
        people = _filter_trust_labels(people, labels)
    return people


def _filter_trust_labels(people: QuerySet, labels: list[str]) -> QuerySet:
    if not apps.is_installed("trustfunnel.scoring"):
        return people
    TrustState = apps.get_model("scoring", "TrustState")
    states = TrustState.objects.filter(relationship__person=OuterRef("pk")).filter(
        Q(theirs_label__in=labels) | Q(ours_label__in=labels)
    )
    return people.filter(Exists(states))


__all__ = ["clean_filters", "segment_people", "OPEN_STAGES"]
