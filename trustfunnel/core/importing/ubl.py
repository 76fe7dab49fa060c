"""UBL 2.1 invoices and credit notes (Peppol BIS Billing 3.0, the Dutch NLCIUS / SI-UBL 2.0).

Parsed with ``defusedxml`` (the file is untrusted: no entity expansion, no external
DTDs). What is checked here: the document is an Invoice or a CreditNote (an Invoice
with type code 381 is a credit note too), the fields it needs are present and
well-formed, and the NLCIUS rule BR-NL-3 (the seller's address has street, city and
post code).

The seller is the firm itself: its VAT number is kept for information, never checked.
The buyer is who the invoice is matched to: by its VAT number when that passes
python-stdnum's country check, else by its registration ids (cac:PartyLegalEntity/
cbc:CompanyID, cac:PartyIdentification/cbc:ID with a schemeID, cbc:EndpointID). A buyer
VAT number that fails the check is a *warning* naming the element when another id
identifies the buyer, and an *error* when it is the only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from trustfunnel.core.importing.records import (
    ImportFileError,
    InvoiceRecord,
    Issue,
    Location,
    PartyId,
    Text,
)

__all__ = ["parse_invoice", "InvoiceResult", "check_vat_number", "UBL_NS"]

UBL_NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
#: When an invoice states no due date at all (BIS 3.0 makes it optional).
DEFAULT_PAYMENT_DAYS = 30
_VAT_NON_EU = {"GB": "vat", "CH": "vat", "NO": "mva"}
#: UNCL 1001 codes of a credit note (BIS 3.0 allows 381 and 396 on a CreditNote; an
#: Invoice-rooted document with 381 is a credit note as well).
CREDIT_NOTE_CODES = frozenset({"381", "396", "81", "83", "532"})


@dataclass(frozen=True, slots=True)
class InvoiceResult:
    invoice: InvoiceRecord | None
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")


def check_vat_number(value: str) -> str | None:
    """``None`` when valid, else why not (python-stdnum's check per country)."""
    from stdnum import get_cc_module
    from stdnum.exceptions import ValidationError

    raw = "".join(value.split()).upper().replace(".", "").replace("-", "")
    if len(raw) < 4 or not raw[:2].isalpha():
        return "a VAT number starts with its two-letter country code"
    country = {"EL": "gr"}.get(raw[:2], raw[:2].lower())
    module = get_cc_module(country, _VAT_NON_EU.get(raw[:2], "vat"))
    if module is None:
        return f"VAT numbers of country {raw[:2]} cannot be checked"
    try:
        module.validate(raw)
    except ValidationError as exc:
        return str(exc.message).rstrip(".").lower()
    return None


def parse_invoice(data: bytes, file: str) -> InvoiceResult:
    """Read one UBL Invoice or CreditNote; never raises for a problem in a field (those
    are issues), only for a file that is not a UBL document at all."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    doc = Location(file, "document", None)
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as exc:
        raise ImportFileError(doc, Text("not well-formed XML ({detail}).", detail=str(exc))) from None
    tag = root.tag.split("}")[-1]
    namespace = {"Invoice": UBL_NS["inv"], "CreditNote": UBL_NS["cn"]}.get(tag)
    if namespace is None or not root.tag.startswith("{" + namespace):
        raise ImportFileError(doc, Text("the root element is {tag!r}, not a UBL 2.1 Invoice or CreditNote.", tag=tag))
    return _Reader(root, doc, credit_root=tag == "CreditNote").read()


class _Reader:
    def __init__(self, root, location: Location, *, credit_root: bool) -> None:
        self.root = root
        self.location = location
        self.credit_root = credit_root
        self.issues: list[Issue] = []

    def text(self, path: str, node=None) -> str:
        found = (node if node is not None else self.root).find(path, UBL_NS)
        return (found.text or "").strip() if found is not None else ""

    def error(self, field: str, message: Text, severity: str = "error") -> None:
        self.issues.append(Issue(self.location.with_field(field), message, severity))

    def date(self, path: str, *, required: bool) -> date | None:
        value = self.text(path)
        if not value:
            if required:
                self.error(path, Text("missing."))
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(path, Text("{value!r} is not a date (YYYY-MM-DD).", value=value))
            return None

    def document_kind(self) -> str:
        code_path = "cbc:CreditNoteTypeCode" if self.credit_root else "cbc:InvoiceTypeCode"
        code = self.text(code_path)
        if self.credit_root:
            if code and code not in CREDIT_NOTE_CODES:
                self.error(code_path, Text("type code {code!r} is not a credit note code (381).", code=code), "warning")
            return "credit_note"
        return "credit_note" if code in CREDIT_NOTE_CODES else "invoice"

    def read(self) -> InvoiceResult:
        document = self.document_kind()
        number = self.text("cbc:ID")
        if not number:
            self.error("cbc:ID", Text("the document number is missing."))
        issue_date = self.date("cbc:IssueDate", required=True)
        due_date = self.date("cbc:DueDate", required=False) or self.date(
            "cac:PaymentMeans/cbc:PaymentDueDate", required=False
        )
        if due_date is None and issue_date is not None:
            if document == "credit_note":  # nothing falls due: the credit applies at once
                due_date = issue_date
            else:
                due_date = issue_date + timedelta(days=DEFAULT_PAYMENT_DAYS)
                self.error("cbc:DueDate", Text("no due date; taken as {days} days after issue.", days=DEFAULT_PAYMENT_DAYS),
                           "note")
        if due_date is not None and issue_date is not None and due_date < issue_date:
            self.error("cbc:DueDate", Text("the due date {due} lies before the issue date {issued}.",
                                                  due=due_date.isoformat(), issued=issue_date.isoformat()))
        amount_path = "cac:LegalMonetaryTotal/cbc:PayableAmount"
        amount_node = self.root.find(amount_path, UBL_NS)
        amount = None
        currency = self.text("cbc:DocumentCurrencyCode")
        if amount_node is None or not (amount_node.text or "").strip():
            self.error(amount_path, Text("the amount due is missing."))
        else:
            try:
                amount = Decimal(amount_node.text.strip())
            except InvalidOperation:
                self.error(amount_path, Text("{value!r} is not an amount.", value=amount_node.text.strip()))
            currency = amount_node.get("currencyID") or currency
            if amount is not None and document == "credit_note" and amount < 0:
                amount = -amount  # a credit note stated as a negative invoice total
            elif amount is not None and amount < 0:
                self.error(amount_path, Text("a negative amount due ({amount}); send it as a credit note.", amount=str(amount)))
        if not currency:
            self.error("cbc:DocumentCurrencyCode", Text("the currency is missing."))
        credited = ""
        if document == "credit_note":
            credited = self.text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")
            if not credited:
                self.error("cac:BillingReference", Text("the credit note names no invoice it corrects; "
                                                     "it is kept as a credit on the buyer's account."), "note")
        buyer = self.buyer("cac:AccountingCustomerParty/cac:Party")
        seller = self.seller("cac:AccountingSupplierParty/cac:Party")
        customization = self.text("cbc:CustomizationID")
        if "nlcius" in customization.lower():
            self.check_nlcius_seller_address()
        invoice = None
        if not [i for i in self.issues if i.severity == "error"]:
            invoice = InvoiceRecord(
                location=self.location,
                number=number,
                issue_date=issue_date,
                due_date=due_date,
                amount=amount,
                currency=currency.upper(),
                buyer_name=buyer["name"],
                buyer_vat=buyer["vat"],
                buyer_chamber=buyer["chamber"],
                buyer_country=buyer["country"],
                seller_name=seller["name"],
                seller_vat=seller["vat"],
                document=document,
                credited_number=credited,
                buyer_ids=buyer["ids"],
            )
        return InvoiceResult(invoice, tuple(self.issues))

    def party_name(self, node) -> str:
        return self.text("cac:PartyLegalEntity/cbc:RegistrationName", node) or self.text(
            "cac:PartyName/cbc:Name", node)

    def party_vat(self, node) -> str:
        for scheme in node.findall("cac:PartyTaxScheme", UBL_NS):
            if self.text("cac:TaxScheme/cbc:ID", scheme).upper() == "VAT":
                return self.text("cbc:CompanyID", scheme)
        return ""

    def seller(self, path: str) -> dict:
        node = self.root.find(path, UBL_NS)
        if node is None:
            self.error(path, Text("the seller is missing."))
            return {"name": "", "vat": ""}
        return {"name": self.party_name(node), "vat": self.party_vat(node)}

    def registration_ids(self, path: str, node) -> tuple[PartyId, ...]:
        """The buyer's registration ids in matching order: the legal entity's id, the
        party ids that say their scheme, the electronic address; each value once."""
        found: list[PartyId] = []
        for element in node.findall("cac:PartyLegalEntity/cbc:CompanyID", UBL_NS):
            found.append(PartyId(f"{path}/cac:PartyLegalEntity/cbc:CompanyID",
                                 element.get("schemeID") or "", (element.text or "").strip()))
        for element in node.findall("cac:PartyIdentification/cbc:ID", UBL_NS):
            if element.get("schemeID"):  # without a scheme it is the seller's own customer number
                found.append(PartyId(f"{path}/cac:PartyIdentification/cbc:ID",
                                     element.get("schemeID"), (element.text or "").strip()))
        for element in node.findall("cbc:EndpointID", UBL_NS):
            found.append(PartyId(f"{path}/cbc:EndpointID", element.get("schemeID") or "",
                                 (element.text or "").strip()))
        seen: set[str] = set()
        unique = []
        for party_id in found:
            if party_id.value and party_id.value not in seen:
                seen.add(party_id.value)
                unique.append(party_id)
        return tuple(unique)

    def buyer(self, path: str) -> dict:
        node = self.root.find(path, UBL_NS)
        if node is None:
            self.error(path, Text("the buyer is missing."))
            return {"name": "", "vat": "", "chamber": "", "country": "", "ids": ()}
        ids = self.registration_ids(path, node)
        vat = given_vat = self.party_vat(node)
        if vat:
            problem = check_vat_number(vat)
            if problem:
                element = f"{path}/cac:PartyTaxScheme/cbc:CompanyID"
                if ids:
                    self.error(element, Text("{vat!r} is not a valid VAT number ({problem}); the buyer is "
                                                 "matched by its registration ids instead.", vat=vat, problem=problem),
                               "warning")
                else:
                    self.error(element, Text("{vat!r} is not a valid VAT number ({problem}) and the buyer "
                                                 "has no other identifier to match.", vat=vat, problem=problem))
                vat = ""
        if not (given_vat or ids):
            self.error("cac:AccountingCustomerParty",
                       Text("the buyer has neither a VAT number nor a registration id to match."))
        country = self.text("cac:PostalAddress/cac:Country/cbc:IdentificationCode", node)
        return {"name": self.party_name(node), "vat": vat, "chamber": ids[0].value if ids else "",
                "country": country.upper(), "ids": ids}

    def check_nlcius_seller_address(self) -> None:
        base = "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"
        address = self.root.find(base, UBL_NS)
        if address is None or self.text("cac:Country/cbc:IdentificationCode", address).upper() != "NL":
            return
        for element, label in (("cbc:StreetName", Text("street")), ("cbc:CityName", Text("city")),
                               ("cbc:PostalZone", Text("post code"))):
            if not self.text(element, address):
                self.error(f"{base}/{element}",
                           Text("the seller's address has no {label} (NLCIUS rule BR-NL-3).", label=label))
