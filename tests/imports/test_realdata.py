"""Every real-world file in ../shared/realdata imports, or is rejected with a message
that names its place."""

from __future__ import annotations

import pytest

from tests.factories import OrganizationFactory, PersonFactory
from tests.imports.conftest import REALDATA
from trustfunnel.crm.models import Organization, Person
from trustfunnel.imports.models import ImportStatus
from trustfunnel.timeline.models import Interaction

KIND_BY_FOLDER = {"vcard": "vcard", "ics": "ics", "mail": "mail", "ubl": "ubl"}
CSV_KIND = {
    "sfdc-dataloader__accountData.csv": "organisations",
}

#: What each file must do: "imports" (status done, something created or reported) or
#: the words the rejection must contain.
EXPECTED = {
    "csv/roundcube__gmail.csv": "imports",
    "csv/sfdc-dataloader__accountData.csv": "imports",
    "csv/thunderbird__csv_semicolon.csv": "imports",
    "csv/thunderbird__export.csv": "imports",
    "vcard/ezvcard__John_Doe_ANDROID.vcf": "imports",
    "vcard/ezvcard__John_Doe_EVOLUTION.vcf": "imports",
    "vcard/ezvcard__rfc6350-example.vcf": "imports",
    "vcard/roundcube__thebat.vcf": "imports",
    "ics/icalendar__issue_165_missing_event.ics": "imports",
    "ics/khal__event_dt_partstat.ics": "imports",
    "ics/khal__event_rrule_recuid_cancelled.ics": "imports",
    "ics/thunderbird__importLatin1.ics": "imports",
    "mail/mailparser__mail_test_12.eml": "imports",
    "mail/mikel-mail__new_line_in_to_header.eml": "imports",
    "mail/mikel-mail__report_530.eml": "imports",
    "mail/thunderbird__movemailspool.mbox": "imports",
    "ubl/peppol-bis3__base-creditnote-correction.xml": "imports",
    "ubl/peppol-bis3__base-example.xml": "imports",
    "ubl/si-ubl-2.0__SI-UBL-2.0_BR-NL-3_error_no_city.xml": "no city (NLCIUS rule BR-NL-3)",
    "ubl/si-ubl-2.0__SI-UBL-2.0_ok_full.xml": "imports",
}


def _realdata_files():
    return sorted(
        str(path.relative_to(REALDATA))
        for folder in ("csv", "vcard", "ics", "mail", "ubl")
        for path in (REALDATA / folder).iterdir()
    )


def test_every_realdata_file_has_an_expectation():
    assert set(_realdata_files()) == set(EXPECTED)


@pytest.mark.parametrize("relative", _realdata_files())
def test_realdata_file_imports_or_is_rejected_clearly(relative, run_import, workspace, owner_user):
    folder, name = relative.split("/")
    kind = KIND_BY_FOLDER.get(folder) or CSV_KIND.get(name, "people")
    # People the calendars and mailboxes can be matched to.
    for email in ("jdoe@example.com", "hcabot@example.com", "baoguan@hotmail.com",
                  "l@gcn-example.com", "mailer-daemon@tttttt.com.au", "example@example.com",
                  "primaryemail1@test.invalid"):
        PersonFactory(workspace=workspace, email=email)
    run = run_import(kind, REALDATA / relative)
    expected = EXPECTED[relative]
    messages = [f"{e['file']} {e['unit']} {e['index']} {e['field']}: {e['message']}" for e in run.errors]
    if expected == "imports":
        assert run.status == ImportStatus.DONE, messages
        assert run.counts.get("errors") == 0, messages
        assert run.counts.get("created", 0) + run.counts.get("merged", 0) > 0 or run.counts.get("unmatched"), run.counts
    else:
        assert run.status == ImportStatus.FAILED
        errors = [e for e in run.errors if e["severity"] == "error"]
        assert errors, run.counts
        assert any(expected in e["message"] for e in errors), messages
        assert all(e["file"] == name for e in errors)
        assert all(e["field"] for e in errors)


def test_salesforce_accounts_in_windows_1252_keep_their_accents(run_import, workspace):
    run = run_import("organisations", REALDATA / "csv/sfdc-dataloader__accountData.csv")
    assert run.counts["encoding:cp1252"] == 1
    names = list(Organization.objects.for_workspace(workspace).values_list("name", flat=True))
    assert len(names) > 100
    descriptions = "".join(Organization.objects.for_workspace(workspace).values_list("notes", flat=True))
    assert "Crédito" in descriptions or "º" in descriptions or any("é" in n or "º" in n for n in names)


def test_thunderbird_export_keeps_quoted_newlines_and_quotes(run_import, workspace):
    run = run_import("people", REALDATA / "csv/thunderbird__export.csv")
    assert run.status == ImportStatus.DONE
    person = Person.objects.for_workspace(workspace).get(last_name="two")
    assert person.job_title == '"worker"'


def test_thebat_vcard_reads_8bit_quoted_printable_as_central_european(run_import, workspace):
    run_import("vcard", REALDATA / "vcard/roundcube__thebat.vcf")
    assert Person.objects.for_workspace(workspace).get(first_name="Piotr").last_name == "Iksiński"


def test_khal_partstat_meeting_attaches_to_the_matched_person(run_import, workspace):
    person = PersonFactory(workspace=workspace, email="jdoe@example.com")
    run = run_import("ics", REALDATA / "ics/khal__event_dt_partstat.ics")
    interaction = Interaction.objects.for_workspace(workspace).get()
    assert interaction.relationship.person == person
    assert "Declined" in interaction.notes
    assert run.counts["created"] == 1


def test_organisation_matched_by_vat_is_merged_not_duplicated(run_import, workspace):
    OrganizationFactory(workspace=workspace, name="Acme", vat_number="NL004495445B01")
    data = b"name;vat\nACME B.V.;NL004495445B01\n"
    run = run_import("organisations", data)
    assert run.counts["merged"] == 1
    assert Organization.objects.for_workspace(workspace).count() == 1
