"""The UBL samples in ../shared/realdata/ubl, read from there (never copied): the two
standards bodies' example invoices and the credit note import with their amounts, due
dates and buyer; the NLCIUS file without the seller's city is refused naming
cbc:CityName; a re-import changes nothing; a credit note reduces what is owed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.factories import OrganizationFactory
from tests.imports.conftest import REALDATA
from trustfunnel.crm.models import Organization
from trustfunnel.imports.models import ImportStatus

pytest.importorskip("trustfunnel.events")

from trustfunnel.events.models import Invoice, InvoiceKind  # noqa: E402

UBL = REALDATA / "ubl"
PEPPOL_INVOICE = UBL / "peppol-bis3__base-example.xml"
PEPPOL_CREDIT = UBL / "peppol-bis3__base-creditnote-correction.xml"
NLCIUS_FULL = UBL / "si-ubl-2.0__SI-UBL-2.0_ok_full.xml"
NLCIUS_NO_CITY = UBL / "si-ubl-2.0__SI-UBL-2.0_BR-NL-3_error_no_city.xml"
#: Six weeks after the Peppol example invoice fell due (its look-back window includes it).
LATER = datetime(2018, 1, 15, 12, 0, tzinfo=UTC)
BUYER_VAT = "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"


def _warnings(run):
    return [e for e in run.errors if e["severity"] == "warning"]


def test_peppol_example_creates_the_unknown_buyer_and_the_invoice(run_import, workspace):
    run = run_import("ubl", PEPPOL_INVOICE)
    assert run.status == ImportStatus.DONE, run.errors
    assert run.counts["created"] == 1 and run.counts["organisations_created"] == 1
    invoice = Invoice.objects.for_workspace(workspace).get()
    assert (invoice.kind, invoice.number, invoice.amount, invoice.currency) == (
        InvoiceKind.INVOICE, "Snippet1", Decimal("1656.25"), "EUR")
    assert (invoice.issue_date, invoice.due_date) == (date(2017, 11, 13), date(2017, 12, 1))
    org = invoice.relationship.organization
    # Created from the party data: legal name, country, the legal id (schemeID 0183);
    # the made-up VAT number SE4598375937 is not stored.
    assert (org.name, org.country.code, org.chamber_number, org.vat_number) == (
        "Buyer Official Name", "SE", "39937423947", "")
    [warning] = _warnings(run)
    assert warning["field"] == BUYER_VAT and "'SE4598375937' is not a valid VAT number" in warning["message"]


def test_nlcius_full_example_matches_the_buyer_by_its_kvk_number(run_import, workspace):
    org = OrganizationFactory(workspace=workspace, name="Buyercompany", vat_number="",
                              chamber_number="87654321")
    run = run_import("ubl", NLCIUS_FULL)
    assert run.status == ImportStatus.DONE, run.errors
    assert "organisations_created" not in run.counts
    invoice = Invoice.objects.for_workspace(workspace).get()
    assert invoice.relationship.organization == org
    assert (invoice.number, invoice.amount, invoice.issue_date) == ("TOSL108", Decimal("729.00"), date(2009, 12, 15))
    # No due date in the file: 30 days after issue, with a note saying so.
    assert invoice.due_date == date(2010, 1, 14)
    assert any(e["field"] == "cbc:DueDate" and e["severity"] == "note" for e in run.errors)
    [warning] = _warnings(run)
    assert warning["field"] == BUYER_VAT and "'BE54321' is not a valid VAT number" in warning["message"]


def test_nlcius_buyer_matched_by_party_identification_when_the_legal_id_is_unknown(run_import, workspace):
    org = OrganizationFactory(workspace=workspace, name="Buyercompany", vat_number="",
                              chamber_number="88884444")  # cac:PartyIdentification/cbc:ID schemeID 0106
    run = run_import("ubl", NLCIUS_FULL)
    assert run.status == ImportStatus.DONE, run.errors
    assert Invoice.objects.for_workspace(workspace).get().relationship.organization == org


def test_nlcius_without_the_sellers_city_is_refused_naming_the_element(run_import, workspace):
    run = run_import("ubl", NLCIUS_NO_CITY)
    assert run.status == ImportStatus.FAILED
    [error] = [e for e in run.errors if e["severity"] == "error"]
    assert error["field"] == "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:CityName"
    assert "BR-NL-3" in error["message"]
    assert not Invoice.objects.for_workspace(workspace).exists()
    assert not Organization.objects.for_workspace(workspace).exists()


def test_credit_note_imports_linked_to_its_invoice_and_settles_it(run_import, workspace):
    run_import("ubl", PEPPOL_INVOICE)
    run = run_import("ubl", PEPPOL_CREDIT)
    assert run.status == ImportStatus.DONE, run.errors
    assert run.counts["credit_notes"] == 1
    assert "organisations_created" not in run.counts  # the same buyer, matched by its legal id
    credit = Invoice.objects.for_workspace(workspace).get(kind=InvoiceKind.CREDIT_NOTE)
    invoice = Invoice.objects.for_workspace(workspace).get(kind=InvoiceKind.INVOICE)
    assert (credit.number, credit.amount, credit.credits, credit.credited_number) == (
        "Snippet1", Decimal("1656.25"), invoice, "Snippet1")
    assert credit.relationship == invoice.relationship
    assert (invoice.credited_amount, invoice.outstanding, invoice.fully_credited) == (
        Decimal("1656.25"), 0, True)


def test_credit_note_before_its_invoice_is_linked_when_the_invoice_arrives(run_import, workspace):
    first = run_import("ubl", PEPPOL_CREDIT)
    assert first.status == ImportStatus.DONE, first.errors
    assert any(e["field"] == "cac:BillingReference" for e in first.errors)
    run_import("ubl", PEPPOL_INVOICE)
    invoice = Invoice.objects.for_workspace(workspace).get(kind=InvoiceKind.INVOICE)
    assert invoice.fully_credited
    assert Invoice.objects.for_workspace(workspace).get(kind=InvoiceKind.CREDIT_NOTE).credits == invoice
    assert Organization.objects.for_workspace(workspace).count() == 1


@pytest.mark.parametrize("path", [PEPPOL_INVOICE, PEPPOL_CREDIT, NLCIUS_FULL], ids=lambda p: p.name)
def test_reimport_is_idempotent(run_import, workspace, path):
    run_import("ubl", path)
    before = (Invoice.objects.for_workspace(workspace).count(),
              Organization.objects.for_workspace(workspace).count())
    again = run_import("ubl", path)
    assert again.status == ImportStatus.DONE and again.counts["unchanged"] == 1
    assert (Invoice.objects.for_workspace(workspace).count(),
            Organization.objects.for_workspace(workspace).count()) == before


def test_dry_run_shows_warnings_and_the_organisation_it_would_create(run_import, workspace):
    run = run_import("ubl", PEPPOL_INVOICE, dry_run=True)
    assert run.status == ImportStatus.DONE
    assert [w["field"] for w in _warnings(run)] == [BUYER_VAT]
    actions = [p["action"] for p in run.preview]
    assert actions == ["organisation", "invoice"]
    assert run.preview[0]["values"]["name"] == "Buyer Official Name"
    assert not Invoice.objects.for_workspace(workspace).exists()
    assert not Organization.objects.for_workspace(workspace).exists()


def test_fully_credited_invoice_is_never_overdue_and_not_bought(run_import, workspace):
    from trustfunnel.events.record import client_records
    from trustfunnel.events.services import sweep_overdue_invoices
    from trustfunnel.timeline.models import Signal
    from trustfunnel.workspaces.params import params_for

    run_import("ubl", PEPPOL_INVOICE)
    run_import("ubl", PEPPOL_CREDIT)
    assert sweep_overdue_invoices(now=LATER).changed == 0
    assert not Signal.objects.for_workspace(workspace).filter(kind="invoice_unpaid").exists()
    invoice = Invoice.objects.for_workspace(workspace).get(kind=InvoiceKind.INVOICE)
    record = client_records([invoice.relationship], now=LATER, params=params_for(workspace))[
        invoice.relationship_id]
    assert (record.unpaid, record.amount_bought) == (0, 0.0)


def test_credit_after_the_unpaid_fact_retracts_it(run_import, workspace):
    from trustfunnel.events.record import client_records
    from trustfunnel.events.services import sweep_overdue_invoices
    from trustfunnel.timeline.models import Signal
    from trustfunnel.workspaces.params import params_for

    run_import("ubl", PEPPOL_INVOICE)
    assert sweep_overdue_invoices(now=LATER).changed == 1
    invoice = Invoice.objects.for_workspace(workspace).get()
    params = params_for(workspace)
    assert client_records([invoice.relationship], now=LATER, params=params)[invoice.relationship_id].unpaid == 1
    run_import("ubl", PEPPOL_CREDIT)
    assert Signal.objects.for_workspace(workspace).filter(
        kind="invoice_unpaid", retracted_by__isnull=True).count() == 0
    assert client_records([invoice.relationship], now=LATER, params=params)[invoice.relationship_id].unpaid == 0


def test_partly_credited_invoice_still_falls_overdue(run_import, workspace):
    from trustfunnel.events.services import sweep_overdue_invoices

    run_import("ubl", PEPPOL_INVOICE)
    partial = PEPPOL_CREDIT.read_bytes().replace(
        b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        b'<cbc:PayableAmount currencyID="EUR">656.25</cbc:PayableAmount>')
    assert b"656.25</cbc:PayableAmount>" in partial
    run_import("ubl", partial, name="partial-credit.xml")
    invoice = Invoice.objects.for_workspace(workspace).get(kind=InvoiceKind.INVOICE)
    assert (invoice.credited_amount, invoice.outstanding) == (Decimal("656.25"), Decimal("1000.00"))
    assert sweep_overdue_invoices(now=LATER).changed == 1


def test_payments_csv_marks_the_invoice_not_the_credit_note_with_the_same_number(run_import, workspace):
    run_import("ubl", PEPPOL_INVOICE)
    run_import("ubl", PEPPOL_CREDIT)
    run = run_import("payments", b"Factuurnummer;Betaaldatum\nSnippet1;20-11-2017\n", name="bank.csv")
    assert run.counts["paid"] == 1, run.errors
    assert Invoice.objects.for_workspace(workspace).get(kind=InvoiceKind.INVOICE).paid_on == date(2017, 11, 20)
    assert Invoice.objects.for_workspace(workspace).get(kind=InvoiceKind.CREDIT_NOTE).paid_on is None
