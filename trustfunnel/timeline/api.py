"""API viewsets for the timeline.

Interactions, signals and exchanges are created and read; nothing is edited or deleted
in place. A signal is corrected by ``POST /signals/{id}/retract/``, which records a new
``retraction`` signal (:func:`trustfunnel.timeline.services.do_retract_signal`). Every
write runs the ``check_*`` functions then the ``do_*`` one in a transaction owned here.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from trustfunnel.timeline import services
from trustfunnel.timeline.filters import ExchangeFilter, InteractionFilter, SignalFilter
from trustfunnel.timeline.models import Exchange, Interaction, Signal, SignalSource
from trustfunnel.timeline.serializers import (
    ExchangeSerializer,
    InteractionSerializer,
    RetractSerializer,
    SignalSerializer,
)
from trustfunnel.web.api import WorkspaceViewSet, write_atomically
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.roles import Capability

#: Newest first by default; by time of occurrence for reading a relationship's story.
TIMELINE_ORDERINGS = {
    "-occurred_at": ("-occurred_at", "-id"),
    "occurred_at": ("occurred_at", "id"),
    "-id": ("-id",),
    "id": ("id",),
}


class _TimelineViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, WorkspaceViewSet
):
    write_capability = Capability.LOG_TIMELINE
    keyset_orderings = TIMELINE_ORDERINGS

    def check_before_write(self, data: dict) -> None:
        services.check_can_log(self.membership)
        services.check_relationship(data["relationship"], self.membership)


class InteractionViewSet(_TimelineViewSet):
    queryset = Interaction.objects.all()
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter

    @write_atomically
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.check_before_write(data)
        serializer.instance = services.do_log_interaction(
            data.pop("relationship"), actor=self.request.user, **data
        )


class SignalViewSet(_TimelineViewSet):
    queryset = Signal.objects.select_related("retracted_by")
    serializer_class = SignalSerializer
    filterset_class = SignalFilter

    @write_atomically
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.check_before_write(data)
        services.check_occurred_at(
            data["occurred_at"], now=timezone.now(), params=params_for(self.workspace),
            field="occurred_at",
        )
        services.check_signal(data["kind"], data["actor"], data.get("strength", 1.0))
        serializer.instance = services.do_record_signal(
            data.pop("relationship"),
            actor=self.request.user,
            actor_side=data.pop("actor"),
            source=SignalSource.API,
            **data,
        )

    @extend_schema(
        request=RetractSerializer,
        responses={201: SignalSerializer},
        summary="Withdraw a signal by recording a retraction of it.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def retract(self, request, pk=None):
        signal = self.get_object()
        payload = RetractSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        retraction = self._retract(signal, payload.validated_data["reason"])
        return Response(self.get_serializer(retraction).data, status=status.HTTP_201_CREATED)

    @write_atomically
    def _retract(self, signal: Signal, reason: str) -> Signal:
        services.check_can_log(self.membership)
        # Lock the signal so two simultaneous retractions cannot both pass the check.
        locked = Signal.objects.for_workspace(self.workspace).select_for_update().get(pk=signal.pk)
        return services.do_retract_signal(locked, actor=self.request.user, reason=reason)


class ExchangeViewSet(_TimelineViewSet):
    queryset = Exchange.objects.all()
    serializer_class = ExchangeSerializer
    filterset_class = ExchangeFilter

    @write_atomically
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.check_before_write(data)
        services.check_occurred_at(
            data["occurred_at"], now=timezone.now(), params=params_for(self.workspace),
            field="occurred_at",
        )
        services.check_exchange(
            data["value"], data["giver"], data.get("reciprocates"), data["relationship"]
        )
        serializer.instance = services.do_record_exchange(
            data.pop("relationship"), actor=self.request.user, **data
        )


def register(router) -> None:
    router.register("interactions", InteractionViewSet, basename="interaction")
    router.register("signals", SignalViewSet, basename="signal")
    router.register("exchanges", ExchangeViewSet, basename="exchange")
