"""Keyset (cursor) pagination for every API list.

A page costs the same wherever it is in the list: no ``COUNT(*)`` and no ``OFFSET``
scan. A viewset names the orderings it allows in ``keyset_orderings``; each is a tuple
of non-null fields (model fields, or annotations of the view's queryset such as a
``Coalesce`` over a joined column) that ends in the primary key and runs in one
direction, so the position of a row is unique and the next page is one row comparison,
``(last_name, first_name, id) > (%s, %s, %s)``, that an index on
``(workspace, last_name, first_name, id)`` answers directly (PostgreSQL and SQLite
both support row values).

The cursor is opaque to clients: base64 of ``{"o": ordering, "v": [values], "p": prev}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections import OrderedDict
from datetime import UTC, datetime

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import BooleanField, Expression, F, Value
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from trustfunnel.web.keyset import keyset_order

DEFAULT_ORDERINGS: dict[str, tuple[str, ...]] = {"-id": ("-id",), "id": ("id",)}


class RowComparison(Expression):
    """``(a, b, c) > (x, y, z)`` as one SQL row-value comparison (a boolean condition)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, fields: list[str], values: list[Value], operator: str):
        super().__init__()
        self.lhs = [F(name) for name in fields]
        self.rhs = list(values)
        self.operator = operator

    def get_source_expressions(self):
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs):
        self.lhs, self.rhs = list(exprs[: len(self.lhs)]), list(exprs[len(self.lhs) :])

    def as_sql(self, compiler, connection):
        params: list = []
        parts = []
        for side in (self.lhs, self.rhs):
            sqls = []
            for expr in side:
                sql, expr_params = compiler.compile(expr)
                sqls.append(sql)
                params.extend(expr_params)
            parts.append(f"({', '.join(sqls)})")
        if len(self.lhs) == 1:  # a one-element row is just the value
            parts = [part[1:-1] for part in parts]
        return f"{parts[0]} {self.operator} {parts[1]}", params


def _encode(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> dict:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("v"), list):
        raise ValidationError({"cursor": [_("Invalid cursor.")]})
    return payload


class KeysetPagination(BasePagination):
    """Pages of ``page_size`` rows, linked by ``next``/``previous`` cursors."""

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"

    # -- the view's orderings -------------------------------------------------------------
    @staticmethod
    def orderings_for(view) -> dict[str, tuple[str, ...]]:
        return getattr(view, "keyset_orderings", None) or DEFAULT_ORDERINGS

    def ordering_name(self, request, view) -> str:
        orderings = self.orderings_for(view)
        name = request.query_params.get(self.ordering_query_param) or next(iter(orderings))
        if name not in orderings:
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        _("Unknown ordering %(name)s; choose one of: %(choices)s.")
                        % {"name": name, "choices": ", ".join(orderings)}
                    ]
                }
            )
        return name

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("A page size is a positive whole number.")]}
            )
        return min(size, self.max_page_size)

    # -- paging ---------------------------------------------------------------------------
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.ordering_key = self.ordering_name(request, view)
        self.fields = self.orderings_for(view)[self.ordering_key]
        descending = self.fields[0].startswith("-")
        names = [f.lstrip("-") for f in self.fields]
        self.names = names
        self.model = queryset.model
        self.sort_fields = [self._sort_field(queryset, name) for name in names]
        page_size = self.get_page_size(request)

        cursor = request.query_params.get(self.cursor_query_param)
        backwards = False
        if cursor:
            payload = _decode(cursor)
            if payload.get("o") != self.ordering_key or len(payload["v"]) != len(names):
                raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]})
            backwards = bool(payload.get("p"))
            values = self._values_from_cursor(payload["v"])
            # Forward in a descending list, or backward in an ascending one: "<".
            operator = "<" if descending != backwards else ">"
            queryset = queryset.filter(RowComparison(names, values, operator))

        scan_descending = descending != backwards
        order = [f"-{n}" if scan_descending else n for n in names]
        rows = list(queryset.order_by(*keyset_order(queryset, order))[: page_size + 1])
        has_more = len(rows) > page_size
        rows = rows[:page_size]
        if backwards:
            rows.reverse()
        # Going forward, "previous" exists when we came from a cursor; going back, "next"
        # always exists (we came from there) and "previous" when there were more rows.
        self.has_next = has_more if not backwards else True
        self.has_previous = bool(cursor) if not backwards else has_more
        self.page = rows
        return rows

    def _sort_field(self, queryset, name: str):
        """``(field, attribute)`` of a sort key: a model field or an annotation."""
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            annotation = queryset.query.annotations.get(name)
            if annotation is None:
                raise ImproperlyConfigured(f"keyset ordering by {name!r}: not a field or annotation") from None
            return annotation.output_field, name
        return field, field.attname

    def _values_from_cursor(self, raw_values: list) -> list[Value]:
        values = []
        for (field, _attribute), raw in zip(self.sort_fields, raw_values, strict=True):
            try:
                python_value = field.to_python(raw)
            except Exception:  # noqa: BLE001 - any bad value is a bad cursor
                raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]}) from None
            if (
                python_value is None
                or (isinstance(python_value, str) and "\x00" in python_value)
                or (isinstance(python_value, float) and not math.isfinite(python_value))
            ):
                raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]})
            if isinstance(python_value, datetime) and python_value.tzinfo is not None:
                python_value = python_value.astimezone(UTC)  # PostgreSQL: offsets < 16 h
            values.append(Value(python_value, output_field=field))
        return values

    def _cursor_for(self, row, previous: bool) -> str:
        values = []
        for name, (_field, attribute) in zip(self.names, self.sort_fields, strict=True):
            # A row is a model instance, or a dict from values() (ValuesListMixin).
            value = (row.get(attribute, row.get(name)) if isinstance(row, dict)
                     else getattr(row, attribute))
            values.append(value.isoformat() if hasattr(value, "isoformat") else value)
        return _encode({"o": self.ordering_key, "v": values, "p": 1 if previous else 0})

    def _link(self, cursor: str | None) -> str | None:
        url = self.request.build_absolute_uri()
        if cursor is None:
            return None
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self._link(self._cursor_for(self.page[-1], previous=False))

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(self._cursor_for(self.page[0], previous=True))

    def get_paginated_response(self, data):
        return Response(
            OrderedDict(
                [
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    # -- OpenAPI --------------------------------------------------------------------------
    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a previous page's next/previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most "
                f"{self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.ordering_query_param,
                "required": False,
                "in": "query",
                "description": "Sort order; the first is the default.",
                "schema": {"type": "string", "enum": list(self.orderings_for(view))},
            },
        ]


__all__ = ["KeysetPagination", "RowComparison", "DEFAULT_ORDERINGS"]
