"""The error hierarchy shared by the engines, services, pages and the API.

Every error has a stable ``code``, an HTTP ``status``, a message template and data
fields. The API answers ``{"code", "message", "data"}``; pages show the message.
Messages are plain English templates here; the web layer translates them by looking
the template up in its catalogue (core cannot import Django's translation).
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "TrustfunnelError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "Conflict",
    "UnknownCountry",
]


class TrustfunnelError(Exception):
    """Base of every error the product raises on purpose."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    template: ClassVar[str] = "Something went wrong."

    def __init__(self, template: str | None = None, /, **data: Any) -> None:
        self.message_template = template or self.template
        self.data = data
        super().__init__(self.message)

    @property
    def message(self) -> str:
        try:
            return self.message_template.format(**self.data)
        except (KeyError, IndexError):
            return self.message_template

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


class InvalidInput(TrustfunnelError):
    """Bad input; ``field`` (when known) names where it is."""

    code = "invalid_input"
    status = 400
    template = "Invalid value for {field}."


class NotFound(TrustfunnelError):
    code = "not_found"
    status = 404
    template = "Not found."


class PermissionDenied(TrustfunnelError):
    code = "permission_denied"
    status = 403
    template = "You do not have permission to do this."


class Conflict(TrustfunnelError):
    code = "conflict"
    status = 409
    template = "This conflicts with the current state."


class UnknownCountry(InvalidInput):
    code = "unknown_country"
    template = "Unknown country code {country!r}: use a two-letter ISO 3166 code such as NL or DE."
