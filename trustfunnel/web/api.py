"""The API's base viewset: the one place API queries are scoped to the workspace.

Also the pieces every app's API shares: token-first authentication (so an anonymous
client gets a 401 with ``WWW-Authenticate: Token``), a related-object field that only
sees the caller's workspace, and ``write_atomically`` for the entry point's transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import authentication, serializers, viewsets

from trustfunnel.web.api_errors import ErrorDocumentingAutoSchema
from trustfunnel.workspaces.backends import MembershipTokenAuthentication
from trustfunnel.workspaces.models import Membership
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.scoping import get_membership

#: Token first: its ``WWW-Authenticate`` header turns "not logged in" into a 401.
API_AUTHENTICATION = [
    MembershipTokenAuthentication,  # DRF's, reading the memberships in the same query
    authentication.SessionAuthentication,
]


#: Query parameters of the pagination, not of a filter.
PAGING_PARAMS = frozenset({"cursor", "page_size", "ordering", "format"})


class LazyFilterBackend(DjangoFilterBackend):
    """django-filter, built only when the request names a filter.

    Building a FilterSet deep-copies its form fields (a country filter carries ~250
    choices): a third of an unfiltered API page's CPU. With no parameter besides the
    paging ones every filter sees an empty value and leaves the queryset as it is, so
    skipping the FilterSet changes nothing but the cost.
    """

    def filter_queryset(self, request, queryset, view):
        if not (set(request.query_params) - PAGING_PARAMS):
            return queryset
        return super().filter_queryset(request, queryset, view)


class WorkspaceViewSet(viewsets.GenericViewSet):
    """Subclasses set ``queryset`` (unscoped), ``serializer_class`` and
    ``write_capability``; every query here is ``for_workspace`` the caller's workspace.

    Lists are keyset-paginated in one of ``keyset_orderings`` (name -> fields ending in
    the primary key) and filtered by ``filterset_class``.
    """

    write_capability: Capability | None = None
    keyset_orderings: dict[str, tuple[str, ...]] = {"-id": ("-id",), "id": ("id",)}
    authentication_classes = API_AUTHENTICATION
    filter_backends = [LazyFilterBackend]
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


def _datetime_text(value, zone=None):
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone."""
    if value is None:
        return None
    if timezone.is_aware(value):
        text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    else:
        text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _plain(value):
    return value if value is None or type(value) in (int, bool, float, str) else str(value)


def _date_text(value):
    return value.isoformat() if value is not None else None


def values_row_spec(serializer_class, computed: dict[str, tuple[tuple[str, ...], Callable]]):
    """The columns to read with ``values()`` and a function turning such rows into
    exactly what ``serializer_class`` writes for the instances.

    For read-only list pages: no model instances, no serializer fields. Plain model
    fields are copied (a foreign key as its id, a datetime as DRF's ISO text);
    ``computed`` names the other output fields: ``{name: (columns, function(row))}``.
    Only for serializers whose fields are plain (no decimals, JSON, nested or method
    fields beyond ``computed``); a test compares the output with the serializer's.
    """
    model = serializer_class.Meta.model
    columns: list[str] = []
    steps: list[tuple[str, str, str, Callable | None]] = []  # (name, column, kind, function)
    for name in serializer_class.Meta.fields:
        if name in computed:
            needed, function = computed[name]
            columns += [c for c in needed if c not in columns]
            steps.append((name, "", "computed", function))
            continue
        field = model._meta.get_field(name)
        unplain = models.DecimalField | models.ManyToManyField | models.JSONField
        if isinstance(field, unplain) or not field.concrete:
            raise TypeError(f"{serializer_class.__name__}.{name} needs a computed converter")
        column = field.attname
        if column not in columns:
            columns.append(column)
        if isinstance(field, models.DateTimeField):
            kind = "datetime"
        elif isinstance(field, models.DateField):
            kind = "date"
        else:
            kind = "plain"
        steps.append((name, column, kind, None))

    def rows_of(rows) -> list[dict]:
        zone = timezone.get_current_timezone()  # once per page, not per cell
        converters = []
        for name, column, kind, function in steps:
            if kind == "computed":
                converters.append((name, function))
            elif kind == "datetime":
                converters.append((name, lambda r, c=column: _datetime_text(r[c], zone)))
            elif kind == "date":
                converters.append((name, lambda r, c=column: _date_text(r[c])))
            else:
                converters.append((name, lambda r, c=column: _plain(r[c])))
        return [{name: convert(row) for name, convert in converters} for row in rows]

    return tuple(columns), rows_of


class ValuesListMixin:
    """``list`` reads its page with ``values()`` and writes rows with ``values_row_spec``.

    A viewset sets ``list_rows = values_row_spec(SerializerClass, computed)``. The list
    is then one query whose rows become JSON without model instances or serializer
    fields: the serializer machinery cost more than the rest of the request together.
    Filtering, scoping and keyset paging are the same as for any list.
    """

    list_rows: tuple[tuple[str, ...], Callable] | None = None

    def list(self, request, *args, **kwargs):
        if self.list_rows is None:
            return super().list(request, *args, **kwargs)
        columns, rows_of = self.list_rows
        queryset = self.filter_queryset(self.get_queryset()).values(*columns)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(rows_of(page))


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
