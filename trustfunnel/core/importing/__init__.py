"""Pure parsers for imports: CSV, vCard, iCalendar, mail, UBL invoices, payments.

No Django here. Each parser takes bytes (or byte lines, to stream) and a file name and
returns typed frozen records that carry their :class:`Location`; problems are
:class:`Issue` values (or an :class:`ImportFileError` when nothing can be read) that
name the file, the line/card/event/message and the field.
"""

from trustfunnel.core.importing.csvfile import CsvLayout, CsvRow, iter_csv_rows, sniff_csv
from trustfunnel.core.importing.ics import CalendarResult, parse_calendar
from trustfunnel.core.importing.mail import is_mbox, iter_messages, parse_message, split_mbox
from trustfunnel.core.importing.mapping import (
    KINDS,
    PRESETS,
    TARGET_FIELDS,
    Preset,
    apply_mapping,
    check_mapping,
    guess_preset,
    mapping_for,
)
from trustfunnel.core.importing.payments import iter_payments, payment_columns
from trustfunnel.core.importing.records import (
    Attendee,
    ContactRecord,
    ImportFileError,
    InvoiceRecord,
    Issue,
    Location,
    MailRecord,
    MeetingRecord,
    PartyId,
    PaymentRecord,
    Text,
    TextError,
    describe_place,
)
from trustfunnel.core.importing.text import decode_8bit, decode_text, detect_encoding
from trustfunnel.core.importing.ubl import InvoiceResult, check_vat_number, parse_invoice
from trustfunnel.core.importing.values import parse_amount, parse_date, parse_datetime
from trustfunnel.core.importing.vcard import VCardResult, parse_vcards

__all__ = [
    "Attendee",
    "CalendarResult",
    "ContactRecord",
    "CsvLayout",
    "CsvRow",
    "ImportFileError",
    "InvoiceRecord",
    "InvoiceResult",
    "Issue",
    "KINDS",
    "Location",
    "PartyId",
    "MailRecord",
    "MeetingRecord",
    "PRESETS",
    "PaymentRecord",
    "Preset",
    "TARGET_FIELDS",
    "Text",
    "TextError",
    "VCardResult",
    "apply_mapping",
    "check_mapping",
    "check_vat_number",
    "decode_8bit",
    "decode_text",
    "describe_place",
    "detect_encoding",
    "guess_preset",
    "is_mbox",
    "iter_csv_rows",
    "iter_messages",
    "iter_payments",
    "mapping_for",
    "parse_amount",
    "parse_calendar",
    "parse_date",
    "parse_datetime",
    "parse_invoice",
    "parse_message",
    "parse_vcards",
    "payment_columns",
    "sniff_csv",
    "split_mbox",
]
