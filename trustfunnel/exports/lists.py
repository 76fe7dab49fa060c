"""CSV exports of the lists, as filtered on the page.

Each list is a :class:`ListExport`: the model, the columns (``values_list`` lookups, so
related names come in through joins in the same query) and a django-filter FilterSet
whose parameter names the list page uses too, so the page's "Export" link is the list URL
with ``.csv`` and the same query string. An app that owns a list may register its own
FilterSet here (``register_list_export``) to keep the two in step.

Streaming: rows come from one query (``iterator``) and go out as they are written, so
memory stays flat for any number of rows.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import django_filters
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustfunnel.crm.models import (
    OPEN_STAGES,
    Deal,
    DealStage,
    Organization,
    Person,
    Relationship,
    RelationshipKind,
)
from trustfunnel.timeline.models import Interaction, InteractionKind

#: Cells that a spreadsheet would run as a formula get a leading apostrophe (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OrganizationExportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("name"))

    class Meta:
        model = Organization
        fields = ["country", "sector", "size"]


class PersonExportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("name or e-mail"))

    class Meta:
        model = Person
        fields = ["organization", "country", "language", "marketing_consent", "decision_authority"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(first_name__icontains=value) | Q(last_name__icontains=value) | Q(email__icontains=value)
        )


class RelationshipExportFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=RelationshipKind.choices)

    class Meta:
        model = Relationship
        fields = ["kind", "owner", "organization", "person"]


class DealExportFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=DealStage.choices)
    open = django_filters.BooleanFilter(method="filter_open", label=_("open"))

    class Meta:
        model = Deal
        fields = ["stage", "owner", "relationship"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(stage__in=OPEN_STAGES) if value else queryset.exclude(stage__in=OPEN_STAGES)


class InteractionExportFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=InteractionKind.choices)
    since = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte")

    class Meta:
        model = Interaction
        fields = ["kind", "relationship", "direction"]


@dataclass(frozen=True)
class ListExport:
    key: str
    title: Any
    model: type[models.Model]
    columns: tuple[tuple[str, Any], ...]  # (values_list lookup, header)
    filterset_class: type[django_filters.FilterSet]
    ordering: tuple[str, ...] = ("id",)


list_exports: dict[str, ListExport] = {}


def register_list_export(export: ListExport) -> None:
    """Add or replace a list's export (the owning app's FilterSet wins)."""
    list_exports[export.key] = export


for _export in (
    ListExport(
        "organizations", _("Organisations"), Organization,
        (("id", "id"), ("name", _("name")), ("country", _("country")), ("sector", _("sector")),
         ("size", _("size")), ("website", _("website")), ("vat_number", _("VAT number")),
         ("chamber_number", _("Chamber of Commerce number")), ("notes", _("notes")),
         ("created_at", _("created"))),
        OrganizationExportFilter, ("name", "id"),
    ),
    ListExport(
        "people", _("People"), Person,
        (("id", "id"), ("first_name", _("first name")), ("last_name", _("last name")),
         ("organization__name", _("organisation")), ("job_title", _("job title")),
         ("decision_authority", _("decision authority")), ("language", _("language")),
         ("country", _("country")), ("email", _("e-mail")), ("phone", _("phone")),
         ("marketing_consent", _("marketing consent")), ("consent_at", _("consent given at")),
         ("consent_source", _("consent source"))),
        PersonExportFilter, ("last_name", "first_name", "id"),
    ),
    ListExport(
        "relationships", _("Relationships"), Relationship,
        (("id", "id"), ("organization__name", _("organisation")),
         ("person__first_name", _("first name")), ("person__last_name", _("last name")),
         ("kind", _("kind")), ("owner__username", _("account owner")),
         ("started_at", _("started")), ("created_at", _("created"))),
        RelationshipExportFilter,
    ),
    ListExport(
        "deals", _("Deals"), Deal,
        (("id", "id"), ("title", _("title")), ("relationship_id", _("relationship")),
         ("relationship__organization__name", _("organisation")),
         ("relationship__person__last_name", _("person")), ("stage", _("stage")),
         ("value", _("value")), ("currency", _("currency")),
         ("expected_close", _("expected close")), ("owner__username", _("owner")),
         ("first_contact_at", _("first contact")), ("closed_at", _("closed"))),
        DealExportFilter,
    ),
    ListExport(
        "interactions", _("Interactions"), Interaction,
        (("id", "id"), ("relationship_id", _("relationship")),
         ("relationship__organization__name", _("organisation")),
         ("relationship__person__last_name", _("person")), ("kind", _("kind")),
         ("direction", _("direction")), ("occurred_at", _("when")), ("subject", _("subject")),
         ("notes", _("notes")), ("topics", _("topics"))),
        InteractionExportFilter, ("-occurred_at", "-id"),
    ),
):
    register_list_export(_export)


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str = ","
    decimal_comma: bool = False


COMMA = CsvDialect()
#: Dutch Excel: semicolons between cells and a decimal comma.
SEMICOLON = CsvDialect(delimiter=";", decimal_comma=True)


def format_cell(value: Any, dialect: CsvDialect) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        text = str(value)
        return text.replace(".", ",") if dialect.decimal_comma else text
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object that hands back what is written (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


#: Rows per chunk sent to the client: few enough to keep memory flat, enough to keep
#: the per-chunk overhead of the server small.
ROWS_PER_CHUNK = 500


def stream_csv(header: list[str], rows: Iterable[tuple], dialect: CsvDialect) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (so Excel reads accents right), in chunks of rows."""
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter, lineterminator="\r\n")
    yield codecs.BOM_UTF8 + writer.writerow(header).encode()
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([format_cell(v, dialect) for v in row]))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def export_rows(export: ListExport, queryset) -> Iterator[tuple]:
    lookups = [lookup for lookup, _header in export.columns]
    return queryset.order_by(*export.ordering).values_list(*lookups).iterator(chunk_size=2000)


def export_header(export: ListExport) -> list[str]:
    return [str(header) for _lookup, header in export.columns]
