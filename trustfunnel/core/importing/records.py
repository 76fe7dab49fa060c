"""Typed records that the parsers yield, and the issues they report with their place.

Every parser is pure: bytes in, frozen dataclasses out. A record carries the
:class:`Location` it came from so an error can name the file, the line (CSV), the
card or event (vCard, iCalendar), the message (mail) and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from trustfunnel.core.errors import InvalidInput

__all__ = [
    "Location",
    "Issue",
    "Text",
    "TextError",
    "describe_place",
    "ImportFileError",
    "ContactRecord",
    "Attendee",
    "MeetingRecord",
    "MailRecord",
    "InvoiceRecord",
    "PartyId",
    "PaymentRecord",
]


class Text:
    """A user-facing text: an English ``template`` with named placeholders and the
    ``params`` that fill it. Core cannot translate; the app looks the template up in its
    catalogue (``trustfunnel.imports.messages``) and fills it in the reader's language.
    A param may itself be a :class:`Text` (or a tuple of them, joined by spaces).

    Write templates as literals in ``Text("...")`` calls: a test collects them from the
    source and checks that the catalogue lists every one."""

    __slots__ = ("template", "params")

    def __init__(self, template: str, /, **params: Any) -> None:
        self.template = template
        self.params = params

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        """The text filled in; ``translate`` maps a template to its translation."""
        params = {k: _render_param(v, translate) for k, v in self.params.items()}
        template = translate(self.template) if translate else self.template
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            try:
                return self.template.format(**params)
            except (KeyError, IndexError, ValueError):
                return self.template

    def as_dict(self) -> dict:
        """JSON-ready: ``{"template", "params"}`` (nested texts likewise)."""
        return {"template": self.template, "params": {k: _plain(v) for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> Text:
        return cls(data.get("template", ""), **{k: _unplain(v) for k, v in (data.get("params") or {}).items()})

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text({self.template!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.template, self.params) == (other.template, other.params)

    def __hash__(self) -> int:
        return hash(self.template)


def _render_param(value: Any, translate) -> Any:
    if isinstance(value, Text):
        return value.render(translate)
    if isinstance(value, tuple) and value and all(isinstance(v, Text) for v in value):
        return " ".join(v.render(translate) for v in value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        return value.as_dict()
    if isinstance(value, tuple) and value and all(isinstance(v, Text) for v in value):
        return {"texts": [v.as_dict() for v in value]}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and "template" in value:
        return Text.from_dict(value)
    if isinstance(value, dict) and "texts" in value:
        return tuple(Text.from_dict(v) for v in value["texts"])
    return value


class TextError(ValueError):
    """A value that cannot be read; ``text`` says why (``str()`` is the English)."""

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(text.render())


#: How a place in a file is named, per unit (``{index}`` is its number).
UNIT_TEMPLATES = {
    "line": "line {index}",
    "card": "card {index}",
    "event": "event {index}",
    "message": "message {index}",
    "document": "document {index}",
}
FIELD_TEMPLATE = "field {field!r}"
UPLOAD_NAME = "(upload)"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a file something is: ``unit`` is "line", "card", "event", "message"."""

    file: str
    unit: str = "line"
    index: int | None = None
    field: str = ""

    def with_field(self, name: str) -> Location:
        return Location(self.file, self.unit, self.index, name)

    def describe(self, translate: Callable[[str], str] | None = None) -> str:
        """"file, line 3, field 'email'"; ``translate`` maps the unit words' templates."""
        return describe_place(self.file, self.unit, self.index, self.field, translate)


def describe_place(file: str, unit: str, index: int | None, field: str,
                   translate: Callable[[str], str] | None = None) -> str:
    tr = translate or (lambda t: t)
    parts = [file or tr(UPLOAD_NAME)]
    if index is not None:
        template = UNIT_TEMPLATES.get(unit)
        parts.append(tr(template).format(index=index) if template else f"{unit} {index}")
    if field:
        parts.append(tr(FIELD_TEMPLATE).format(field=field))
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem (``error``) or something the user should know (``note``). ``text`` may
    be given as a plain string (a message from elsewhere, already worded)."""

    location: Location
    text: Text
    severity: str = "error"  # "error" | "warning" | "note"

    def __post_init__(self) -> None:
        if not isinstance(self.text, Text):
            object.__setattr__(self, "text", Text("{message}", message=str(self.text)))

    @property
    def message(self) -> str:
        """The English rendering (logs, fallback)."""
        return self.text.render()

    def describe(self) -> str:
        return f"{self.location.describe()}: {self.message}"

    def as_dict(self) -> dict:
        return {
            "file": self.location.file,
            "unit": self.location.unit,
            "index": self.location.index,
            "field": self.location.field,
            "message": self.message,
            "severity": self.severity,
            **self.text.as_dict(),
        }


class ImportFileError(InvalidInput):
    """A file (or part of it) that cannot be read; the message names the place."""

    code = "import_error"
    template = "{place}: {problem}"

    def __init__(self, location: Location, problem: Text) -> None:
        self.location = location
        self.text = problem if isinstance(problem, Text) else Text("{message}", message=str(problem))
        super().__init__(place=location.describe(), problem=self.text.render(), field=location.field)

    def as_issue(self) -> Issue:
        return Issue(self.location, self.text)


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """A person and/or organisation from a CSV row or a vCard."""

    location: Location
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    job_title: str = ""
    organization: str = ""
    country: str = ""
    website: str = ""
    vat_number: str = ""
    chamber_number: str = ""
    notes: str = ""
    uid: str = ""

    @property
    def has_person(self) -> bool:
        return bool(self.first_name or self.last_name or self.email)


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str
    name: str = ""
    partstat: str = ""  # ACCEPTED, DECLINED, TENTATIVE, NEEDS-ACTION, DELEGATED


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """One held (or cancelled) occurrence of a calendar event."""

    location: Location
    uid: str
    starts_at: datetime
    ends_at: datetime | None
    summary: str = ""
    description: str = ""
    organizer: str = ""
    attendees: tuple[Attendee, ...] = ()
    cancelled: bool = False
    recurrence_id: str = ""

    @property
    def external_id(self) -> str:
        return f"{self.uid}#{self.recurrence_id}" if self.recurrence_id else self.uid

    @property
    def declined_by(self) -> tuple[str, ...]:
        return tuple(a.email for a in self.attendees if a.partstat == "DECLINED")


@dataclass(frozen=True, slots=True)
class MailRecord:
    location: Location
    message_id: str
    sent_at: datetime | None
    subject: str
    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    body: str
    thread_key: str
    notes: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class PartyId:
    """One registration identifier of a party: where it was found, its scheme (an ISO
    6523 ICD such as 0106 for the Dutch KvK, 0183 for the Swiss UID, or "" when the file
    gives none) and its value."""

    element: str
    scheme: str
    value: str


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """An invoice or a credit note (``document`` "invoice" / "credit_note"); a credit
    note's ``credited_number`` is the invoice it corrects (cac:BillingReference)."""

    location: Location
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str
    buyer_name: str
    #: The buyer's VAT number when it passed the country check, else "".
    buyer_vat: str = ""
    #: The first legal registration id (kept on an organisation created from the file).
    buyer_chamber: str = ""
    buyer_country: str = ""
    seller_name: str = ""
    #: Informational only: the seller is the firm itself (not validated).
    seller_vat: str = ""
    document: str = "invoice"
    credited_number: str = ""
    #: Every registration identifier of the buyer, in matching order.
    buyer_ids: tuple[PartyId, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    location: Location
    invoice_number: str
    paid_on: date
    amount: Decimal | None = None

