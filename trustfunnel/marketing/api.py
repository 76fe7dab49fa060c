"""Marketing API: content, segments, campaigns (gate, send), insights, personal tasks,
and ``POST /api/v1/gate/check`` for external mailing tools.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from trustfunnel.core.errors import NotFound
from trustfunnel.marketing import services
from trustfunnel.marketing.gatecheck import check_recipients
from trustfunnel.marketing.models import (
    Campaign,
    Content,
    ContentVersion,
    Insight,
    PersonalTask,
    Segment,
)
from trustfunnel.marketing.segments import segment_people
from trustfunnel.marketing.serializers import (
    CampaignSerializer,
    ContentSerializer,
    GateCheckResponseSerializer,
    GateCheckSerializer,
    InsightSerializer,
    PersonalTaskSerializer,
    SegmentSerializer,
)
from trustfunnel.web.api import WorkspaceViewSet
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.permissions import WorkspaceRolePermission
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.scoping import get_workspace


class SegmentCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class CloseTaskSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["done", "dismissed"], default="done")


class ContentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, WorkspaceViewSet):
    queryset = Content.objects.prefetch_related("versions")
    serializer_class = ContentSerializer
    write_capability = Capability.EDIT_MARKETING
    filterset_fields = ["kind"]

    def perform_create(self, serializer):
        versions = serializer.validated_data.pop("versions", [])
        with transaction.atomic():
            content = serializer.save(workspace=self.workspace, created_by=self.request.user)
            ContentVersion.objects.bulk_create([
                ContentVersion(workspace=self.workspace, content=content, **v) for v in versions
            ])
            audit.record(self.workspace, "marketing.content.created", content,
                         actor=self.request.user)


class SegmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, mixins.UpdateModelMixin, WorkspaceViewSet):
    queryset = Segment.objects.all()
    serializer_class = SegmentSerializer
    write_capability = Capability.EDIT_MARKETING

    def perform_create(self, serializer):
        with transaction.atomic():
            data = serializer.validated_data
            serializer.instance = services.do_save_segment(
                self.workspace, actor=self.request.user, name=data["name"],
                filters=data.get("filters") or {})

    def perform_update(self, serializer):
        with transaction.atomic():
            data = {"name": serializer.instance.name, "filters": serializer.instance.filters,
                    **serializer.validated_data}
            services.do_save_segment(self.workspace, actor=self.request.user,
                                     instance=serializer.instance, **data)

    @extend_schema(responses={200: SegmentCountSerializer})
    @action(detail=True, methods=["get"])
    def count(self, request, pk=None):
        """How many people the segment selects right now."""
        segment = self.get_object()
        n = segment_people(self.workspace, segment.filters, now=timezone.now()).count()
        return Response({"count": n})


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, WorkspaceViewSet):
    queryset = Campaign.objects.all()
    serializer_class = CampaignSerializer
    write_capability = Capability.EDIT_MARKETING
    filterset_fields = ["status"]

    def perform_create(self, serializer):
        with transaction.atomic():
            campaign = serializer.save(workspace=self.workspace, created_by=self.request.user)
            audit.record(self.workspace, "marketing.campaign.created", campaign,
                         actor=self.request.user)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def gate(self, request, pk=None):
        """Run the gate over the segment and store the decisions (SEND/PERSONAL/SUPPRESS)."""
        campaign = self.get_object()
        with transaction.atomic(durable=True):
            services.do_gate_campaign(campaign, actor=request.user)
        campaign.refresh_from_db()
        return Response(CampaignSerializer(campaign, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={202: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """Queue the campaign for sending (the gate runs again right before)."""
        from trustfunnel.marketing.tasks import send_campaign

        campaign = self.get_object()
        transaction.on_commit(lambda: send_campaign.enqueue(campaign.pk))
        return Response(CampaignSerializer(campaign, context=self.get_serializer_context()).data,
                        status=202)


class InsightViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, WorkspaceViewSet):
    queryset = Insight.objects.all()
    serializer_class = InsightSerializer
    write_capability = Capability.LOG_TIMELINE
    filterset_fields = ["kind", "topic", "relationship"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        with transaction.atomic():
            serializer.instance = services.do_record_insight(
                data["relationship"], actor=self.request.user, kind=data["kind"],
                topic=data["topic"], note=data.get("note", ""),
                occurred_at=data["occurred_at"], interaction=data.get("interaction"),
            )


class PersonalTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """The caller's own personal tasks from the gate."""

    queryset = PersonalTask.objects.select_related("person", "content")
    serializer_class = PersonalTaskSerializer
    write_capability = Capability.LOG_TIMELINE
    filterset_fields = ["status"]

    def get_queryset(self):
        return super().get_queryset().visible(self.workspace).filter(owner=self.request.user)

    def paginate_queryset(self, queryset):
        # The last personal interaction of each task on the page, in one query.
        page = super().paginate_queryset(queryset)
        return None if page is None else services.with_last_personal(page)

    def get_object(self):
        return services.with_last_personal([super().get_object()])[0]

    @extend_schema(request=CloseTaskSerializer, responses={200: PersonalTaskSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        task = self.get_object()
        with transaction.atomic():
            services.do_close_task(task, actor=request.user,
                                   status=request.data.get("status", "done"))
        return Response(PersonalTaskSerializer(task).data)


class GateCheckView(APIView):
    """May an external tool send this message to these recipients now?"""

    permission_classes = [WorkspaceRolePermission]
    write_capability = None  # a read: it changes nothing

    @extend_schema(
        operation_id="gate_check",
        request=GateCheckSerializer,
        responses={200: GateCheckResponseSerializer},
        examples=[OpenApiExample(
            "Two recipients",
            value={"recipients": [{"email": "anna@example.nl"}, {"id": 42}], "content": 7},
            request_only=True,
        )],
    )
    def post(self, request):
        payload = GateCheckSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        workspace = get_workspace(request)
        content = None
        if data.get("content"):
            content = Content.objects.for_workspace(workspace).filter(pk=data["content"]).first()
            if content is None:
                raise NotFound("{field}: no such content.", field="content")
        results = check_recipients(
            workspace, data["recipients"], now=timezone.now(), content=content,
            target_stages=data.get("target_stages"), language=data.get("language"),
        )
        return Response({"results": results})

    # Reading decisions is allowed to every member; POST here changes nothing.
    def get_permissions(self):
        return [_ReadLikePost()]


class _ReadLikePost(WorkspaceRolePermission):
    def has_permission(self, request, view) -> bool:
        from trustfunnel.workspaces.scoping import get_membership

        return bool(request.user and request.user.is_authenticated and get_membership(request))


def register(router) -> None:
    router.register("content", ContentViewSet, basename="content")
    router.register("segments", SegmentViewSet, basename="segment")
    router.register("campaigns", CampaignViewSet, basename="campaign")
    router.register("insights", InsightViewSet, basename="insight")
    router.register("personal-tasks", PersonalTaskViewSet, basename="personal-task")


urlpatterns = [path("gate/check", GateCheckView.as_view(), name="gate-check")]
