"""The only code that turns timeline rows into trust/reciprocity engine inputs.

- :func:`do_fold_signal` / :func:`do_fold_exchange`: the incremental path, called by the
  timeline listeners inside the writing transaction (O(1) per signal: one locked row).
- :func:`rebuild_state`: one relationship from its whole timeline (used when the cached
  row does not exist yet).
- :func:`analyse_relationship`: everything the API and the relationship page show.

The batch recompute of every relationship lives in :mod:`trustfunnel.scoring.batch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from trustfunnel.core import reciprocity as ledger_engine
from trustfunnel.core import trust as trust_engine
from trustfunnel.core.params import Params
from trustfunnel.crm.models import OPEN_STAGES, Deal, DealStage, Relationship
from trustfunnel.scoring.models import TrustState
from trustfunnel.timeline.models import Exchange, Signal
from trustfunnel.workspaces.params import params_for

REWARD_KIND = "reward_requested"
NETWORK_KINDS = ("referral", "introduction")
_SIGNAL_FIELDS = ("id", "kind", "direction", "components", "polarity", "strength", "occurred_at", "retracts_id", "actor")


def params_for_relationship(relationship: Relationship) -> Params:
    return params_for(relationship.workspace)


def signal_evidence(signal: Signal) -> trust_engine.Evidence:
    return trust_engine.Evidence(
        kind=signal.kind, direction=signal.direction, components=signal.components,
        polarity=signal.polarity, at=signal.occurred_at.timestamp(), strength=signal.strength,
        id=signal.pk, retracts=signal.retracts_id,
    )


def _is_reward_request(signal) -> bool:
    return signal.kind == REWARD_KIND and signal.actor == "them"


def exchange_record(exchange: Exchange) -> ledger_engine.ExchangeRecord:
    return ledger_engine.ExchangeRecord(
        giver=exchange.giver, kind=exchange.kind, value=float(exchange.value),
        at=exchange.occurred_at.timestamp(), solicited=exchange.solicited, id=exchange.pk,
        reciprocates=exchange.reciprocates_id, description=exchange.description,
    )


# ------------------------------------------------------------------ timeline reads


@dataclass(frozen=True)
class Timeline:
    """One relationship's timeline as engine inputs (retractions already honoured)."""

    evidence: list[trust_engine.Evidence]
    exchanges: list[ledger_engine.ExchangeRecord]
    reward_requests: list[float]
    has_network: bool


def load_timeline(relationship: Relationship) -> Timeline:
    """Two queries: the relationship's signals and its exchanges."""
    signals = list(
        Signal.objects.for_workspace(relationship.workspace_id)
        .filter(relationship=relationship)
        .only(*_SIGNAL_FIELDS)
        .order_by("occurred_at", "id")
    )
    evidence = trust_engine.effective_evidence(signal_evidence(s) for s in signals)
    kept_ids = {e.id for e in evidence}
    exchanges = [
        exchange_record(e)
        for e in Exchange.objects.for_workspace(relationship.workspace_id)
        .filter(relationship=relationship)
        .order_by("occurred_at", "id")
    ]
    rewards = [s.occurred_at.timestamp() for s in signals if _is_reward_request(s) and s.pk in kept_ids]
    has_network = any(e.giver == "them" and e.kind in NETWORK_KINDS for e in exchanges) or any(
        s.kind in NETWORK_KINDS and s.actor == "them" and s.pk in kept_ids for s in signals
    )
    return Timeline(evidence, exchanges, rewards, has_network)


def relationship_context(relationship: Relationship, timeline: Timeline) -> ledger_engine.RelationshipContext:
    deal_value = (
        Deal.objects.for_workspace(relationship.workspace_id)
        .filter(relationship=relationship)
        .filter(Q(stage=DealStage.WON) | Q(stage__in=OPEN_STAGES))
        .aggregate(total=Sum("value"))["total"]
    )
    authority = relationship.person.decision_authority if relationship.person_id else ""
    return ledger_engine.RelationshipContext(
        decision_authority=authority or "", deal_value=float(deal_value or 0),
        has_network=timeline.has_network, reward_requests=tuple(timeline.reward_requests),
    )


