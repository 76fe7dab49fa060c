"""A client's record, read from the timeline, and the terms advice built on it.

The timeline is the source of truth: the record counts the client's own signals
(payments, no-shows, cancellations, broken promises, reward requests) within the
look-back window, leaving out retracted ones, plus what they bought (invoices less their
credit notes, and paid registrations) and the relationship's age. For many relationships
at once it costs the same four grouped queries as for one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Sum

from trustfunnel.core.evidence import Actor
from trustfunnel.core.params import Params
from trustfunnel.core.terms import ClientRecord, TermsAdvice, advise_terms
from trustfunnel.crm.models import Relationship
from trustfunnel.events.models import (
    ClientPolicy,
    Invoice,
    InvoiceKind,
    Registration,
    RegistrationStatus,
)
from trustfunnel.timeline.models import Signal

#: Signal kind -> (count field, strength-sum field or None) of ClientRecord.
_KIND_FIELDS = {
    "invoice_paid_on_time": ("paid_on_time", None),
    "invoice_paid_late": ("paid_late", "paid_late_strength"),
    "invoice_unpaid": ("unpaid", None),
    "no_show": ("no_shows", None),
    "late_cancellation": ("late_cancellations", None),
    "cancelled_in_time": ("cancelled_in_time", None),
    "attended": ("attended", None),
    "promise_broken": ("broken_promises", None),
    "reward_requested": ("reward_requests", None),
}


def client_records(relationships: Iterable[Relationship], *, now: datetime,
                   params: Params) -> dict[int, ClientRecord]:
    rels = {r.pk: r for r in relationships}
    if not rels:
        return {}
    ids = list(rels)
    since = now - timedelta(days=params.terms.lookback_days)
    values: dict[int, dict] = defaultdict(dict)
    signal_rows = (
        Signal.objects.filter(relationship_id__in=ids, actor=Actor.THEM, kind__in=_KIND_FIELDS,
                              occurred_at__gte=since, occurred_at__lte=now,
                              retracted_by__isnull=True)
        .order_by().values("relationship_id", "kind").annotate(n=Count("id"), s=Sum("strength"))
    )
    for row in signal_rows:
        count_field, strength_field = _KIND_FIELDS[row["kind"]]
        values[row["relationship_id"]][count_field] = row["n"]
        if strength_field:
            values[row["relationship_id"]][strength_field] = float(row["s"] or 0)
    bought: dict[int, Decimal] = defaultdict(Decimal)
    for row in (Invoice.objects.filter(relationship_id__in=ids).order_by()
                .values("relationship_id", "kind").annotate(total=Sum("amount"))):
        sign = -1 if row["kind"] == InvoiceKind.CREDIT_NOTE else 1  # a credit note gives back
        bought[row["relationship_id"]] += sign * (row["total"] or 0)
    for row in (Registration.objects.filter(relationship_id__in=ids, paid_at__isnull=False,
                                            invoices__isnull=True)
                .exclude(status=RegistrationStatus.CANCELLED).order_by()
                .values("relationship_id").annotate(total=Sum("price"))):
        bought[row["relationship_id"]] += row["total"] or 0
    enforced = set(ClientPolicy.objects.filter(relationship_id__in=ids, prepayment_required=True)
                   .values_list("relationship_id", flat=True))
    records = {}
    for pk, rel in rels.items():
        start = rel.started_at or rel.created_at.date()
        records[pk] = ClientRecord(
            **values.get(pk, {}),
            relationship_days=max(0, (now.date() - start).days),
            amount_bought=max(0.0, float(bought.get(pk, 0))),
            prepayment_enforced=pk in enforced,
        )
    return records


def terms_advice_for(relationships: Iterable[Relationship], *, now: datetime,
                     params: Params) -> dict[int, TermsAdvice]:
    records = client_records(relationships, now=now, params=params)
    return {pk: advise_terms(record, params.terms) for pk, record in records.items()}


def terms_advice(relationship: Relationship | None, *, now: datetime,
                 params: Params) -> TermsAdvice:
    """The advice for one client; a registration without a relationship gets the advice
    for an empty record (standard terms)."""
    if relationship is None:
        return advise_terms(ClientRecord(), params.terms)
    return terms_advice_for([relationship], now=now, params=params)[relationship.pk]
