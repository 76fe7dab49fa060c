"""API filters for the timeline: relationship, kind, side and time ranges.

``occurred_after`` / ``occurred_before`` bound ``occurred_at`` (inclusive), so a client
reads one relationship's evidence of a period in pages.
"""

from __future__ import annotations

from datetime import UTC

import django_filters

from trustfunnel.core.evidence import Actor, Direction
from trustfunnel.timeline.models import (
    SIGNAL_KIND_CHOICES,
    Exchange,
    ExchangeKind,
    Interaction,
    InteractionDirection,
    InteractionKind,
    Signal,
    SignalSource,
)

ACTOR_CHOICES = [(a.value, a.value) for a in Actor]


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 allows offsets up to ±24 h; PostgreSQL refuses beyond ±15:59. The value
    is compared in UTC, which is the same instant."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return super().filter(qs, value)


class TimelineFilter(django_filters.FilterSet):
    relationship = django_filters.NumberFilter(field_name="relationship_id")
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lte")


class InteractionFilter(TimelineFilter):
    kind = django_filters.MultipleChoiceFilter(choices=InteractionKind.choices)
    direction = django_filters.ChoiceFilter(choices=InteractionDirection.choices)
    external_id = django_filters.CharFilter()

    class Meta:
        model = Interaction
        fields: list[str] = []


class SignalFilter(TimelineFilter):
    kind = django_filters.MultipleChoiceFilter(choices=SIGNAL_KIND_CHOICES)
    actor = django_filters.ChoiceFilter(choices=ACTOR_CHOICES)
    direction = django_filters.ChoiceFilter(choices=[(d.value, d.value) for d in Direction])
    source = django_filters.ChoiceFilter(choices=SignalSource.choices)
    interaction = django_filters.NumberFilter(field_name="interaction_id")
    retracted = django_filters.BooleanFilter(
        field_name="retracted_by", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Signal
        fields: list[str] = []


class ExchangeFilter(TimelineFilter):
    giver = django_filters.ChoiceFilter(choices=ACTOR_CHOICES)
    kind = django_filters.MultipleChoiceFilter(choices=ExchangeKind.choices)
    solicited = django_filters.BooleanFilter()

    class Meta:
        model = Exchange
        fields: list[str] = []
