"""Real-world-shaped files made here: each shape that breaks naive importers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import OrganizationFactory, PersonFactory
from trustfunnel.crm.models import Organization, Person
from trustfunnel.imports.models import ImportedRecord, ImportStatus, PromiseProposal
from trustfunnel.imports.services import do_decide_promise
from trustfunnel.timeline.models import Interaction, Signal

LATIN1_WITH_BROKEN_LINE = (
    b"\xef\xbb\xbf"
    + "Voornaam;Achternaam;E-mail;Bedrijf\n"
      "Jos\xe9;M\xfcller;jose@example.nl;Caf\xe9 Noord B.V.\n"
      "Ren\xe9e;Dubois;renee@example.nl;Caf\xe9 Noord B.V.\n"
      "Piet;de Vries;piet@example.nl;Kaasmakerij;extra;velden\n"
      "Anna;Jansen;anna@example.nl;Jansen & Zn\n".encode("latin-1")
)


def test_latin1_semicolon_csv_with_bom_and_broken_line_imports_nothing(run_import, workspace):
    run = run_import("people", LATIN1_WITH_BROKEN_LINE, name="export.csv")
    assert run.status == ImportStatus.FAILED
    errors = [e for e in run.errors if e["severity"] == "error"]
    assert len(errors) == 1
    assert errors[0]["file"] == "export.csv"
    assert errors[0]["unit"] == "line" and errors[0]["index"] == 4
    assert "6 fields where the header has 4" in errors[0]["message"]
    assert not Person.objects.for_workspace(workspace).exists()
    assert not Organization.objects.for_workspace(workspace).exists()


def test_latin1_semicolon_csv_with_bom_decodes_accents_when_fixed(run_import, workspace):
    fixed = LATIN1_WITH_BROKEN_LINE.replace(b";extra;velden", b"")
    run = run_import("people", fixed, name="export.csv")
    assert run.status == ImportStatus.DONE, run.errors
    assert run.counts["created"] == 4
    assert Person.objects.for_workspace(workspace).get(email="jose@example.nl").last_name == "Müller"
    assert Organization.objects.for_workspace(workspace).filter(name="Café Noord B.V.").count() == 1


def test_reimport_of_the_same_csv_creates_nothing_new(run_import, workspace):
    fixed = LATIN1_WITH_BROKEN_LINE.replace(b";extra;velden", b"")
    run_import("people", fixed, name="export.csv")
    again = run_import("people", fixed, name="export.csv")
    assert again.counts.get("created", 0) == 0
    assert again.counts["unchanged"] == 4
    assert Person.objects.for_workspace(workspace).count() == 4


def test_dry_run_counts_but_writes_nothing(run_import, workspace):
    fixed = LATIN1_WITH_BROKEN_LINE.replace(b";extra;velden", b"")
    run = run_import("people", fixed, name="export.csv", dry_run=True)
    assert run.status == ImportStatus.DONE
    assert run.counts["created"] == 4
    assert run.preview[0]["action"] == "create"
    assert not Person.objects.for_workspace(workspace).exists()
    assert not ImportedRecord.objects.for_workspace(workspace).exists()


@pytest.mark.parametrize(("policy", "people", "first_name"), [
    ("merge", 1, "Josefien"), ("skip", 1, ""), ("create", 2, ""),
])
def test_duplicate_email_follows_the_chosen_policy(run_import, workspace, policy, people, first_name):
    PersonFactory(workspace=workspace, first_name="", last_name="Müller", email="jose@example.nl")
    data = b"First Name,Last Name,Email\nJosefien,M\xc3\xbcller,JOSE@example.nl\n"
    run_import("people", data, on_duplicate=policy)
    assert Person.objects.for_workspace(workspace).count() == people
    if policy != "create":
        assert Person.objects.for_workspace(workspace).get().first_name == first_name


def test_invalid_vat_in_organisations_csv_names_line_and_field(run_import, workspace):
    data = b"Name,VAT,Country\nGood B.V.,NL004495445B01,NL\nBad B.V.,NL123,NL\n"
    run = run_import("organisations", data, name="orgs.csv")
    assert run.status == ImportStatus.FAILED
    [error] = [e for e in run.errors if e["severity"] == "error"]
    assert (error["index"], error["field"]) == (3, "vat_number")
    assert not Organization.objects.for_workspace(workspace).exists()


VCARD_21_QP = (
    b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
    b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Dijkstra-=C3=96zt=C3=BCrk;Ren=\r\n=C3=A9e;;;\r\n"
    b"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ren=C3=A9e Dijkstra-=C3=96zt=C3=BCrk\r\n"
    b"ORG;CHARSET=UTF-8:Bakkerij =C3=96 B.V.\r\n"
    b"TEL;CELL;PREF:+31612345678\r\n"
    b"EMAIL;PREF;INTERNET:renee@bakkerij.nl\r\n"
    b"PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD\r\n"
    b" /2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\r\n\r\n"
    b"END:VCARD\r\n"
)


def test_vcard_21_quoted_printable_with_soft_break_and_photo(run_import, workspace):
    run = run_import("vcard", VCARD_21_QP, name="contacts.vcf")
    assert run.status == ImportStatus.DONE, run.errors
    person = Person.objects.for_workspace(workspace).get()
    assert (person.first_name, person.last_name) == ("Renée", "Dijkstra-Öztürk")
    assert person.phone == "+31612345678"
    assert any(e["field"] == "PHOTO" and e["severity"] == "note" for e in run.errors)


ICS_SERIES = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:weekly-1@example.nl\r
DTSTAMP:20261001T000000Z\r
DTSTART;TZID=Europe/Amsterdam:20261102T100000\r
DTEND;TZID=Europe/Amsterdam:20261102T110000\r
RRULE:FREQ=WEEKLY;COUNT=10\r
SUMMARY:Weekly check-in\r
ORGANIZER:mailto:me@ourfirm.nl\r
ATTENDEE;PARTSTAT=ACCEPTED:mailto:klant@client.nl\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:weekly-1@example.nl\r
DTSTAMP:20261001T000000Z\r
RECURRENCE-ID;TZID=Europe/Amsterdam:20261109T100000\r
DTSTART;TZID=Europe/Amsterdam:20261109T100000\r
DTEND;TZID=Europe/Amsterdam:20261109T110000\r
STATUS:CANCELLED\r
SUMMARY:Weekly check-in\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_ics_series_becomes_its_past_occurrences_without_the_cancelled_one(run_import, workspace):
    PersonFactory(workspace=workspace, email="klant@client.nl")
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    run = run_import("ics", ICS_SERIES, name="agenda.ics", now=now)
    held = sorted(i.occurred_at.date().isoformat() for i in Interaction.objects.for_workspace(workspace))
    assert held == ["2026-11-02", "2026-11-16", "2026-11-23"]
    assert run.counts["cancelled"] == 1
    again = run_import("ics", ICS_SERIES, name="agenda.ics", now=now)
    assert again.counts["unchanged"] == 3
    assert Interaction.objects.for_workspace(workspace).count() == 3


MBOX = (
    b"From sender@client.nl Mon Nov 16 10:00:00 2026\n"
    b"From: =?GB2312?B?1cXPyMn6?= <li@client.nl>\n"
    b"To: me@ourfirm.nl\n"
    b"Subject: =?GB2312?B?tPq/qrj3tdjU9ta1y7C3osax?=\n"
    b"Date: Mon, 16 Nov 2026 10:00:00 +0100\n"
    b"Message-ID: <a1@client.nl>\n"
    b"Content-Type: text/plain; charset=GB2312\n"
    b"\n"
    b"Hello. I'll send you the signed contract on Friday.\n"
    b"\n"
    b"From me@ourfirm.nl Tue Nov 17 09:00:00 2026\n"
    b"From: Me <me@ourfirm.nl>\n"
    b"To: li@client.nl\n"
    b"Subject broken header without colon\n"
    b"Subject: Re: offerte\n"
    b"Date: Tue, 17 Nov 2026 09:00:00 +0100\n"
    b"In-Reply-To: <a1@client.nl>\n"
    b"X-Raw: caf\xe9 \xff\xfe\n"
    b"\n"
    b"Beste Li,\n\nWij sturen u uiterlijk dinsdag de offerte.\n\nGroet\n"
)


def test_mbox_with_gb2312_subject_and_broken_headers(run_import, workspace):
    workspace.domains = ["ourfirm.nl"]
    workspace.save()
    PersonFactory(workspace=workspace, email="li@client.nl")
    run = run_import("mail", MBOX, name="inbox.mbox")
    assert run.status == ImportStatus.DONE, run.errors
    mails = list(Interaction.objects.for_workspace(workspace).order_by("occurred_at"))
    assert [m.direction for m in mails] == ["inbound", "outbound"]
    assert mails[0].subject == "代开各地增值税发票"
    assert mails[0].thread_key == mails[1].thread_key == "<a1@client.nl>"
    proposals = {p.actor: p for p in PromiseProposal.objects.for_workspace(workspace)}
    assert proposals["them"].due_date.isoformat() == "2026-11-20"  # the Friday after Monday 16th
    assert proposals["us"].due_date.isoformat() == "2026-11-24"  # "uiterlijk dinsdag" after Tue 17th
    again = run_import("mail", MBOX, name="inbox.mbox")
    assert again.counts["unchanged"] == 2


def test_confirmed_promise_kept_records_reliability_signals(run_import, workspace, owner_user):
    workspace.domains = ["ourfirm.nl"]
    workspace.save()
    PersonFactory(workspace=workspace, email="li@client.nl")
    run_import("mail", MBOX, name="inbox.mbox")
    proposal = PromiseProposal.objects.for_workspace(workspace).get(actor="them")
    do_decide_promise(proposal, actor=owner_user, status="confirmed")
    do_decide_promise(proposal, actor=owner_user, status="kept")
    kinds = list(Signal.objects.for_workspace(workspace).order_by("id").values_list("kind", "actor"))
    assert kinds == [("promise_made", "them"), ("promise_kept", "them")]


def _valid_nl_vat() -> str:
    from stdnum.nl import vat

    for n in range(100000000, 100001000):
        candidate = f"NL{n}B01"
        if vat.is_valid(candidate):
            return candidate
    raise AssertionError("no valid number found")


def _ubl(buyer_vat: str, chamber: str | None = "12345678") -> bytes:
    legal_id = f'<cbc:CompanyID schemeID="0106">{chamber}</cbc:CompanyID>' if chamber else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0</cbc:CustomizationID>
 <cbc:ID>F2026-001</cbc:ID>
 <cbc:IssueDate>2026-11-01</cbc:IssueDate>
 <cbc:DueDate>2026-12-01</cbc:DueDate>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PostalAddress><cbc:StreetName>Kade 1</cbc:StreetName><cbc:CityName>Utrecht</cbc:CityName>
   <cbc:PostalZone>3511AA</cbc:PostalZone><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyLegalEntity><cbc:RegistrationName>Ons Bureau B.V.</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cac:PartyTaxScheme><cbc:CompanyID>{buyer_vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Klant B.V.</cbc:RegistrationName>{legal_id}</cac:PartyLegalEntity>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">1210.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
</Invoice>""".encode()


