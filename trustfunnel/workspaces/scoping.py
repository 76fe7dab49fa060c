"""The one place that knows which workspace a request works in.

The current workspace is the one named by the ``X-Workspace`` header (a slug, for API
clients), else the one chosen in the session, provided the user is a member of it;
otherwise the user's first workspace. A user with no membership gets ``None`` and is
refused by the page mixins and the API permission.

Views and viewsets never filter by workspace themselves: they inherit the mixins in
:mod:`trustfunnel.workspaces.views` and :mod:`trustfunnel.web.api`, which call
:func:`get_membership` and ``Model.objects.for_workspace``.
"""

from __future__ import annotations

from trustfunnel.workspaces.models import Membership, Workspace

SESSION_KEY = "workspace_id"
_CACHE_ATTR = "_trustfunnel_membership"


def get_membership(request) -> Membership | None:
    """The requesting user's membership in the current workspace (cached per request)."""
    raw = getattr(request, "_request", request)  # DRF wraps the HttpRequest
    user = getattr(request, "user", None)
    cached = getattr(raw, _CACHE_ATTR, None)
    if cached is not None and cached[0] == getattr(user, "pk", None):
        return cached[1]
    membership = _resolve(raw, user)
    setattr(raw, _CACHE_ATTR, (getattr(user, "pk", None), membership))
    return membership


def get_workspace(request) -> Workspace | None:
    membership = get_membership(request)
    return membership.workspace if membership else None


def _resolve(request, user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("workspace").filter(user=user)
    wanted_slug = request.headers.get("X-Workspace")
    if wanted_slug:
        return memberships.filter(workspace__slug=wanted_slug).first()
    session = getattr(request, "session", None)
    wanted_id = session.get(SESSION_KEY) if session is not None else None
    if wanted_id:
        chosen = memberships.filter(workspace_id=wanted_id).first()
        if chosen:
            return chosen
    return memberships.order_by("workspace__name", "workspace_id").first()


def choose_workspace(request, workspace_id: int) -> Membership | None:
    """Switch the session to ``workspace_id`` if the user is a member; return it."""
    membership = (
        Membership.objects.select_related("workspace")
        .filter(user=request.user, workspace_id=workspace_id)
        .first()
    )
    if membership:
        request.session[SESSION_KEY] = membership.workspace_id
        setattr(request, _CACHE_ATTR, (request.user.pk, membership))
    return membership
