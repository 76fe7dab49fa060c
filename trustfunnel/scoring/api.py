"""API: a relationship's trust (both ways) and its give-and-take ledger.

``GET /api/v1/relationships/{id}/trust/`` and ``/reciprocity/``: scores, uncertainty,
labels, trend, per-component figures, explanations and alerts with their reasons.
Workspace-scoped through :class:`~trustfunnel.web.api.WorkspaceViewSet` (another
workspace's relationship is a 404). The paths are in ``urlpatterns`` so they are
matched before the router's ``relationships/{id}/``.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from trustfunnel.crm.models import Relationship
from trustfunnel.scoring import presenters, services
from trustfunnel.web.api import WorkspaceViewSet

# ------------------------------------------------------------------- serializers


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField(help_text="Translated sentence.")
    data = serializers.DictField(help_text="The figures the sentence is made of.")


class TrendSerializer(serializers.Serializer):
    label = serializers.ChoiceField(choices=["rising", "falling", "steady"])
    label_display = serializers.CharField()
    change = serializers.FloatField(help_text="Score now minus the score 90 days ago.")
    score_before = serializers.FloatField()


class ComponentScoreSerializer(serializers.Serializer):
    component = serializers.ChoiceField(choices=["reliability", "transparency", "competence", "care"])
    name = serializers.CharField()
    score = serializers.FloatField(min_value=0, max_value=1)
    uncertainty = serializers.FloatField(min_value=0, max_value=1)
    label = serializers.CharField()
    label_display = serializers.CharField()
    positive_evidence = serializers.FloatField(help_text="Decayed positive evidence r.")
    negative_evidence = serializers.FloatField(help_text="Decayed negative evidence s (multiplied).")


class ContributionSerializer(serializers.Serializer):
    signal_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    polarity = serializers.IntegerField()
    components = serializers.ListField(child=serializers.CharField())
    occurred_at = serializers.DateTimeField()
    weight = serializers.FloatField(help_text="Decayed, component-weighted evidence now.")
    share = serializers.FloatField(help_text="Share of this direction's evidence now (0-1).")


class DirectionSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["ours_in_them", "theirs_in_us"])
    title = serializers.CharField()
    score = serializers.FloatField(min_value=0, max_value=1)
    uncertainty = serializers.FloatField(min_value=0, max_value=1)
    label = serializers.ChoiceField(choices=["unknown", "low", "fragile", "solid", "strong"])
    label_display = serializers.CharField()
    trend = TrendSerializer()
    components = ComponentScoreSerializer(many=True)
    top_signals = ContributionSerializer(many=True)
    suggestions = ReasonSerializer(many=True, help_text="What would raise the score.")


class TrustSerializer(serializers.Serializer):
    relationship = serializers.IntegerField()
    at = serializers.DateTimeField()
    theirs_in_us = DirectionSerializer()
    ours_in_them = DirectionSerializer()


class AlertSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["unsolicited_giving", "giving_without_return", "cannot_give_back", "gift_too_large", "keeps_asking"]
    )
    reason = serializers.CharField()
    action = serializers.CharField(help_text="Suggested action.")
    data = serializers.DictField()
    exchange_ids = serializers.ListField(child=serializers.IntegerField())


class ReciprocitySerializer(serializers.Serializer):
    relationship = serializers.IntegerField()
    at = serializers.DateTimeField()
    given_by_us = serializers.FloatField(help_text="Decayed value we gave.")
    given_by_them = serializers.FloatField(help_text="Decayed value they gave.")
    balance = serializers.FloatField(help_text="They gave minus we gave (decayed).")
    ratio = serializers.FloatField(allow_null=True, help_text="They gave / we gave; null when we gave nothing.")
    unreturned_gifts = serializers.IntegerField()
    classification = serializers.ChoiceField(choices=["unknown", "giver", "matcher", "taker"])
    classification_display = serializers.CharField()
    classification_reasons = ReasonSerializer(many=True)
    alerts = AlertSerializer(many=True)


# ------------------------------------------------------------------------- views


class RelationshipScoringViewSet(WorkspaceViewSet):
    queryset = Relationship.objects.select_related("person", "workspace")
    serializer_class = TrustSerializer

    @extend_schema(responses=TrustSerializer, summary="Trust both ways, with reasons")
    def trust(self, request, pk=None):
        relationship = self.get_object()
        analysis = services.analyse_relationship(relationship)
        return Response(TrustSerializer(presenters.trust_payload(relationship, analysis)).data)

    @extend_schema(responses=ReciprocitySerializer, summary="The give-and-take ledger, with alerts")
    def reciprocity(self, request, pk=None):
        relationship = self.get_object()
        analysis = services.analyse_relationship(relationship)
        return Response(ReciprocitySerializer(presenters.reciprocity_payload(relationship, analysis)).data)


urlpatterns = [
    path(
        "relationships/<int:pk>/trust/",
        RelationshipScoringViewSet.as_view({"get": "trust"}),
        name="relationship-trust",
    ),
    path(
        "relationships/<int:pk>/reciprocity/",
        RelationshipScoringViewSet.as_view({"get": "reciprocity"}),
        name="relationship-reciprocity",
    ),
]
