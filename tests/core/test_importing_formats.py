from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trustfunnel.core.importing import (
    ImportFileError,
    Location,
    check_vat_number,
    decode_8bit,
    parse_calendar,
    parse_invoice,
    parse_message,
    parse_vcards,
    split_mbox,
)

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_vcard_folded_lines_escapes_and_versions():
    data = (b"BEGIN:VCARD\nVERSION:3.0\nN:Doe;John;Richter\\, James;;\nFN:John Doe\n"
            b"ORG:IBM;Accounting\nEMAIL;TYPE=work:john@ib\n m.com\nEND:VCARD\n"
            b"BEGIN:VCARD\nVERSION:4.0\nFN:Simon Perreault\nTEL;VALUE=uri;TYPE=\"work,voice\";PREF=1:tel:+1-418-656-9254;ext=102\n"
            b"END:VCARD\n")
    result = parse_vcards(data, "c.vcf")
    john, simon = result.contacts
    assert (john.first_name, john.last_name, john.organization, john.email) == (
        "John Richter, James", "Doe", "IBM", "john@ibm.com")
    assert (simon.first_name, simon.last_name, simon.phone) == ("Simon", "Perreault", "+1-418-656-9254")
    assert simon.location.index == 2


def test_vcard_without_any_identity_is_reported_not_dropped_silently():
    result = parse_vcards(b"BEGIN:VCARD\nVERSION:2.1\nTEL:123\nEND:VCARD\n", "c.vcf")
    assert not result.contacts
    assert "no name, e-mail or organisation" in result.issues[0].describe()
    assert result.issues[0].location.index == 1


def test_not_a_vcard_is_refused():
    with pytest.raises(ImportFileError, match="not a vCard"):
        parse_vcards(b"hello", "x.vcf")


@pytest.mark.parametrize(("raw", "text"), [
    (b"Iksi\xf1ski", "Iksiński"),  # cp1250 between consonants
    (b"Espa\xf1a", "España"),  # Latin-1 before a vowel
    ("Müller".encode(), "Müller"),
])
def test_decode_8bit_heuristics(raw, text):
    assert decode_8bit(raw) == text


def test_calendar_with_odd_tzid_and_spaced_rrule_expands():
    data = (b"BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\n"
            b'DTSTART;TZID="GMT +0100 (Standard)":20261116T100000\n'
            b"RRULE:FREQ=DAILY;COUNT=3;BYDAY=MO, TU, WE\nSUMMARY:Stand-up\nEND:VEVENT\nEND:VCALENDAR\n")
    result = parse_calendar(data, "a.ics", now=NOW)
    assert [m.starts_at.day for m in result.meetings] == [16, 17, 18]
    assert len({m.external_id for m in result.meetings}) == 3


def test_calendar_future_occurrences_are_left_out():
    data = (b"BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:y\nDTSTART:20261120T100000Z\n"
            b"RRULE:FREQ=DAILY;COUNT=10\nSUMMARY:Daily\nEND:VEVENT\nEND:VCALENDAR\n")
    assert len(parse_calendar(data, "a.ics", now=NOW).meetings) == 4  # 20, 21, 22, 23 Nov


def test_mbox_split_respects_blank_line_before_from():
    data = b"From a@b Mon\nSubject: one\n\nbody\nFrom here on\n\nFrom c@d Tue\nSubject: two\n\nx\n"
    messages = list(split_mbox(data.splitlines(keepends=True)))
    assert len(messages) == 2
    assert b"From here on" in messages[0]


def test_message_without_message_id_gets_a_stable_hash():
    raw = b"From: A <a@x.nl>\nTo: b@y.nl\nSubject: Hoi\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n\nTekst\n"
    first = parse_message(raw, Location("m.eml", "message", 1))
    assert first.message_id.startswith("sha256:")
    assert parse_message(raw, Location("m.eml", "message", 1)).message_id == first.message_id


def test_message_with_lying_charset_and_8bit_headers():
    raw = ("From: x@y.cn\nTo: danglüe@email.com\nSubject: =?GB2312?B?1cXPyMn6?=\n"
           "Content-Type: text/plain; charset=GB2312\nContent-Transfer-Encoding: 8bit\n\n你好\n").encode()
    mail = parse_message(raw, Location("m.eml", "message", 1))
    assert mail.recipients == ("danglüe@email.com",)
    assert mail.subject == "张先生"
    assert mail.body.strip() == "你好"


def test_vat_check_explains():
    assert check_vat_number("NL123") is not None
    assert "country code" in check_vat_number("123456789")


