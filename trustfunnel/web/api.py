"""The API's base viewset: the one place API queries are scoped to the workspace.

Also the pieces every app's API shares: token-first authentication (so an anonymous
client gets a 401 with ``WWW-Authenticate: Token``), a related-object field that only
sees the caller's workspace, and ``write_atomically`` for the entry point's transaction.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import authentication, serializers, viewsets

from trustfunnel.web.api_errors import ErrorDocumentingAutoSchema
from trustfunnel.workspaces.models import Membership
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.scoping import get_membership

#: Token first: its ``WWW-Authenticate`` header turns "not logged in" into a 401.
API_AUTHENTICATION = [
    authentication.TokenAuthentication,
    authentication.SessionAuthentication,
]


class WorkspaceViewSet(viewsets.GenericViewSet):
    """Subclasses set ``queryset`` (unscoped), ``serializer_class`` and
    ``write_capability``; every query here is ``for_workspace`` the caller's workspace.

    Lists are keyset-paginated in one of ``keyset_orderings`` (name -> fields ending in
    the primary key) and filtered by ``filterset_class``.
    """

    write_capability: Capability | None = None
    keyset_orderings: dict[str, tuple[str, ...]] = {"-id": ("-id",), "id": ("id",)}
    authentication_classes = API_AUTHENTICATION
    filter_backends = [DjangoFilterBackend]
    schema = ErrorDocumentingAutoSchema()

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


def write_atomically(func):
    """Run ``func`` (a viewset method that writes) inside the entry point's transaction."""

    def wrapper(*args, **kwargs):
        with transaction.atomic():
            return func(*args, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by id, looked up only in the caller's workspace.

    An id of another workspace's row answers exactly like an id that does not exist
    ("Invalid pk"), so the API never reveals what other firms hold.
    """

    def __init__(self, model=None, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.none() if model else None)
        super().__init__(**kwargs)

    def get_queryset(self):
        workspace = self.context.get("workspace")
        if workspace is None:
            return self.model.objects.none()
        return self.model.objects.for_workspace(workspace)


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user by id, who must be a member of the caller's workspace."""

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        workspace = self.context.get("workspace")
        users = get_user_model().objects.all()
        if workspace is None:
            return users.none()
        member_ids = Membership.objects.filter(workspace=workspace).values("user_id")
        return users.filter(pk__in=member_ids)