def test_ubl_invoice_with_wrong_vat_number_is_rejected_naming_file_and_field(run_import, workspace):
    # The VAT number is the buyer's only identifier: nothing to match it by.
    run = run_import("ubl", _ubl("NL123456789B02", chamber=None), name="factuur.xml")
    assert run.status == ImportStatus.FAILED
    [error] = [e for e in run.errors if e["severity"] == "error"]
    assert error["file"] == "factuur.xml"
    assert error["field"].endswith("cac:PartyTaxScheme/cbc:CompanyID")
    assert "'NL123456789B02' is not a valid VAT number" in error["message"]
    assert not Organization.objects.for_workspace(workspace).exists()


def test_ubl_wrong_vat_with_a_chamber_number_is_a_warning_and_matches_by_chamber(run_import, workspace):
    pytest.importorskip("trustfunnel.events")
    from trustfunnel.events.models import Invoice

    org = OrganizationFactory(workspace=workspace, name="Klant", vat_number="", chamber_number="12345678")
    run = run_import("ubl", _ubl("NL123456789B02"), name="factuur.xml")
    assert run.status == ImportStatus.DONE, run.errors
    [warning] = [e for e in run.errors if e["severity"] == "warning"]
    assert warning["field"].endswith("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
    assert "'NL123456789B02' is not a valid VAT number" in warning["message"]
    assert Invoice.objects.for_workspace(workspace).get().relationship.organization == org
    org.refresh_from_db()
    assert org.vat_number == ""  # an invalid number is never stored


def test_ubl_invoice_is_recorded_for_the_buyer_matched_by_vat(run_import, workspace):
    pytest.importorskip("trustfunnel.events")
    vat = _valid_nl_vat()
    OrganizationFactory(workspace=workspace, name="Klant", vat_number=vat)
    run = run_import("ubl", _ubl(vat), name="factuur.xml")
    assert run.status == ImportStatus.DONE, run.errors
    assert run.counts["created"] == 1
    again = run_import("ubl", _ubl(vat), name="factuur.xml")
    assert again.counts["unchanged"] == 1
    payments = run_import("payments", b"Factuurnummer;Betaaldatum\nF2026-001;15-11-2026\n", name="bank.csv")
    assert payments.counts["paid"] == 1, payments.errors


def test_import_command_reports_errors_and_fails(workspace, owner_user, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(LATIN1_WITH_BROKEN_LINE)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import", "people", str(path), "--workspace", workspace.slug, verbosity=0)
    out = capsys.readouterr().out
    assert "export.csv, line 4" in out


def test_import_command_dry_run_with_mapping(workspace, owner_user, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(b"Naam,Mail\nAnna Jansen,anna@example.nl\n")
    call_command("import", "people", str(path), "--workspace", workspace.slug, "--dry-run",
                 "--mapping", '{"Naam": "full_name", "Mail": "email"}', verbosity=0)
    assert "dry run: people.csv: Done" in capsys.readouterr().out
    assert not Person.objects.for_workspace(workspace).exists()


def test_deals_csv_lands_on_the_organisations_relationship(run_import, workspace):
    from trustfunnel.crm.models import Deal

    OrganizationFactory(workspace=workspace, name="Kaasmakerij Noord B.V.",
                        normalized_name="kaasmakerij noord")
    data = (b"Deal Name;Company Name;Deal Stage;Amount;Close Date\n"
            b"Training 2027;Kaasmakerij Noord;Proposal;12.500,00;31-01-2027\n")
    run = run_import("deals", data, name="deals.csv", preset="hubspot", mapping={
        "Deal Name": "title", "Company Name": "organization", "Deal Stage": "stage",
        "Amount": "value", "Close Date": "expected_close"})
    assert run.status == ImportStatus.DONE, run.errors
    deal = Deal.objects.for_workspace(workspace).get()
    assert (deal.stage, str(deal.value), deal.expected_close.isoformat()) == ("proposal", "12500.00", "2027-01-31")
    assert deal.relationship.organization.name == "Kaasmakerij Noord B.V."
    assert run_import("deals", data, name="deals.csv", mapping={
        "Deal Name": "title", "Company Name": "organization", "Deal Stage": "stage",
        "Amount": "value", "Close Date": "expected_close"}).counts["unchanged"] == 1


def test_interactions_csv_rejects_unknown_kind_naming_line_and_field(run_import, workspace):
    PersonFactory(workspace=workspace, email="anna@example.nl")
    data = b"email,type,date,subject\nanna@example.nl,phone,2026-11-02 10:00,Bellen\nanna@example.nl,fax,2026-11-03,Fax\n"
    run = run_import("interactions", data, name="log.csv")
    assert run.status == ImportStatus.FAILED
    [error] = [e for e in run.errors if e["severity"] == "error"]
    assert (error["index"], error["field"]) == (3, "kind")
    assert not Interaction.objects.for_workspace(workspace).exists()
    fixed = run_import("interactions", data.replace(b"fax", b"email"), name="log.csv")
    assert fixed.counts["created"] == 2


def test_resumable_import_keeps_good_batches_and_reports_the_bad_row(run_import, workspace):
    data = b"Name,VAT\nGood B.V.,NL004495445B01\nBad B.V.,NL123\n"
    run = run_import("organisations", data, name="orgs.csv", atomic=False)
    assert run.status == ImportStatus.DONE
    assert run.counts["errors"] == 1
    assert list(Organization.objects.for_workspace(workspace).values_list("name", flat=True)) == ["Good B.V."]


def test_run_whose_file_is_gone_fails_with_a_message(workspace, owner_user, tmp_path):
    from pathlib import Path

    from trustfunnel.imports.services import create_run, execute_run

    source = tmp_path / "x.csv"
    source.write_bytes(b"Name\nA\n")
    with source.open("rb") as handle:
        run = create_run(workspace, actor=owner_user, kind="people", file_name="x.csv", source=handle)
    Path(run.source_path).unlink()
    run = execute_run(run, actor=owner_user)
    assert run.status == ImportStatus.FAILED
    assert "cannot be read" in run.errors[0]["message"]


def test_reimport_with_an_external_id_longer_than_the_stored_key_is_unchanged(run_import, workspace):
    """Import records keep 300 characters of a key; a longer external id (a URL, a
    path) must still be recognised on a re-run, not reported as another import's."""
    long_id = "https://crm.example.nl/contacts/" + "x" * 400
    csv = (f"External ID,First Name,Last Name,Email\r\n{long_id},Anna,de Vries,anna@example.nl\r\n"
           ).encode()
    first = run_import("people", csv, name="long-ids.csv")
    assert first.status == ImportStatus.DONE, first.errors
    assert first.counts["created"] == 1
    again = run_import("people", csv, name="long-ids.csv")
    assert again.status == ImportStatus.DONE, again.errors
    assert again.counts.get("created", 0) == 0
    assert again.counts["unchanged"] == 1
    assert Person.objects.for_workspace(workspace).count() == 1
