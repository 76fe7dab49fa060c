"""API: consent history, subject access report, access log and erasure of one person."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from trustfunnel.crm.models import Person
from trustfunnel.privacy import services
from trustfunnel.privacy.models import ConsentAction, ConsentEvent, LawfulBasis, Purpose, ViewVia
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.scoping import get_membership


class ConsentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentEvent
        fields = ["id", "purpose", "basis", "action", "at", "source", "note", "recorded_by", "recorded_at"]
        read_only_fields = ["id", "recorded_by", "recorded_at"]


class ConsentInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    basis = serializers.ChoiceField(choices=LawfulBasis.choices, default=LawfulBasis.CONSENT)
    at = serializers.DateTimeField(required=False)
    source = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    note = serializers.CharField(required=False, default="", allow_blank=True)


class AccessLogRowSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    who = serializers.CharField(source="who.username", default=None)
    what = serializers.ChoiceField(choices=["viewed", "changed"])
    via = serializers.CharField()
    detail = serializers.CharField()


class PersonPrivacyAPIView(APIView):
    def person(self, pk: int) -> Person:
        membership = get_membership(self.request)
        return get_object_or_404(Person.objects.for_workspace(membership.workspace), pk=pk)


class ConsentAPIView(PersonPrivacyAPIView):
    write_capability = Capability.EDIT_CONTACTS
    @extend_schema(operation_id="privacy_consent_list", responses=ConsentEventSerializer(many=True))
    def get(self, request, pk: int):
        person = self.person(pk)
        services.log_person_view(request, person, via=ViewVia.API)
        events = ConsentEvent.objects.filter(person=person).order_by("-at", "-id")
        return Response(ConsentEventSerializer(events, many=True).data)

    @extend_schema(operation_id="privacy_consent_record", request=ConsentInputSerializer,
                   responses={201: ConsentEventSerializer})
    def post(self, request, pk: int):
        person = self.person(pk)
        data = ConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["action"] in (ConsentAction.GIVEN, ConsentAction.WITHDRAWN):
            values["basis"] = LawfulBasis.CONSENT
        with transaction.atomic(durable=True):
            services.check_consent_change(
                get_membership(request), person, purpose=values["purpose"],
                action=values["action"], basis=values["basis"],
            )
            event = services.do_record_consent(person, actor=request.user, **values)
        return Response(ConsentEventSerializer(event).data, status=status.HTTP_201_CREATED)


class AccessReportAPIView(PersonPrivacyAPIView):
    @extend_schema(operation_id="privacy_access_report", responses={200: OpenApiTypes.OBJECT},
                   summary="Everything held on the person (owners and admins)")
    def get(self, request, pk: int):
        person = self.person(pk)
        services.check_can_manage_privacy(get_membership(request))
        services.log_person_view(request, person, via=ViewVia.ACCESS_REPORT)
        return Response(services.build_subject_access_report(person))


class AccessLogAPIView(PersonPrivacyAPIView):
    @extend_schema(operation_id="privacy_access_log", responses=AccessLogRowSerializer(many=True))
    def get(self, request, pk: int):
        person = self.person(pk)
        services.check_can_manage_privacy(get_membership(request))
        return Response(AccessLogRowSerializer(services.access_log(person), many=True).data)


class EraseAPIView(PersonPrivacyAPIView):
    write_capability = Capability.MANAGE_WORKSPACE
    @extend_schema(operation_id="privacy_erase", request=None, responses={200: OpenApiTypes.OBJECT},
                   summary="Erase the person's personal data (owners and admins)")
    def post(self, request, pk: int):
        person = self.person(pk)
        with transaction.atomic(durable=True):
            services.check_erasure(get_membership(request), person)
            record = services.do_erase_person(person, actor=request.user)
        return Response({"person": person.pk, "erased_at": record.erased_at})


urlpatterns = [
    path("privacy/people/<int:pk>/consent/", ConsentAPIView.as_view(), name="api-privacy-consent"),
    path("privacy/people/<int:pk>/access-report/", AccessReportAPIView.as_view(),
         name="api-privacy-access-report"),
    path("privacy/people/<int:pk>/access-log/", AccessLogAPIView.as_view(), name="api-privacy-access-log"),
    path("privacy/people/<int:pk>/erase/", EraseAPIView.as_view(), name="api-privacy-erase"),
]