def test_xml_bomb_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<Invoice>&lol2;</Invoice>")
    with pytest.raises(ImportFileError, match="not well-formed XML"):
        parse_invoice(bomb, "bomb.xml")


def test_not_an_invoice_root_is_refused():
    with pytest.raises(ImportFileError, match="not a UBL 2.1 Invoice"):
        parse_invoice(b"<Order/>", "o.xml")


@pytest.mark.parametrize(("line", "field"), [
    (b"DTSTART:x", "DTSTART"), (b"DTSTART:20261101T100000\r\nRRULE:FREQ=WEEKLY;COUNT=x", "RRULE"),
    (b"DTSTART:20261101T100000\r\nDTEND:zz", "DTEND"), (b"UID:1", "DTSTART"),
])
def test_calendar_event_that_cannot_be_read_is_reported_with_its_number(line, field):
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:ok\r\nDTSTART:20261102T100000Z\r\n"
            b"END:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Overleg\r\n" + line + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    result = parse_calendar(data, "a.ics", now=NOW)
    assert len(result.meetings) == 1
    [issue] = result.issues
    assert (issue.location.index, issue.location.field, issue.severity) == (2, field, "error")
    assert "Overleg" in issue.message


def test_vcard_line_that_is_not_a_property_is_noted_with_its_line():
    data = b"BEGIN:VCARD\nVERSION:3.0\nFN:Anna Jansen\nthis is not a property\nEND:VCARD\n"
    result = parse_vcards(data, "c.vcf")
    assert result.contacts[0].last_name == "Jansen"
    assert [i.message for i in result.issues] == ["line 4: not a vCard property; ignored."]


def _ubl_doc(root: str = "Invoice", *, type_code: str = "380", amount: str = "100.00",
             seller_vat: str = "XX-not-a-number", buyer: str = "", extra: str = "") -> bytes:
    ns = "CreditNote" if root == "CreditNote" else "Invoice"
    code = "CreditNoteTypeCode" if root == "CreditNote" else "InvoiceTypeCode"
    return f"""<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{ns}-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ID>C-1</cbc:ID><cbc:IssueDate>2026-11-01</cbc:IssueDate><cbc:{code}>{type_code}</cbc:{code}>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>{extra}
 <cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme><cbc:CompanyID>{seller_vat}</cbc:CompanyID>
  <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>{buyer}<cac:PartyName><cbc:Name>Klant</cbc:Name></cac:PartyName>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">{amount}</cbc:PayableAmount></cac:LegalMonetaryTotal>
</{root}>""".encode()


KVK = '<cbc:EndpointID schemeID="0106">12345678</cbc:EndpointID>'


def test_ubl_seller_vat_is_informational_and_not_checked():
    result = parse_invoice(_ubl_doc(buyer=KVK), "f.xml")
    assert result.issues == () or all(i.severity != "error" for i in result.issues)
    assert result.invoice.seller_vat == "XX-not-a-number"
    assert [(i.scheme, i.value) for i in result.invoice.buyer_ids] == [("0106", "12345678")]


def test_ubl_credit_note_root_and_invoice_type_381_are_credit_notes():
    ref = "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>F-9</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>"
    credit = parse_invoice(_ubl_doc("CreditNote", type_code="381", buyer=KVK, extra=ref), "c.xml").invoice
    assert (credit.document, credit.credited_number, credit.due_date) == ("credit_note", "F-9", credit.issue_date)
    typed = parse_invoice(_ubl_doc(type_code="381", amount="-100.00", buyer=KVK), "c.xml").invoice
    assert (typed.document, str(typed.amount)) == ("credit_note", "100.00")


def test_ubl_credit_note_without_billing_reference_is_noted_not_refused():
    result = parse_invoice(_ubl_doc("CreditNote", type_code="381", buyer=KVK), "c.xml")
    assert result.invoice is not None and result.invoice.credited_number == ""
    assert [i.location.field for i in result.issues if i.severity == "note"] == ["cac:BillingReference"]


def test_ubl_negative_invoice_total_is_refused():
    result = parse_invoice(_ubl_doc(amount="-5.00", buyer=KVK), "f.xml")
    assert result.invoice is None
    assert result.errors[0].location.field == "cac:LegalMonetaryTotal/cbc:PayableAmount"


def test_ubl_party_identification_without_scheme_is_not_an_identifier():
    buyer = "<cac:PartyIdentification><cbc:ID>10202</cbc:ID></cac:PartyIdentification>"
    result = parse_invoice(_ubl_doc(buyer=buyer), "f.xml")
    assert result.invoice is None
    assert result.errors[0].location.field == "cac:AccountingCustomerParty"
