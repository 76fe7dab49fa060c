"""The API's permission: logged in, member of the current workspace, role allows it."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from trustfunnel.workspaces.scoping import get_membership


class WorkspaceRolePermission(BasePermission):
    """Reads need membership; writes need the view's ``write_capability``.

    A viewset declares ``write_capability`` (a :class:`~trustfunnel.workspaces.roles.
    Capability`); a view without one is read-only for everyone.
    """

    message = "You need a role in this workspace that allows this."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        membership = get_membership(request)
        if membership is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        capability = getattr(view, "write_capability", None)
        return capability is not None and membership.can(capability)
