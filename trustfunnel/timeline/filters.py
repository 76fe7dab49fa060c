"""API filters for the timeline: relationship, kind, side and time ranges.

``occurred_after`` / ``occurred_before`` bound ``occurred_at`` (inclusive), so a client
reads one relationship's evidence of a period in pages.
"""

from __future__ import annotations

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


class TimelineFilter(django_filters.FilterSet):
    relationship = django_filters.NumberFilter(field_name="relationship_id")
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lte")


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
