"""API: import runs (read) and proposed promises (list, decide)."""

from __future__ import annotations

from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from trustfunnel.imports.messages import localized
from trustfunnel.imports.models import ImportRun, PromiseProposal
from trustfunnel.imports.services import do_decide_promise
from trustfunnel.web.api import WorkspaceViewSet
from trustfunnel.workspaces.roles import Capability


class ImportRunSerializer(serializers.ModelSerializer):
    #: Each issue with ``place`` and ``message`` in the request's language, and the
    #: English ``template`` and its ``params``.
    errors = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = ["id", "kind", "file_name", "sha256", "status", "dry_run", "mapping", "on_duplicate",
                  "atomic", "counts", "errors", "progress_done", "progress_total", "created_at",
                  "finished_at"]
        read_only_fields = fields

    def get_errors(self, run: ImportRun) -> list[dict]:
        return localized(run.errors)


class ImportRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    queryset = ImportRun.objects.all()
    serializer_class = ImportRunSerializer
    write_capability = Capability.EDIT_CONTACTS


class PromiseProposalSerializer(serializers.ModelSerializer):
    class Meta:
        model = PromiseProposal
        fields = ["id", "relationship", "interaction", "text", "actor", "due_date", "due_reason",
                  "status", "created_at", "decided_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["confirmed", "rejected", "kept", "missed"])
    due_date = serializers.DateField(required=False)


class PromiseProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    queryset = PromiseProposal.objects.all()
    serializer_class = PromiseProposalSerializer
    write_capability = Capability.LOG_TIMELINE
    filterset_fields = ["status", "relationship"]

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        from django.db import transaction

        proposal = self.get_object()
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        with transaction.atomic():
            proposal = do_decide_promise(proposal, actor=request.user, **decision.validated_data)
        return Response(PromiseProposalSerializer(proposal).data)


def register(router):
    router.register("imports", ImportRunViewSet, basename="import-run")
    router.register("promise-proposals", PromiseProposalViewSet, basename="promise-proposal")
