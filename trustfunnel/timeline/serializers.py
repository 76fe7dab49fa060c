"""API serializers for the timeline: interactions, signals and exchanges.

They check fields and the caller's workspace for every related id; the time of a
signal or an exchange may not lie in the future beyond the workspace's tolerance
(``Params.timeline.future_tolerance_minutes``). They never save: the viewsets call
:mod:`trustfunnel.timeline.services`.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from trustfunnel.core.errors import InvalidInput
from trustfunnel.core.evidence import Component
from trustfunnel.crm.models import Relationship
from trustfunnel.timeline import services
from trustfunnel.timeline.models import (
    SIGNAL_KIND_CHOICES,
    Exchange,
    Interaction,
    Signal,
)
from trustfunnel.web.api import ScopedPrimaryKeyRelatedField
from trustfunnel.workspaces.params import params_for

#: Kinds a client may record; a retraction is made with POST /signals/{id}/retract/.
RECORDABLE_SIGNAL_KINDS = [(k, label) for k, label in SIGNAL_KIND_CHOICES if k != "retraction"]


def check_not_in_future(serializer: serializers.Serializer, value, field: str):
    workspace = serializer.context.get("workspace")
    try:
        services.check_occurred_at(
            value, now=timezone.now(), params=params_for(workspace), field=field
        )
    except InvalidInput as exc:
        minutes = exc.data.get("minutes")
        raise serializers.ValidationError(
            _("This time lies in the future (more than %(minutes)s minutes ahead).")
            % {"minutes": minutes}
        ) from None
    return value


def check_same_relationship(attrs: dict, field: str) -> None:
    """A linked interaction (or exchange) must belong to the same relationship."""
    linked, relationship = attrs.get(field), attrs.get("relationship")
    if linked is not None and relationship is not None and linked.relationship_id != relationship.pk:
        raise serializers.ValidationError(
            {field: [_("Must belong to the same relationship.")]}
        )


class InteractionSerializer(serializers.ModelSerializer):
    relationship = ScopedPrimaryKeyRelatedField(Relationship)
    topics = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )

    class Meta:
        model = Interaction
        fields = [
            "id", "relationship", "kind", "direction", "occurred_at", "subject", "notes",
            "topics", "external_id", "thread_key", "created_by", "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]


class SignalSerializer(serializers.ModelSerializer):
    relationship = ScopedPrimaryKeyRelatedField(Relationship)
    interaction = ScopedPrimaryKeyRelatedField(Interaction, allow_null=True, required=False)
    kind = serializers.ChoiceField(choices=RECORDABLE_SIGNAL_KINDS)
    strength = serializers.FloatField(min_value=0, max_value=10, required=False, default=1.0)
    component_names = serializers.SerializerMethodField()
    retracted_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Signal
        fields = [
            "id", "relationship", "kind", "actor", "direction", "components",
            "component_names", "polarity", "strength", "occurred_at", "source", "note",
            "interaction", "retracts", "retracted_by", "external_id", "created_by",
            "recorded_at",
        ]
        read_only_fields = [
            "direction", "components", "polarity", "source", "retracts", "created_by",
            "recorded_at",
        ]

    def get_component_names(self, signal: Signal) -> list[str]:
        return [c.name.lower() for c in Component if signal.components & c]

    def validate_occurred_at(self, value):
        return check_not_in_future(self, value, "occurred_at")

    def validate(self, attrs):
        check_same_relationship(attrs, "interaction")
        return attrs


class RetractSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ExchangeSerializer(serializers.ModelSerializer):
    relationship = ScopedPrimaryKeyRelatedField(Relationship)
    reciprocates = ScopedPrimaryKeyRelatedField(Exchange, allow_null=True, required=False)
    interaction = ScopedPrimaryKeyRelatedField(Interaction, allow_null=True, required=False)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)

    class Meta:
        model = Exchange
        fields = [
            "id", "relationship", "giver", "kind", "value", "solicited", "description",
            "occurred_at", "reciprocates", "interaction", "created_by", "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]

    def validate_occurred_at(self, value):
        return check_not_in_future(self, value, "occurred_at")

    def validate(self, attrs):
        check_same_relationship(attrs, "interaction")
        check_same_relationship(attrs, "reciprocates")
        return attrs