# ------------------------------------------------------------------- cached state


def trust_state_of(row: TrustState) -> trust_engine.TrustState:
    if row.trust_ref is None:
        return trust_engine.TrustState()
    return trust_engine.TrustState(ref=row.trust_ref, r=tuple(row.trust_r), s=tuple(row.trust_s))


def ledger_state_of(row: TrustState) -> ledger_engine.ReciprocityState:
    if row.ledger_ref is None:
        return ledger_engine.ReciprocityState()
    return ledger_engine.ReciprocityState(ref=row.ledger_ref, values=tuple(row.ledger))


#: Fields written by :func:`store_state` (for ``update_fields`` and ``bulk_update``).
STATE_FIELDS = [
    "trust_ref", "trust_r", "trust_s", "ledger_ref", "ledger",
    "ours_score", "ours_uncertainty", "ours_label", "theirs_score", "theirs_uncertainty",
    "theirs_label", "reciprocity_balance", "reciprocity_classification", "scored_at", "updated_at",
]


def store_state(
    row: TrustState, trust: trust_engine.TrustState, ledger: ledger_engine.ReciprocityState,
    *, now: datetime, params: Params,
) -> None:
    """Put both folds and their denormalised figures (read at ``now``) on ``row``."""
    row.trust_ref, row.trust_r, row.trust_s = trust.ref, list(trust.r), list(trust.s)
    row.ledger_ref, row.ledger = ledger.ref, list(ledger.values)
    scores = trust_engine.score(trust, now.timestamp(), params)
    row.ours_score = scores.ours_in_them.score
    row.ours_uncertainty = scores.ours_in_them.uncertainty
    row.ours_label = scores.ours_in_them.label
    row.theirs_score = scores.theirs_in_us.score
    row.theirs_uncertainty = scores.theirs_in_us.uncertainty
    row.theirs_label = scores.theirs_in_us.label
    classification = ledger_engine.classify(ledger, now.timestamp(), params)
    row.reciprocity_balance = classification.balance
    row.reciprocity_classification = classification.label
    row.scored_at = now
    row.updated_at = now


def rebuild_state(
    relationship: Relationship, *, now: datetime, params: Params, row: TrustState | None = None
) -> TrustState:
    """Create or overwrite the relationship's state from its whole timeline."""
    timeline = load_timeline(relationship)
    trust = trust_engine.fold_all(timeline.evidence, params)
    ledger = ledger_engine.fold_exchanges(timeline.exchanges, timeline.reward_requests, params)
    if row is None:
        row = TrustState.objects.filter(relationship=relationship).first() or TrustState(
            workspace_id=relationship.workspace_id, relationship=relationship
        )
    store_state(row, trust, ledger, now=now, params=params)
    row.save()
    return row


def _locked_row(relationship: Relationship) -> tuple[TrustState, bool]:
    """The state row, locked for this transaction, and whether it was just created.

    Usually one ``SELECT ... FOR UPDATE``. Without a row, ``get_or_create`` inserts one
    (holding its lock); if another transaction inserts it first, the unique index makes
    us wait for it and we then lock and fold into its row.
    """
    row = TrustState.objects.select_for_update().filter(relationship_id=relationship.pk).first()
    if row is not None:
        return row, False
    row, created = TrustState.objects.get_or_create(
        relationship_id=relationship.pk, defaults={"workspace_id": relationship.workspace_id}
    )
    if not created:
        row = TrustState.objects.select_for_update().get(pk=row.pk)
    return row, created


