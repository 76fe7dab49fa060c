"""One error shape for the whole API: ``{"code", "message", "data"}``.

Validation errors keep DRF's per-field detail under ``data.fields`` and name the first
field in the message, so a client (or a person reading a log) sees where it is.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from trustfunnel.core.errors import TrustfunnelError

logger = logging.getLogger(__name__)


def _first_field(detail, prefix: str = "") -> tuple[str, str] | None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}{key}" if key != "non_field_errors" else prefix.rstrip(".")
            found = _first_field(value, f"{name}." if name else "")
            if found:
                return (found[0] or name, found[1])
    elif isinstance(detail, list):
        for item in detail:
            found = _first_field(item, prefix)
            if found:
                return found
    elif detail is not None:
        return (prefix.rstrip("."), str(detail))
    return None


def _trustfunnel_error_body(exc: TrustfunnelError) -> dict:
    """The error's message, translated through the catalogue; a named field is also
    given under ``data.fields`` so clients read every validation error the same way."""
    try:
        message = _(exc.message_template).format(**exc.data)
    except (KeyError, IndexError, ValueError):
        message = exc.message
    data = dict(exc.data)
    field = data.get("field")
    if field:
        data.setdefault("fields", {field: [message]})
    return {"code": exc.code, "message": message, "data": data}


def exception_handler(exc, context):
    if isinstance(exc, TrustfunnelError):
        return Response(_trustfunnel_error_body(exc), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unexpected API error", exc_info=exc)
        return Response(
            {"code": "server_error", "message": _("An unexpected error occurred."), "data": {}},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        first = _first_field(exc.detail)
        field, text = first if first else ("", _("Invalid input."))
        message = f"{field}: {text}" if field else text
        response.data = {
            "code": "invalid_input",
            "message": message,
            "data": {"field": field, "fields": exc.detail},
        }
    else:
        code = getattr(exc, "default_code", "error")
        detail = getattr(exc, "detail", str(exc))
        response.data = {"code": code, "message": str(detail), "data": {}}
    return response


# -- the error shape in the OpenAPI schema ---------------------------------------------------


class ErrorDataSerializer(serializers.Serializer):
    field = serializers.CharField(
        required=False, help_text="The first field with an error (dotted for nested ones)."
    )
    fields = serializers.DictField(
        required=False, help_text="Every field with its list of messages.",
    )


class ApiErrorSerializer(serializers.Serializer):
    """Every error the API answers: a stable code, a readable message, and data."""

    code = serializers.CharField(help_text="Stable, e.g. invalid_input, not_found.")
    message = serializers.CharField(help_text="Readable; names the field for bad input.")
    data = ErrorDataSerializer()


_ERROR_RESPONSES = {
    "400": "Invalid input; data.field names the field.",
    "401": "Not authenticated: send a token or a session cookie.",
    "403": "Authenticated, but the role or workspace does not allow this.",
    "404": "No such object in the current workspace.",
}


WORKSPACE_HEADER = OpenApiParameter(
    name="X-Workspace",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Slug of the workspace to work in (default: the user's first workspace).",
)


class ErrorDocumentingAutoSchema(AutoSchema):
    """Adds the ``{code, message, data}`` error responses and the workspace header to
    every operation."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), WORKSPACE_HEADER]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            codes.insert(0, "400")
        if "{" in self.path:
            codes.append("404")
        for code in codes:
            if code not in responses:
                body = self._get_response_for_code(ApiErrorSerializer, code, direction=direction)
                body["description"] = _ERROR_RESPONSES[code]
                responses[code] = body
        return responses
