"""API: events, sessions, registrations (register, cancel, pay, check in), invoices and
terms advice. Thin viewsets: a queryset, a serializer; actions call services."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from trustfunnel.core.terms import TermsAdvice
from trustfunnel.crm.models import Person, Relationship
from trustfunnel.events import services
from trustfunnel.events.models import Event, EventSession, Invoice, Registration
from trustfunnel.events.record import terms_advice
from trustfunnel.web.api import WorkspaceViewSet
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.roles import Capability


class ScopedPrimaryKey(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to the caller's workspace."""

    def get_queryset(self):
        return self.queryset.for_workspace(self.context["workspace"])


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventSession
        fields = ["id", "event", "starts_at", "ends_at", "capacity", "location"]
        read_only_fields = ["id", "event"]
        extra_kwargs = {"capacity": {"required": False}, "location": {"required": False}}


class EventSerializer(serializers.ModelSerializer):
    sessions = SessionSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = ["id", *services.EVENT_FIELDS, "sessions"]


class RegistrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Registration
        fields = ["id", "session", "person", "organization", "relationship", "status", "price",
                  "terms_level", "upfront_amount", "requires_payment", "payment_due_at",
                  "paid_at", "cancelled_at", "cancelled_by", "cancel_reason",
                  "cancellation_late", "cancellation_fee", "checked_in_at", "created_at"]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    session = ScopedPrimaryKey(queryset=EventSession.objects.all())
    person = ScopedPrimaryKey(queryset=Person.objects.all())
    relationship = ScopedPrimaryKey(queryset=Relationship.objects.all(), required=False,
                                    allow_null=True)


class CancelSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["client", "us"], default="client")


class CheckInSerializer(serializers.Serializer):
    attended = serializers.BooleanField(default=True)


class InvoiceSerializer(serializers.ModelSerializer):
    relationship = ScopedPrimaryKey(queryset=Relationship.objects.all())

    class Meta:
        model = Invoice
        fields = ["id", "relationship", "kind", "number", "amount", "currency", "issue_date",
                  "due_date", "paid_on", "paid_via", "external_id", "credited_number", "credits",
                  "credited_amount"]
        read_only_fields = ["id", "paid_on", "paid_via", "credits", "credited_amount"]


class PaidSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    via = serializers.ChoiceField(choices=["entered", "imported", "matched"], default="entered")


class TermsReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    points = serializers.FloatField()


class TermsAdviceSerializer(serializers.Serializer):
    relationship = serializers.IntegerField()
    level = serializers.CharField()
    points = serializers.FloatField()
    deposit_percent = serializers.IntegerField()
    enforced = serializers.BooleanField()
    reasons = TermsReasonSerializer(many=True)
    record = serializers.DictField()


def advice_payload(relationship_id: int, advice: TermsAdvice) -> dict:
    from dataclasses import asdict

    return {
        "relationship": relationship_id, "level": advice.level.value, "points": advice.points,
        "deposit_percent": advice.deposit_percent, "enforced": advice.enforced,
        "reasons": [{"code": r.code, "message": r.message, "points": r.points}
                    for r in advice.reasons],
        "record": asdict(advice.record),
    }


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   WorkspaceViewSet):
    queryset = Event.objects.prefetch_related("sessions")
    serializer_class = EventSerializer
    write_capability = Capability.EDIT_RELATIONSHIPS

    def perform_create(self, serializer):
        with transaction.atomic(durable=True):
            serializer.instance = services.do_save_event(
                self.workspace, actor=self.request.user, fields=dict(serializer.validated_data))

    @extend_schema(request=SessionSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None):
        event = self.get_object()
        data = SessionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            session = services.do_add_session(event, actor=request.user, **data.validated_data)
        return Response(SessionSerializer(session).data, status=201)


class RegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    queryset = Registration.objects.all()
    serializer_class = RegistrationSerializer
    write_capability = Capability.EDIT_RELATIONSHIPS
    filterset_fields = ["session", "status", "person", "relationship"]

    @extend_schema(request=RegisterSerializer, responses=RegistrationSerializer)
    def create(self, request):
        """Register a person; when the session is full they join its waiting list (202)."""
        data = RegisterSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            outcome = services.do_register(
                data.validated_data["session"], actor=request.user,
                person=data.validated_data["person"],
                relationship=data.validated_data.get("relationship"))
        if outcome.registration is None:
            return Response({"waiting_list_entry": outcome.waiting.pk, "status": "waiting"},
                            status=202)
        return Response(RegistrationSerializer(outcome.registration).data, status=201)

    @extend_schema(request=CancelSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            registration = services.do_cancel_registration(
                self.get_object(), actor=request.user, by=data.validated_data["by"])
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        with transaction.atomic(durable=True):
            registration = services.do_mark_registration_paid(self.get_object(),
                                                              actor=request.user)
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=CheckInSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            registration = services.do_check_in(self.get_object(), actor=request.user,
                                                attended=data.validated_data["attended"])
        return Response(RegistrationSerializer(registration).data)


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     WorkspaceViewSet):
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    write_capability = Capability.EDIT_RELATIONSHIPS
    filterset_fields = ["relationship"]

    def perform_create(self, serializer):
        with transaction.atomic(durable=True):
            serializer.instance = services.do_record_invoice(
                self.workspace, actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=PaidSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def paid(self, request, pk=None):
        data = PaidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            invoice = services.do_mark_invoice_paid(self.get_object(), actor=request.user,
                                                    paid_on=data.validated_data["paid_on"],
                                                    via=data.validated_data["via"])
        return Response(InvoiceSerializer(invoice, context=self.get_serializer_context()).data)


class TermsAdviceViewSet(mixins.RetrieveModelMixin, WorkspaceViewSet):
    """The payment-terms advice for one relationship (needs see_reliability)."""

    queryset = Relationship.objects.all()
    serializer_class = TermsAdviceSerializer

    def check_permissions(self, request):
        super().check_permissions(request)
        if not self.membership.can(Capability.SEE_RELIABILITY):
            raise PermissionDenied("Your role cannot see client reliability.")

    def retrieve(self, request, pk=None):
        relationship = self.get_object()
        advice = terms_advice(relationship, now=timezone.now(),
                              params=params_for(self.workspace))
        return Response(advice_payload(relationship.pk, advice))


def register(router) -> None:
    router.register("events", EventViewSet, basename="event")
    router.register("registrations", RegistrationViewSet, basename="registration")
    router.register("invoices", InvoiceViewSet, basename="invoice")
    router.register("terms-advice", TermsAdviceViewSet, basename="terms-advice")
