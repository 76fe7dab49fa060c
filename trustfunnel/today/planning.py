"""Turn a relationship's rows into planner inputs: readiness, talking points, dilemma.

The only place that knows where the planner's facts live (trust state, timeline,
ledger, insights, deals); the planner itself (trustfunnel.core.planner) knows no rows.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.db.models import Q, Sum
from django.utils import timezone

from trustfunnel.core.planner import (
    DilemmaInput,
    Heard,
    Phase,
    ReadinessInput,
    TrustView,
    dilemma,
    readiness,
    talking_points,
)
from trustfunnel.crm.models import OPEN_STAGES, Deal, Relationship
from trustfunnel.timeline.models import IN_PERSON_KINDS, Exchange, Interaction, Signal
from trustfunnel.workspaces.params import params_for

UNKNOWN = TrustView("unknown", 0.5, 1.0, ())


def trust_views(relationship: Relationship, now: datetime | None = None) -> tuple[TrustView, TrustView]:
    """(their trust in us, our trust in them), read from the cached fold state at ``now``."""
    if not apps.is_installed("trustfunnel.scoring"):
        return UNKNOWN, UNKNOWN
    from trustfunnel.core import trust as trust_engine
    from trustfunnel.scoring.models import TrustState
    from trustfunnel.scoring.services import trust_state_of

    row = TrustState.objects.filter(relationship=relationship).first()
    if row is None:
        return UNKNOWN, UNKNOWN
    when = (now or timezone.now()).timestamp()
    scores = trust_engine.score(trust_state_of(row), when, params_for(relationship.workspace))

    def view(direction) -> TrustView:
        return TrustView(direction.label, direction.score, direction.uncertainty,
                         tuple((c.score, c.uncertainty) for c in direction.components))

    return view(scores.theirs_in_us), view(scores.ours_in_them)


def ledger_balance(relationship: Relationship) -> tuple[float, float]:
    """(value given by us, value given by them), undecayed."""
    totals = Exchange.objects.filter(relationship=relationship).aggregate(
        us=Sum("value", filter=Q(giver="us")), them=Sum("value", filter=Q(giver="them"))
    )
    return float(totals["us"] or 0), float(totals["them"] or 0)


def open_promises_ours(relationship: Relationship, now: datetime):
    from trustfunnel.today.sources import PROMISE_DEFAULT_DAYS, RESOLVES_PROMISE

    made = list(
        Signal.objects.filter(relationship=relationship, kind="promise_made", actor="us",
                              retracted_by__isnull=True)
        .values_list("occurred_at", flat=True).order_by("occurred_at")
    )
    resolved = Signal.objects.filter(relationship=relationship, actor="us",
                                     kind__in=RESOLVES_PROMISE).count()
    from datetime import timedelta

    still_open = made[resolved:] if resolved < len(made) else []
    return [(m + timedelta(days=PROMISE_DEFAULT_DAYS)).date() for m in still_open]


def readiness_for(relationship: Relationship, *, now: datetime, deal: Deal | None = None):
    theirs, ours = trust_views(relationship, now)
    last_in_person = (
        Interaction.objects.filter(relationship=relationship, kind__in=IN_PERSON_KINDS,
                                   occurred_at__lte=now)
        .order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    )
    given_us, given_them = ledger_balance(relationship)
    facts = ReadinessInput(
        now=now, theirs_in_us=theirs, ours_in_them=ours, last_in_person=last_in_person,
        open_promises_ours=open_promises_ours(relationship, now),
        balance=given_us - given_them, stage=deal.stage if deal else None,
    )
    return readiness(facts, params_for(relationship.workspace).planner)


def heard_from(relationship: Relationship, limit: int = 50) -> list[Heard]:
    heard: list[Heard] = []
    if apps.is_installed("trustfunnel.marketing"):
        from trustfunnel.marketing.models import Insight

        heard += [
            Heard(i.kind, i.topic, i.note, i.occurred_at)
            for i in Insight.objects.filter(relationship=relationship).order_by("-occurred_at")[:limit]
        ]
    for topics, at in (
        Interaction.objects.filter(relationship=relationship).exclude(topics=[])
        .order_by("-occurred_at").values_list("topics", "occurred_at")[:limit]
    ):
        heard += [Heard("topic", str(t), "", at) for t in topics or []]
    return heard


def positives(relationship: Relationship, limit: int = 3) -> list[str]:
    rows = (
        Signal.objects.filter(relationship=relationship, polarity=1, retracted_by__isnull=True)
        .order_by("-occurred_at").values_list("kind", "note")[:limit]
    )
    from trustfunnel.core.evidence import SIGNAL_KINDS

    return [note or SIGNAL_KINDS[kind].label.lower() for kind, note in rows]


def points_for(relationship: Relationship, phase: Phase, deal: Deal | None = None):
    our_topics: list[str] = []
    if apps.is_installed("trustfunnel.marketing"):
        from trustfunnel.marketing.models import Content

        for topics in Content.objects.for_workspace(relationship.workspace).values_list(
            "topics", flat=True
        )[:200]:
            our_topics += topics or []
    return talking_points(phase, heard_from(relationship), our_topics=our_topics,
                          positives=positives(relationship),
                          proposal=deal.title if deal else None)


def dilemma_for(relationship: Relationship, *, trust_trend: float = 0.0, breach: bool = False):
    won = Deal.objects.for_workspace(relationship.workspace).filter(stage="won")
    revenue = won.filter(relationship=relationship).aggregate(v=Sum("value"))["v"] or Decimal(0)
    firm = won.aggregate(v=Sum("value"))["v"] or Decimal(0)
    referrals = Exchange.objects.filter(relationship=relationship, giver="them",
                                        kind__in=["referral", "introduction"])
    ref = referrals.aggregate(v=Sum("value"))["v"] or Decimal(0)
    given_us, given_them = ledger_balance(relationship)
    return dilemma(
        DilemmaInput(revenue=float(revenue), firm_revenue=float(firm), referrals_value=float(ref),
                     referrals_count=referrals.count(), given_by_us=given_us,
                     given_by_them=given_them, trust_trend=trust_trend, breach=breach),
        params_for(relationship.workspace).planner,
    )


def current_deal(relationship: Relationship) -> Deal | None:
    return (Deal.objects.filter(relationship=relationship, stage__in=OPEN_STAGES)
            .order_by("-value", "-id").first())
