"""Arbitrary bytes never crash a parser: they are read, or refused with ImportFileError."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from trustfunnel.core.importing import (
    ImportFileError,
    Location,
    iter_csv_rows,
    parse_calendar,
    parse_invoice,
    parse_message,
    parse_vcards,
    sniff_csv,
)

NOISE = st.binary(max_size=600)


def _vcard_like(data: bytes) -> bytes:
    return b"BEGIN:VCARD\r\nVERSION:2.1\r\n" + data + b"\r\nEND:VCARD\r\n"


@settings(max_examples=150)
@given(NOISE)
def test_vcard_parser_survives_any_bytes(data):
    try:
        result = parse_vcards(_vcard_like(data), "x.vcf")
    except ImportFileError:
        return
    for contact in result.contacts:
        assert contact.location.file == "x.vcf"


@settings(max_examples=150)
@given(NOISE)
def test_mail_parser_survives_any_bytes(data):
    try:
        mail = parse_message(b"From: a@b.nl\nSubject: x\n" + data, Location("m.eml", "message", 1))
    except ImportFileError:
        return
    assert mail.message_id


@settings(max_examples=150)
@given(NOISE)
def test_csv_reader_survives_any_bytes(data):
    try:
        layout = sniff_csv(b"a,b,c\n" + data, "f.csv")
    except ImportFileError:
        return
    for _ in iter_csv_rows(io.BytesIO(b"a,b,c\n" + data), layout, "f.csv"):
        pass


@settings(max_examples=60, deadline=None)
@given(NOISE)
def test_calendar_parser_survives_any_bytes(data):
    text = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n" + data + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    try:
        parse_calendar(text, "a.ics", now=datetime(2026, 11, 23, tzinfo=UTC))
    except ImportFileError:
        return


@settings(max_examples=150)
@given(NOISE)
def test_invoice_parser_survives_any_bytes(data):
    try:
        parse_invoice(data, "i.xml")
    except ImportFileError:
        return


_ICS_NAMES = ["DTSTART", "DTEND", "RRULE", "UID", "SUMMARY", "STATUS", "ATTENDEE", "RECURRENCE-ID",
              "EXDATE", "DURATION", "ORGANIZER", "DTSTART;TZID=Europe/Amsterdam", "DTSTART;VALUE=DATE"]
_ICS_VALUES = st.one_of(
    st.sampled_from(["20261101T100000", "20261101T100000Z", "20261101", "FREQ=WEEKLY;COUNT=3",
                     "FREQ=DAILY;UNTIL=20261110T000000Z", "CANCELLED", "mailto:a@b.nl", "PT1H", "x"]),
    st.text(alphabet="0123456789TZ:;=-,ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=30),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_ICS_NAMES), _ICS_VALUES), max_size=8))
def test_calendar_parser_survives_odd_properties(properties):
    body = "".join(f"{name}:{value}\r\n" for name, value in properties)
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n"
    try:
        parse_calendar(text.encode(), "a.ics", now=datetime(2026, 11, 23, tzinfo=UTC))
    except ImportFileError:
        return
