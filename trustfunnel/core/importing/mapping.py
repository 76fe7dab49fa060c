"""Column mapping: which CSV column feeds which field, with presets for common CRMs.

A mapping is ``{column name: target field}``; columns not in it are ignored. Presets
are matched on lower-cased column names, so "E-mail Address" and "e-mail address"
are the same column. :func:`guess_preset` picks the preset that knows most columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trustfunnel.core.importing.records import Text

__all__ = [
    "KINDS",
    "TARGET_FIELDS",
    "REQUIRED_FIELDS",
    "PRESETS",
    "Preset",
    "guess_preset",
    "mapping_for",
    "apply_mapping",
    "check_mapping",
]

KINDS = ("people", "organisations", "deals", "interactions")

TARGET_FIELDS: dict[str, tuple[str, ...]] = {
    "people": (
        "external_id", "first_name", "last_name", "full_name", "email", "phone", "job_title",
        "organization", "country",
    ),
    "organisations": (
        "external_id", "name", "country", "sector", "website", "vat_number", "chamber_number",
        "notes",
    ),
    "deals": (
        "external_id", "title", "organization", "email", "stage", "value", "currency",
        "expected_close",
    ),
    "interactions": (
        "external_id", "organization", "email", "kind", "direction", "occurred_at", "subject",
        "notes",
    ),
}

#: One of each tuple is needed (after mapping) for a row to be usable.
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "people": (("last_name", "full_name", "email"),),
    "organisations": (("name",),),
    "deals": (("title",), ("organization", "email")),
    "interactions": (("occurred_at",), ("organization", "email")),
}


@dataclass(frozen=True, slots=True)
class Preset:
    key: str
    label: str
    columns: Mapping[str, str]  # lower-cased column name -> target field


def _preset(key: str, label: str, **by_target: tuple[str, ...]) -> Preset:
    columns = {name.lower(): target for target, names in by_target.items() for name in names}
    return Preset(key, label, columns)


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in [
        _preset(
            "salesforce", "Salesforce",
            external_id=("Id", "Account ID", "Contact ID", "Opportunity ID"),
            first_name=("FirstName", "First Name"),
            last_name=("LastName", "Last Name"),
            email=("Email",),
            phone=("Phone", "MobilePhone"),
            job_title=("Title",),
            organization=("Account.Name", "Account Name", "AccountName"),
            name=("Name",),
            country=("BillingCountry", "MailingCountry", "Billing Country"),
            website=("Website",),
            sector=("Industry",),
            notes=("Description",),
            title=("Opportunity Name",),
            stage=("StageName", "Stage"),
            value=("Amount",),
            expected_close=("CloseDate", "Close Date"),
        ),
        _preset(
            "hubspot", "HubSpot",
            external_id=("Record ID", "Contact ID", "Company ID", "Deal ID"),
            first_name=("First Name",),
            last_name=("Last Name",),
            email=("Email",),
            phone=("Phone Number", "Mobile Phone Number"),
            job_title=("Job Title",),
            organization=("Company Name", "Associated Company"),
            name=("Company name",),
            country=("Country/Region", "Country"),
            website=("Website URL", "Company Domain Name"),
            sector=("Industry",),
            title=("Deal Name",),
            stage=("Deal Stage",),
            value=("Amount",),
            expected_close=("Close Date",),
        ),
        _preset(
            "pipedrive", "Pipedrive",
            external_id=("ID", "Person - ID", "Organization - ID", "Deal - ID"),
            full_name=("Person - Name",),
            first_name=("Person - First name", "First name"),
            last_name=("Person - Last name", "Last name"),
            email=("Person - Email", "Email"),
            phone=("Person - Phone", "Phone"),
            job_title=("Person - Job title",),
            organization=("Person - Organization", "Deal - Organization", "Organization"),
            name=("Organization - Name",),
            country=("Organization - Address - Country",),
            title=("Deal - Title", "Title"),
            stage=("Deal - Stage", "Stage"),
            value=("Deal - Value", "Value"),
            currency=("Deal - Currency", "Currency"),
            expected_close=("Deal - Expected close date", "Expected close date"),
        ),
        _preset(
            "odoo", "Odoo",
            external_id=("External ID", "id"),
            full_name=("Contact Name",),
            name=("Name", "Company Name"),
            email=("Email",),
            phone=("Phone", "Mobile"),
            job_title=("Job Position",),
            organization=("Company", "Related Company", "Customer"),
            country=("Country",),
            website=("Website",),
            vat_number=("Tax ID", "VAT"),
            chamber_number=("Company Registry",),
            title=("Opportunity",),
            stage=("Stage",),
            value=("Expected Revenue",),
            expected_close=("Expected Closing",),
        ),
        _preset(
            "dynamics", "Microsoft Dynamics 365",
            external_id=("(Do Not Modify) Contact", "(Do Not Modify) Account",
                         "(Do Not Modify) Opportunity"),
            first_name=("First Name",),
            last_name=("Last Name",),
            full_name=("Full Name",),
            email=("Email", "E-mail"),
            phone=("Business Phone", "Main Phone", "Mobile Phone"),
            job_title=("Job Title",),
            organization=("Company Name", "Potential Customer", "Parent Customer"),
            name=("Account Name",),
            country=("Address 1: Country/Region", "Address 1: Country"),
            website=("Website",),
            title=("Topic",),
            value=("Est. Revenue",),
            expected_close=("Est. Close Date",),
        ),
        _preset(
            "google", "Google Contacts",
            full_name=("Name",),
            first_name=("Given Name", "First Name"),
            last_name=("Family Name", "Last Name"),
            email=("E-mail 1 - Value", "E-mail Address"),
            phone=("Phone 1 - Value",),
            job_title=("Organization 1 - Title",),
            organization=("Organization 1 - Name",),
            country=("Address 1 - Country",),
            notes=("Notes",),
        ),
        _preset(
            "generic", "Generic (English and Dutch column names)",
            external_id=("id", "external id", "key", "nummer"),
            first_name=("first name", "firstname", "given name", "voornaam"),
            last_name=("last name", "lastname", "surname", "family name", "achternaam"),
            full_name=("full name", "display name", "contact", "naam contactpersoon"),
            email=("email", "e-mail", "primary email", "email address", "e-mailadres", "mail"),
            phone=("phone", "telephone", "work phone", "mobile number", "telefoon", "mobiel"),
            job_title=("job title", "title", "function", "functie"),
            organization=("organization", "organisation", "company", "account", "bedrijf",
                          "organisatie"),
            name=("name", "company name", "organisation name", "bedrijfsnaam", "naam"),
            country=("country", "land", "work country"),
            sector=("industry", "sector", "branche"),
            website=("website", "web page 1", "url"),
            vat_number=("vat", "vat number", "btw", "btw-nummer", "btw nummer"),
            chamber_number=("kvk", "kvk-nummer", "chamber of commerce", "coc number"),
            notes=("notes", "description", "opmerkingen", "notities"),
            title=("deal", "deal name", "opportunity", "offerte"),
            stage=("stage", "fase"),
            value=("value", "amount", "bedrag", "waarde"),
            currency=("currency", "valuta"),
            expected_close=("expected close", "close date", "verwachte sluiting"),
            kind=("type", "kind", "soort"),
            direction=("direction", "richting"),
            occurred_at=("date", "datum", "when", "occurred at"),
            subject=("subject", "onderwerp"),
        ),
    ]
}


def mapping_for(header: tuple[str, ...], preset: Preset, kind: str) -> dict[str, str]:
    """The preset's mapping for this header, restricted to the kind's fields; a target
    is fed by the first column that maps to it."""
    allowed = set(TARGET_FIELDS[kind])
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in header:
        target = preset.columns.get(column.strip().lower())
        if target in allowed and target not in taken:
            mapping[column] = target
            taken.add(target)
    # People: a "name" column is the full name when nothing else names the person.
    if kind == "people" and not taken & {"first_name", "last_name", "full_name"}:
        for column in header:
            if preset.columns.get(column.strip().lower()) == "name":
                mapping[column] = "full_name"
                break
    return mapping


def guess_preset(header: tuple[str, ...], kind: str) -> Preset:
    """The preset whose mapping covers most columns; generic on a tie."""
    scored = [
        (len(mapping_for(header, preset, kind)), preset.key != "generic", preset.key)
        for preset in PRESETS.values()
    ]
    best = max(scored, key=lambda s: (s[0], not s[1]))
    return PRESETS[best[2]]


def check_mapping(mapping: Mapping[str, str], header: tuple[str, ...], kind: str) -> list[Text]:
    """Problems with a mapping, as sentences; empty when it is usable."""
    problems = []
    allowed = set(TARGET_FIELDS[kind])
    targets = [t for t in mapping.values() if t]
    for column, target in mapping.items():
        if column not in header:
            problems.append(Text("column {column!r} is not in the file.", column=column))
        if target and target not in allowed:
            problems.append(Text("{target!r} is not a field of {kind}.", target=target, kind=kind))
    for target in set(targets):
        if targets.count(target) > 1:
            problems.append(Text("more than one column maps to {target!r}.", target=target))
    for choices in REQUIRED_FIELDS[kind]:
        if not set(choices) & set(targets):
            *others, last = choices
            problems.append(Text("map a column to {fields} or {last!r}.", fields=", ".join(map(repr, others)), last=last)
                            if others else Text("map a column to {field!r}.", field=last))
    return problems


def apply_mapping(values: Mapping[str, str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Target field -> stripped value, for the mapped columns of one row."""
    return {
        target: (values.get(column) or "").strip()
        for column, target in mapping.items()
        if target
    }
