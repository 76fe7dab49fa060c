"""UBL 2.1 invoices (Peppol BIS Billing 3.0, the Dutch NLCIUS / SI-UBL 2.0).

Parsed with ``defusedxml`` (the file is untrusted: no entity expansion, no external
DTDs). What is checked here: the document is an Invoice (a CreditNote is reported, not
imported as an invoice), the fields an invoice needs are present and well-formed, the
buyer's VAT number passes python-stdnum's check (it is how the buyer is matched), and
the NLCIUS rule BR-NL-3 (the seller's address has street, city and post code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from trustfunnel.core.importing.records import ImportFileError, InvoiceRecord, Issue, Location

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
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    doc = Location(file, "document", None)
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as exc:
        raise ImportFileError(doc, f"not well-formed XML ({exc}).") from None
    tag = root.tag.split("}")[-1]
    if tag == "CreditNote":
        raise ImportFileError(
            doc.with_field("CreditNote"),
            "a credit note is not imported as an invoice; correct the invoice it refers to.",
        )
    if tag != "Invoice" or not root.tag.startswith("{" + UBL_NS["inv"]):
        raise ImportFileError(doc, f"the root element is {tag!r}, not a UBL 2.1 Invoice.")
    return _Reader(root, doc).read()


class _Reader:
    def __init__(self, root, location: Location) -> None:
        self.root = root
        self.location = location
        self.issues: list[Issue] = []

    def text(self, path: str, node=None) -> str:
        found = (node if node is not None else self.root).find(path, UBL_NS)
        return (found.text or "").strip() if found is not None else ""

    def error(self, field: str, message: str) -> None:
        self.issues.append(Issue(self.location.with_field(field), message))

    def date(self, path: str, *, required: bool) -> date | None:
        value = self.text(path)
        if not value:
            if required:
                self.error(path, "missing.")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(path, f"{value!r} is not a date (YYYY-MM-DD).")
            return None

    def read(self) -> InvoiceResult:
        number = self.text("cbc:ID")
        if not number:
            self.error("cbc:ID", "the invoice number is missing.")
        issue_date = self.date("cbc:IssueDate", required=True)
        due_date = self.date("cbc:DueDate", required=False) or self.date(
            "cac:PaymentMeans/cbc:PaymentDueDate", required=False
        )
        if due_date is None and issue_date is not None:
            due_date = issue_date + timedelta(days=DEFAULT_PAYMENT_DAYS)
            self.issues.append(Issue(self.location.with_field("cbc:DueDate"),
                                     f"no due date; taken as {DEFAULT_PAYMENT_DAYS} days after issue.", "note"))
        amount_path = "cac:LegalMonetaryTotal/cbc:PayableAmount"
        amount_node = self.root.find(amount_path, UBL_NS)
        amount = None
        currency = self.text("cbc:DocumentCurrencyCode")
        if amount_node is None or not (amount_node.text or "").strip():
            self.error(amount_path, "the amount due is missing.")
        else:
            try:
                amount = Decimal(amount_node.text.strip())
            except InvalidOperation:
                self.error(amount_path, f"{amount_node.text.strip()!r} is not an amount.")
            currency = amount_node.get("currencyID") or currency
        if not currency:
            self.error("cbc:DocumentCurrencyCode", "the currency is missing.")
        buyer = self.party("cac:AccountingCustomerParty/cac:Party", "buyer")
        seller = self.party("cac:AccountingSupplierParty/cac:Party", "seller")
        if not (buyer["vat"] or buyer["chamber"]):
            self.error("cac:AccountingCustomerParty", "the buyer has neither a VAT number nor a chamber of commerce number to match.")
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
            )
        return InvoiceResult(invoice, tuple(self.issues))

    def party(self, path: str, role: str) -> dict[str, str]:
        node = self.root.find(path, UBL_NS)
        if node is None:
            self.error(path, f"the {role} is missing.")
            return {"name": "", "vat": "", "chamber": "", "country": ""}
        name = self.text("cac:PartyLegalEntity/cbc:RegistrationName", node) or self.text(
            "cac:PartyName/cbc:Name", node
        )
        vat = ""
        for scheme in node.findall("cac:PartyTaxScheme", UBL_NS):
            if self.text("cac:TaxScheme/cbc:ID", scheme).upper() == "VAT":
                vat = self.text("cbc:CompanyID", scheme)
        chamber = ""
        legal_id = node.find("cac:PartyLegalEntity/cbc:CompanyID", UBL_NS)
        if legal_id is not None and legal_id.get("schemeID") in (None, "0106", "0208", "0183"):
            chamber = (legal_id.text or "").strip()
        country = self.text("cac:PostalAddress/cac:Country/cbc:IdentificationCode", node)
        if role == "buyer" and vat:
            problem = check_vat_number(vat)
            if problem:
                self.error(f"{path}/cac:PartyTaxScheme/cbc:CompanyID",
                           f"{vat!r} is not a valid VAT number ({problem}).")
        return {"name": name, "vat": vat, "chamber": chamber, "country": country.upper()}

    def check_nlcius_seller_address(self) -> None:
        base = "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"
        address = self.root.find(base, UBL_NS)
        if address is None or self.text("cac:Country/cbc:IdentificationCode", address).upper() != "NL":
            return
        for element, label in (("cbc:StreetName", "street"), ("cbc:CityName", "city"),
                               ("cbc:PostalZone", "post code")):
            if not self.text(element, address):
                self.error(f"{base}/{element}",
                           f"the seller's address has no {label} (NLCIUS rule BR-NL-3).")
