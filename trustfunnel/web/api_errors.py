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
from rest_framework import exceptions, status
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


def exception_handler(exc, context):
    if isinstance(exc, TrustfunnelError):
        return Response(exc.as_dict(), status=exc.status)
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
