"""CRM forms: writes go through the services; errors land on the field that is wrong."""

from __future__ import annotations

import pytest

from trustfunnel.crm.models import Deal, DealStageChange, Organization, Person, Relationship
from trustfunnel.workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db


def _org_data(**overrides):
    data = {"name": "Brugge Consult BV", "country": "BE", "sector": "consulting", "size": "small",
            "website": "", "vat_number": "", "chamber_number": "", "notes": ""}
    return {**data, **overrides}


def test_organization_create_saves_and_audits(client_for, owner_user, workspace):
    response = client_for(owner_user).post("/organizations/new/", _org_data(vat_number="BE0403019261"))
    org = Organization.objects.get(name="Brugge Consult BV")
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{org.pk}/"
    assert org.workspace == workspace
    assert org.normalized_name  # set by the service, not the form
    assert AuditEntry.objects.filter(action="crm.organization.created", object_id=org.pk).exists()


def test_organization_invalid_vat_is_shown_on_the_field(client_for, owner_user):
    response = client_for(owner_user).post("/organizations/new/", _org_data(vat_number="NL123"))
    assert response.status_code == 400
    assert response.context["form"].errors["vat_number"]
    assert 'id="id_vat_number_errors"' in response.content.decode()
    assert not Organization.objects.exists()


def test_organization_unknown_country_is_shown_on_the_field(client_for, owner_user):
    response = client_for(owner_user).post("/organizations/new/", _org_data(country="XX"))
    assert response.status_code == 400
    assert "country" in response.context["form"].errors


def test_person_invalid_phone_is_shown_on_the_field(client_for, sales_user, crm):
    data = {"first_name": "Jan", "last_name": "Smit", "organization": crm["org"].pk,
            "language": "nl", "country": "NL", "phone": "12"}
    response = client_for(sales_user).post("/people/new/", data)
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors


def test_person_cannot_point_at_another_workspace_organization(client_for, sales_user, other_crm):
    data = {"first_name": "Jan", "last_name": "Smit", "organization": other_crm["org"].pk,
            "language": "nl", "country": "NL"}
    response = client_for(sales_user).post("/people/new/", data)
    assert response.status_code == 400
    assert "organization" in response.context["form"].errors
    assert not Person.objects.filter(last_name="Smit").exists()


def test_person_edit_updates(client_for, sales_user, crm):
    person = crm["person"]
    data = {"first_name": "Anouk", "last_name": "Visser-Bakker", "organization": crm["org"].pk,
            "language": "nl", "country": "NL", "email": "anouk@example.nl"}
    response = client_for(sales_user).post(f"/people/{person.pk}/edit/", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.last_name == "Visser-Bakker"


def test_relationship_requires_person_or_organization(client_for, sales_user):
    response = client_for(sales_user).post(
        "/relationships/new/", {"kind": "prospect", "owner": sales_user.pk}
    )
    assert response.status_code == 400
    assert "person" in response.context["form"].errors
    assert not Relationship.objects.exists()


def test_relationship_owner_must_be_a_member(client_for, sales_user, crm, other_user):
    response = client_for(sales_user).post(
        "/relationships/new/",
        {"kind": "prospect", "owner": other_user.pk, "organization": crm["org"].pk},
    )
    assert response.status_code == 400
    assert "owner" in response.context["form"].errors


def test_relationship_create_prefills_from_person(client_for, sales_user, crm):
    page = client_for(sales_user).get(f"/relationships/new/?person={crm['person'].pk}")
    assert page.context["form"].initial["person"] == crm["person"].pk


def test_sales_who_is_not_owner_cannot_change_private_notes(client_for, owner_user, workspace, crm):
    from tests.conftest import _member

    colleague = _member(workspace, "sales", "sven")
    rel = crm["rel"]
    client = client_for(colleague)
    form_page = client.get(f"/relationships/{rel.pk}/edit/")
    assert "private_notes" not in form_page.context["form"].fields
    response = client.post(f"/relationships/{rel.pk}/edit/", {
        "person": crm["person"].pk, "organization": crm["org"].pk, "kind": "partner",
        "owner": rel.owner_id, "private_notes": "overwritten",
    })
    assert response.status_code == 302
    rel.refresh_from_db()
    assert rel.kind == "partner"
    assert rel.private_notes == "Secret about budget"


def test_owner_can_change_private_notes(client_for, sales_user, crm):
    rel = crm["rel"]
    response = client_for(sales_user).post(f"/relationships/{rel.pk}/edit/", {
        "person": crm["person"].pk, "organization": crm["org"].pk, "kind": "client",
        "owner": sales_user.pk, "private_notes": "New note",
    })
    assert response.status_code == 302
    rel.refresh_from_db()
    assert rel.private_notes == "New note"


def test_deal_stage_change_is_recorded_in_history(client_for, sales_user, crm):
    deal = crm["deal"]
    response = client_for(sales_user).post(f"/deals/{deal.pk}/edit/", {
        "relationship": crm["rel"].pk, "title": deal.title, "stage": "won", "value": "12000",
        "currency": "eur", "owner": sales_user.pk,
    })
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == "won" and deal.currency == "EUR" and deal.closed_at is not None
    change = DealStageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage) == ("proposal", "won")


def test_deal_negative_value_is_shown_on_the_field(client_for, sales_user, crm):
    response = client_for(sales_user).post("/deals/new/", {
        "relationship": crm["rel"].pk, "title": "Coaching", "stage": "lead", "value": "-5",
        "currency": "EUR", "owner": sales_user.pk,
    })
    assert response.status_code == 400
    assert "value" in response.context["form"].errors
    assert Deal.objects.count() == 1


def test_deal_cannot_use_another_workspace_relationship(client_for, sales_user, crm, other_crm):
    response = client_for(sales_user).post("/deals/new/", {
        "relationship": other_crm["rel"].pk, "title": "Coaching", "stage": "lead", "value": "5",
        "currency": "EUR", "owner": sales_user.pk,
    })
    assert response.status_code == 400
    assert "relationship" in response.context["form"].errors


def test_big_selects_render_a_bounded_number_of_options(client_for, sales_user, workspace,
                                                        settings, monkeypatch):
    from tests.factories import PersonFactory
    from trustfunnel.crm import forms as crm_forms

    monkeypatch.setattr(crm_forms, "CHOICE_LIMIT", 3)
    people = [PersonFactory(workspace=workspace, last_name=f"Zz{i}") for i in range(6)]
    last = people[-1]
    page = client_for(sales_user).get(f"/relationships/new/?person={last.pk}")
    options = page.context["form"]["person"].field.widget.choices
    assert len(options) == 1 + 3 + 1  # empty, the first three, the preselected one
    assert options[1][0] == last.pk
    # A person beyond the rendered options is still accepted.
    response = client_for(sales_user).post("/relationships/new/", {
        "person": people[4].pk, "kind": "prospect", "owner": sales_user.pk,
    })
    assert response.status_code == 302
