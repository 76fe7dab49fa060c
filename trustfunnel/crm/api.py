"""API viewsets for organisations, people, relationships and deals.

Thin: a scoped queryset, a serializer, a filterset and the allowed orderings. Every
write runs ``check_*`` then ``do_*`` from :mod:`trustfunnel.crm.services` inside one
transaction owned here.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action

from trustfunnel.core.errors import PermissionDenied
from trustfunnel.crm import services
from trustfunnel.crm.filters import DealFilter, OrganizationFilter, PersonFilter, RelationshipFilter
from trustfunnel.crm.models import Deal, DealStageChange, Organization, Person, Relationship
from trustfunnel.crm.serializers import (
    DealSerializer,
    DealStageChangeSerializer,
    OrganizationSerializer,
    PersonSerializer,
    RelationshipSerializer,
)
from trustfunnel.privacy.mixins import LogPersonViewMixin
from trustfunnel.scoring.selectors import TRUST_KEYSET_ORDERINGS, annotate_trust
from trustfunnel.web.api import (
    ValuesListMixin,
    WorkspaceViewSet,
    values_row_spec,
    write_atomically,
)
from trustfunnel.web.pagination import KeysetPagination
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.roles import Capability, Role

_READ_WRITE = (
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
)


class _ServiceWriteViewSet(*_READ_WRITE, WorkspaceViewSet):
    """Create and update through a ``do_save_*(workspace, actor=, fields=, instance=)``."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def save_through_service(self, fields: dict, instance=None):
        raise NotImplementedError

    @write_atomically
    def perform_create(self, serializer):
        serializer.instance = self.save_through_service(dict(serializer.validated_data))

    @write_atomically
    def perform_update(self, serializer):
        # Lock the row for the read-modify-write (no joins: FOR UPDATE of this table only).
        model = serializer.instance.__class__
        instance = (
            model.objects.for_workspace(self.workspace)
            .select_for_update()
            .get(pk=serializer.instance.pk)
        )
        serializer.instance = self.save_through_service(
            dict(serializer.validated_data), instance=instance
        )


class OrganizationViewSet(ValuesListMixin, _ServiceWriteViewSet):
    """Organisations of the workspace."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    list_rows = values_row_spec(OrganizationSerializer, {})
    filterset_class = OrganizationFilter
    write_capability = Capability.EDIT_CONTACTS
    keyset_orderings = {"name": ("name", "id"), "-id": ("-id",), "id": ("id",)}

    def save_through_service(self, fields, instance=None):
        services.check_capability(self.membership, self.write_capability)
        return services.do_save_organization(
            self.workspace, actor=self.request.user, fields=fields, instance=instance
        )


class PersonViewSet(LogPersonViewMixin, ValuesListMixin, _ServiceWriteViewSet):
    """People of the workspace."""

    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    list_rows = values_row_spec(PersonSerializer, {
        "full_name": (("first_name", "last_name"),
                      lambda row: f"{row['first_name']} {row['last_name']}".strip()),
    })
    filterset_class = PersonFilter
    write_capability = Capability.EDIT_CONTACTS
    keyset_orderings = {
        "name": ("last_name", "first_name", "id"),
        "-name": ("-last_name", "-first_name", "-id"),
        "-id": ("-id",),
        "id": ("id",),
    }

    def save_through_service(self, fields, instance=None):
        services.check_capability(self.membership, self.write_capability)
        return services.do_save_person(
            self.workspace, actor=self.request.user, fields=fields, instance=instance
        )


PRIVATE_NOTES_MESSAGE = "Only the account owner or an admin can edit private notes."


class RelationshipViewSet(_ServiceWriteViewSet):
    queryset = Relationship.objects.select_related("person", "organization")
    serializer_class = RelationshipSerializer
    filterset_class = RelationshipFilter
    write_capability = Capability.EDIT_RELATIONSHIPS
    keyset_orderings = {"-id": ("-id",), "id": ("id",), **TRUST_KEYSET_ORDERINGS}

    def get_queryset(self):
        # The cached trust figures (one LEFT JOIN); a relationship without a state yet
        # sorts at this workspace's base rate.
        base_rate = params_for(self.workspace).trust.base_rate
        return annotate_trust(super().get_queryset(), base_rate=base_rate)

    def check_permissions(self, request):
        # Say why before the generic role check does: marketing and viewers may never
        # touch a salesperson's private notes.
        membership = self.membership
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and membership is not None
            and membership.role not in (Role.OWNER, Role.ADMIN, Role.SALES)
            and "private_notes" in getattr(request, "data", {})
        ):
            raise PermissionDenied(PRIVATE_NOTES_MESSAGE)
        super().check_permissions(request)

    def save_through_service(self, fields, instance=None):
        services.check_capability(self.membership, self.write_capability)
        if instance is None:
            fields.setdefault("owner", self.request.user)
        merged = {
            name: fields.get(name, getattr(instance, name, None))
            for name in ("person", "organization", "owner")
        }
        services.check_relationship_fields(self.workspace, merged)
        notes_changed = "private_notes" in fields and (
            fields["private_notes"] != (instance.private_notes if instance else "")
        )
        if notes_changed:
            # The notes belong to the owner the relationship has (or will have).
            subject = instance or Relationship(owner=merged["owner"])
            services.check_can_edit_private_notes(self.membership, subject)
        return services.do_save_relationship(
            self.workspace, actor=self.request.user, fields=fields, instance=instance
        )


class DealViewSet(_ServiceWriteViewSet):
    queryset = Deal.objects.all()
    serializer_class = DealSerializer
    filterset_class = DealFilter
    write_capability = Capability.EDIT_RELATIONSHIPS
    keyset_orderings = {"-id": ("-id",), "id": ("id",), "stage": ("stage", "id")}

    def save_through_service(self, fields, instance=None):
        services.check_capability(self.membership, self.write_capability)
        if instance is None:
            fields.setdefault("owner", self.request.user)
        services.check_deal_fields(self.workspace, fields)
        return services.do_save_deal(
            self.workspace, actor=self.request.user, fields=fields, instance=instance
        )

    @extend_schema(
        responses=DealStageChangeSerializer(many=True),
        summary="The deal's stage history, oldest first.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="stage-history",
        serializer_class=DealStageChangeSerializer,
        filterset_class=None,
        pagination_class=KeysetPagination,
        keyset_orderings={"at": ("at", "id"), "-at": ("-at", "-id")},
    )
    def stage_history(self, request, pk=None):
        deal = self.get_object()
        changes = DealStageChange.objects.for_workspace(self.workspace).filter(deal=deal)
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def register(router) -> None:
    router.register("organizations", OrganizationViewSet, basename="organization")
    router.register("people", PersonViewSet, basename="person")
    router.register("relationships", RelationshipViewSet, basename="relationship")
    router.register("deals", DealViewSet, basename="deal")


