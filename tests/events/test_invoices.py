"""Invoices: recorded once per number, paid on time or late, unpaid past due."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from trustfunnel.core.errors import InvalidInput
from trustfunnel.events import services
from trustfunnel.events.models import Invoice
from trustfunnel.timeline.models import Signal

pytestmark = pytest.mark.django_db


def _invoice(workspace, owner, relationship, number="2026-001", due=date(2026, 3, 31), **kw):
    return services.do_record_invoice(
        workspace, actor=owner, relationship=relationship, number=number,
        amount=kw.pop("amount", Decimal("1210.00")), currency="EUR", issue_date=date(2026, 3, 1),
        due_date=due, **kw)


def test_record_invoice_is_idempotent_on_its_number(workspace, owner_user, client_of):
    _, relationship = client_of()
    first = _invoice(workspace, owner_user, relationship, external_id="ubl:1")
    again = _invoice(workspace, owner_user, relationship, amount=Decimal("1.00"))
    assert again.pk == first.pk and again.amount == Decimal("1210.00")
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize(("field", "kwargs"), [
    ("number", {"number": " "}),
    ("amount", {"amount": Decimal("-1")}),
    ("due_date", {"due": date(2026, 2, 1)}),
])
def test_record_invoice_names_the_bad_field(workspace, owner_user, client_of, field, kwargs):
    _, relationship = client_of()
    with pytest.raises(InvalidInput) as error:
        _invoice(workspace, owner_user, relationship, **kwargs)
    assert error.value.data["field"] == field


def test_record_invoice_refuses_another_workspaces_relationship(
    workspace, other_workspace, owner_user
):
    from tests.factories import RelationshipFactory

    foreign = RelationshipFactory(workspace=other_workspace)
    with pytest.raises(InvalidInput, match="relationship"):
        _invoice(workspace, owner_user, foreign)


def test_paid_on_time_is_recorded_once(workspace, owner_user, client_of):
    _, relationship = client_of()
    invoice = _invoice(workspace, owner_user, relationship)
    services.do_mark_invoice_paid(invoice, actor=owner_user, paid_on=date(2026, 3, 30),
                                  via="matched")
    services.do_mark_invoice_paid(invoice, actor=owner_user, paid_on=date(2026, 3, 30))
    invoice.refresh_from_db()
    assert invoice.paid_via == "matched"
    signal = Signal.objects.get(relationship=relationship)
    assert signal.kind == "invoice_paid_on_time" and signal.source == "system"
    assert signal.external_id == f"invoice:{invoice.pk}:paid"


def test_late_payment_strength_grows_with_lateness(workspace, owner_user, client_of):
    _, relationship = client_of()
    a = _invoice(workspace, owner_user, relationship, number="A")
    b = _invoice(workspace, owner_user, relationship, number="B")
    services.do_mark_invoice_paid(a, actor=owner_user, paid_on=date(2026, 4, 14))
    services.do_mark_invoice_paid(b, actor=owner_user, paid_on=date(2026, 5, 28))
    strengths = dict(Signal.objects.filter(kind="invoice_paid_late")
                     .values_list("external_id", "strength"))
    assert strengths[f"invoice:{a.pk}:paid"] == 1.0
    assert strengths[f"invoice:{b.pk}:paid"] > 1.0


def test_unpaid_past_due_is_recorded_once_and_withdrawn_when_paid_late(
    workspace, owner_user, client_of
):
    _, relationship = client_of()
    today = timezone.localdate()
    invoice = _invoice(workspace, owner_user, relationship, due=today - timedelta(days=3))
    now = timezone.now()
    assert services.sweep_overdue_invoices(now=now).changed == 1
    assert services.sweep_overdue_invoices(now=now).changed == 0
    assert list(Signal.objects.values_list("kind", flat=True)) == ["invoice_unpaid"]
    services.do_mark_invoice_paid(invoice, actor=owner_user, paid_on=today)
    kinds = sorted(Signal.objects.values_list("kind", flat=True))
    assert kinds == ["invoice_paid_late", "invoice_unpaid", "retraction"]


def _credit(workspace, owner, relationship, number="CN-1", credits="2026-001", amount="1210.00"):
    return services.do_record_invoice(
        workspace, actor=owner, relationship=relationship, number=number, amount=Decimal(amount),
        currency="EUR", issue_date=date(2026, 3, 10), due_date=date(2026, 3, 10),
        kind="credit_note", credited_number=credits)


def test_credit_note_may_share_its_invoices_number_and_is_never_overdue(workspace, owner_user, client_of):
    _, relationship = client_of()
    invoice = _invoice(workspace, owner_user, relationship)
    credit = _credit(workspace, owner_user, relationship, number="2026-001", amount="210.00")
    assert credit.pk != invoice.pk and credit.credits == invoice
    invoice.refresh_from_db()
    assert (invoice.credited_amount, invoice.outstanding) == (Decimal("210.00"), Decimal("1000.00"))
    later = timezone.make_aware(timezone.datetime(2026, 5, 1, 12))
    assert services.sweep_overdue_invoices(now=later).changed == 1  # the invoice, not the credit note
    assert not Invoice.objects.get(pk=credit.pk).unpaid_recorded


def test_credit_note_of_another_client_is_not_linked(workspace, owner_user, client_of):
    _, relationship = client_of()
    _, stranger = client_of()
    invoice = _invoice(workspace, owner_user, relationship)
    credit = _credit(workspace, owner_user, stranger)
    assert credit.credits is None
    invoice.refresh_from_db()
    assert invoice.credited_amount == 0


def test_full_credit_retracts_the_unpaid_fact(workspace, owner_user, client_of):
    _, relationship = client_of()
    invoice = _invoice(workspace, owner_user, relationship)
    later = timezone.make_aware(timezone.datetime(2026, 5, 1, 12))
    services.sweep_overdue_invoices(now=later)
    assert Signal.objects.filter(kind="invoice_unpaid", retracted_by__isnull=True).count() == 1
    _credit(workspace, owner_user, relationship)
    invoice.refresh_from_db()
    assert invoice.fully_credited and invoice.outstanding == 0
    assert Signal.objects.filter(kind="invoice_unpaid", retracted_by__isnull=True).count() == 0


def test_api_lists_kind_and_credited_amount(workspace, owner_user, client_of):
    from rest_framework.test import APIClient

    _, relationship = client_of()
    _invoice(workspace, owner_user, relationship)
    _credit(workspace, owner_user, relationship, amount="10.00")
    api = APIClient()
    api.force_authenticate(owner_user)
    response = api.get("/api/v1/invoices/", HTTP_X_WORKSPACE=workspace.slug)
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["invoice"]["credited_amount"] == "10.00"
    assert by_kind["credit_note"]["credits"] == by_kind["invoice"]["id"]
