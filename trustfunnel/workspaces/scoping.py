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
#: Where the user's memberships live for one request: on the user object when the
#: authentication loaded them with the user (backends.py), else on the request.
MEMBERSHIPS_ATTR = "_trustfunnel_memberships"


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


def load_memberships(user) -> list[Membership]:
    """All of ``user``'s memberships with their workspaces, by workspace name (one query)."""
    rows = list(
        Membership.objects.select_related("workspace")
        .filter(user=user)
        .order_by("workspace__name", "workspace_id")
    )
    for row in rows:
        row.user = user  # no lazy query for membership.user
    return rows


def user_memberships(request) -> list[Membership]:
    """The user's memberships for this request: loaded at most once, never across
    requests (a role change counts from the next request on)."""
    raw = getattr(request, "_request", request)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    preloaded = getattr(user, MEMBERSHIPS_ATTR, None)
    if preloaded is not None:
        return preloaded
    cached = getattr(raw, MEMBERSHIPS_ATTR, None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    rows = load_memberships(user)
    setattr(raw, MEMBERSHIPS_ATTR, (user.pk, rows))
    return rows


def _resolve(request, user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    memberships = user_memberships(request)
    wanted_slug = request.headers.get("X-Workspace")
    if wanted_slug:
        return next((m for m in memberships if m.workspace.slug == wanted_slug), None)
    session = getattr(request, "session", None)
    wanted_id = session.get(SESSION_KEY) if session is not None else None
    if wanted_id:
        try:
            wanted_id = int(wanted_id)
        except (TypeError, ValueError):
            wanted_id = None
        chosen = next((m for m in memberships if m.workspace_id == wanted_id), None)
        if chosen:
            return chosen
    return memberships[0] if memberships else None


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
