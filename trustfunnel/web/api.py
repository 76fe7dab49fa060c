"""The API's base viewset: the one place API queries are scoped to the workspace."""

from __future__ import annotations

from rest_framework import viewsets

from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.scoping import get_membership


class WorkspaceViewSet(viewsets.GenericViewSet):
    """Subclasses set ``queryset`` (unscoped), ``serializer_class`` and
    ``write_capability``; every query here is ``for_workspace`` the caller's workspace.
    """

    write_capability: Capability | None = None

    @property
    def membership(self):
        return get_membership(self.request)

    @property
    def workspace(self):
        membership = self.membership
        return membership.workspace if membership else None

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.workspace is None:
            return queryset.none()
        return queryset.for_workspace(self.workspace)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["workspace"] = self.workspace
        context["membership"] = self.membership
        return context