def do_fold_signal(signal: Signal, *, now: datetime | None = None) -> TrustState:
    """Fold one just-written signal (or retraction) into the cached state: O(1).

    Precondition: called inside the transaction that wrote ``signal``.
    """
    now = now or timezone.now()
    relationship = signal.relationship
    params = params_for_relationship(relationship)
    row, created = _locked_row(relationship)
    if created:
        # First evidence we see for this relationship (or rows written before this
        # app existed): build from the whole timeline once, the new signal included.
        return rebuild_state(relationship, now=now, params=params, row=row)
    trust, ledger = trust_state_of(row), ledger_state_of(row)
    if signal.retracts_id is not None:
        withdrawn = Signal.objects.get(pk=signal.retracts_id)
        trust = trust_engine.unfold(trust, signal_evidence(withdrawn), params)
        if _is_reward_request(withdrawn):
            ledger = ledger_engine.fold_reward_request(ledger, withdrawn.occurred_at.timestamp(), params, sign=-1.0)
    else:
        trust = trust_engine.fold(trust, signal_evidence(signal), params)
        if _is_reward_request(signal):
            ledger = ledger_engine.fold_reward_request(ledger, signal.occurred_at.timestamp(), params)
    store_state(row, trust, ledger, now=now, params=params)
    row.save(update_fields=STATE_FIELDS)
    return row


def do_fold_exchange(exchange: Exchange, *, now: datetime | None = None) -> TrustState:
    """Fold one just-written exchange into the cached ledger: O(1)."""
    now = now or timezone.now()
    relationship = exchange.relationship
    params = params_for_relationship(relationship)
    row, created = _locked_row(relationship)
    if created:
        return rebuild_state(relationship, now=now, params=params, row=row)
    ledger = ledger_engine.fold_exchange(ledger_state_of(row), exchange_record(exchange), params)
    store_state(row, trust_state_of(row), ledger, now=now, params=params)
    row.save(update_fields=STATE_FIELDS)
    return row


# ------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class RelationshipAnalysis:
    """Everything the API and the page show about one relationship at ``now``."""

    now: datetime
    scores: trust_engine.TrustScores
    trends: dict[str, trust_engine.Trend]
    explanations: dict[str, trust_engine.Explanation]
    reciprocity: ledger_engine.ReciprocityReport
    timeline: Timeline


def analyse_relationship(relationship: Relationship, *, now: datetime | None = None) -> RelationshipAnalysis:
    """Scores, trends, explanations and the ledger read of one relationship (3 queries)."""
    now = now or timezone.now()
    params = params_for_relationship(relationship)
    timeline = load_timeline(relationship)
    ts = now.timestamp()
    state = trust_engine.fold_all(timeline.evidence, params)
    return RelationshipAnalysis(
        now=now,
        scores=trust_engine.score(state, ts, params),
        trends=trust_engine.trend(timeline.evidence, ts, params),
        explanations=trust_engine.explain(timeline.evidence, ts, params),
        reciprocity=ledger_engine.analyse(timeline.exchanges, relationship_context(relationship, timeline), ts, params),
        timeline=timeline,
    )


def sample_times(timeline: Timeline, now: datetime, *, points: int = 13) -> list[datetime]:
    """Evenly spaced dates from the first event (at most two years back) to ``now``."""
    times = [e.at for e in timeline.evidence] + [e.at for e in timeline.exchanges]
    earliest = datetime.fromtimestamp(min(times), tz=now.tzinfo) if times else now - timedelta(days=365)
    start = max(earliest, now - timedelta(days=730))
    if start >= now:
        start = now - timedelta(days=30)
    step = (now - start) / (points - 1)
    return [start + step * i for i in range(points)]


def history(relationship: Relationship, analysis: RelationshipAnalysis) -> dict:
    """Trust over time (both directions) and the ledger balance at sample dates."""
    params = params_for_relationship(relationship)
    dates = sample_times(analysis.timeline, analysis.now)
    stamps = [d.timestamp() for d in dates]
    series = trust_engine.score_series(analysis.timeline.evidence, stamps, params)
    balance = ledger_engine.balance_series(analysis.timeline.exchanges, stamps, params)
    return {
        "dates": [d.date().isoformat() for d in dates],
        "theirs_in_us": [round(float(v), 4) for v in series["theirs_in_us"]],
        "ours_in_them": [round(float(v), 4) for v in series["ours_in_them"]],
        "balance": [round(float(v), 2) for v in balance],
    }
