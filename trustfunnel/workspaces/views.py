"""Page mixins: the one place pages get their workspace and check the role."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.http import require_POST

from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.scoping import choose_workspace, get_membership


class WorkspaceMixin(LoginRequiredMixin):
    """Login required, a membership required; ``self.workspace`` and a scoped queryset.

    ``model`` querysets are always ``for_workspace(self.workspace)``; a view that needs
    a capability to be used at all sets ``required_capability``.
    """

    required_capability: Capability | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = get_membership(request)
        if self.membership is None:
            raise PermissionDenied("You are not a member of any workspace.")
        self.workspace = self.membership.workspace
        if self.required_capability and not self.membership.can(self.required_capability):
            raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, model):
        return model.objects.for_workspace(self.workspace)

    def get_queryset(self):
        return self.scoped(self.model)


@method_decorator(require_POST, name="dispatch")
class SwitchWorkspaceView(LoginRequiredMixin, View):
    def post(self, request):
        try:
            workspace_id = int(request.POST.get("workspace", ""))
        except ValueError:
            return HttpResponseBadRequest("workspace must be a number")
        if choose_workspace(request, workspace_id) is None:
            raise PermissionDenied("You are not a member of that workspace.")
        return redirect("web:home")
