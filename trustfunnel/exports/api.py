"""API: the list CSVs (same filters as the pages), for scripts and spreadsheets."""

from __future__ import annotations

import json

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from trustfunnel.core.errors import InvalidInput, NotFound
from trustfunnel.exports.lists import list_exports
from trustfunnel.exports.views import (
    csv_response,
    dialect_from,
    filter_error_text,
    filtered,
    record_export,
)
from trustfunnel.workspaces.scoping import get_membership


class CsvRenderer(BaseRenderer):
    """Lets a client ask for text/csv; an error body still goes out as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode() if data is not None else b""


class ListCsvExportView(APIView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="exports_list_csv",
        summary="A list as CSV, filtered with the list's query parameters",
        parameters=[
            OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH,
                             enum=sorted(list_exports)),
            OpenApiParameter("delimiter", OpenApiTypes.STR, enum=["comma", "semicolon"],
                             description="semicolon: Dutch Excel (also a decimal comma)"),
        ],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, key: str):
        export = list_exports.get(key)
        if export is None:
            raise NotFound("No export called {field}.", field=key)
        membership = get_membership(request)
        queryset, errors = filtered(export, request.query_params, membership.workspace)
        if errors:
            raise InvalidInput(filter_error_text(errors), field=next(iter(errors)))
        record_export(membership, f"{key}.csv", request.query_params)
        return csv_response(export, queryset, dialect_from(request.query_params), membership.workspace)


urlpatterns = [
    path("exports/<slug:key>.csv", ListCsvExportView.as_view(), name="api-exports-list-csv"),
]
