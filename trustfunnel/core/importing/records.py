"""Typed records that the parsers yield, and the issues they report with their place.

Every parser is pure: bytes in, frozen dataclasses out. A record carries the
:class:`Location` it came from so an error can name the file, the line (CSV), the
card or event (vCard, iCalendar), the message (mail) and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from trustfunnel.core.errors import InvalidInput

__all__ = [
    "Location",
    "Issue",
    "ImportFileError",
    "ContactRecord",
    "Attendee",
    "MeetingRecord",
    "MailRecord",
    "InvoiceRecord",
    "PartyId",
    "PaymentRecord",
]


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a file something is: ``unit`` is "line", "card", "event", "message"."""

    file: str
    unit: str = "line"
    index: int | None = None
    field: str = ""

    def with_field(self, name: str) -> Location:
        return Location(self.file, self.unit, self.index, name)

    def describe(self) -> str:
        parts = [self.file or "(upload)"]
        if self.index is not None:
            parts.append(f"{self.unit} {self.index}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem (``error``) or something the user should know (``note``)."""

    location: Location
    message: str
    severity: str = "error"  # "error" | "warning" | "note"

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
        }


class ImportFileError(InvalidInput):
    """A file (or part of it) that cannot be read; the message names the place."""

    code = "import_error"
    template = "{place}: {problem}"

    def __init__(self, location: Location, problem: str) -> None:
        self.location = location
        super().__init__(place=location.describe(), problem=problem, field=location.field)

    def as_issue(self) -> Issue:
        return Issue(self.location, self.data["problem"])


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
    notes: tuple[str, ...] = ()


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

