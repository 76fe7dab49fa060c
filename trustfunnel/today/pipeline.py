"""The pipeline board: open deals by stage, with trust, phase, warnings and a weighted
total per stage from an explainable, calibrated win probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.apps import apps
from django.db.models import Max

from trustfunnel.core import winprob
from trustfunnel.crm.models import OPEN_STAGES, Deal, DealStage, DealStageChange

STAGE_INDEX = {stage: i for i, stage in enumerate(OPEN_STAGES)}
#: The stage enters as indicators (lead is the reference), so the model contains the
#: stage-only baseline and adds trust and age to it.
FEATURES = (*(f"stage {s}" for s in OPEN_STAGES[1:]), "their trust in us", "our trust in them",
            "age in weeks")
#: Cap on the deals one board shows per stage (the totals still count them all).
PER_STAGE = 200


@dataclass(frozen=True)
class Board:
    columns: list[dict]
    calibration: winprob.Calibration | None
    model: winprob.WinModel | None


def _trust(deal_rel_ids: list[int]) -> dict[int, tuple[float, float, str, str]]:
    if not apps.is_installed("trustfunnel.scoring") or not deal_rel_ids:
        return {}
    TrustState = apps.get_model("scoring", "TrustState")
    return {
        rid: (t, o, tl, ol)
        for rid, t, o, tl, ol in TrustState.objects.filter(relationship_id__in=deal_rel_ids)
        .values_list("relationship_id", "theirs_score", "ours_score", "theirs_label", "ours_label")
    }


def _features(rows, trust, now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """The feature matrix and each row's stage index."""
    x = np.zeros((len(rows), len(FEATURES)))
    stages = np.zeros(len(rows), dtype=int)
    n_stage = len(OPEN_STAGES) - 1
    for i, (_deal_id, rel_id, reached, first_contact, until) in enumerate(rows):
        t = trust.get(rel_id, (0.5, 0.5, "unknown", "unknown"))
        end = until or now.date()
        weeks = ((end - first_contact).days / 7) if first_contact else 0.0
        stages[i] = STAGE_INDEX.get(reached, 0)
        if stages[i]:
            x[i, stages[i] - 1] = 1.0
        x[i, n_stage:] = (t[0], t[1], weeks)
    return x, stages


def training_set(workspace, now: datetime):
    """Closed deals as stage snapshots: one row per open stage a deal passed through.

    An open deal is scored at its current stage, so the model learns P(won | a deal is
    at this stage now), which is what a board needs; the row's age is the time from
    first contact to entering that stage. Trust is the relationship's current state (the
    engine keeps no per-deal history): an approximation the calibration report states.
    """
    closed = {
        deal_id: (rel_id, stage, first)
        for deal_id, rel_id, stage, first in Deal.objects.for_workspace(workspace)
        .filter(stage__in=[DealStage.WON, DealStage.LOST])
        .values_list("id", "relationship_id", "stage", "first_contact_at")
    }
    if not closed:
        return np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0, dtype=int)
    entered: dict[tuple[int, str], datetime] = {}
    for deal_id, stage, at in (
        DealStageChange.objects.for_workspace(workspace)
        .filter(deal_id__in=list(closed), to_stage__in=OPEN_STAGES)
        .values_list("deal_id", "to_stage", "at").iterator(chunk_size=5000)
    ):
        entered.setdefault((deal_id, stage), at)
    for deal_id in closed.keys() - {d for d, _ in entered}:
        entered[(deal_id, "lead")] = None  # no history: it was at least a lead
    rows, labels = [], []
    for (deal_id, stage), at in sorted(entered.items(), key=lambda kv: kv[0]):
        rel_id, outcome, first = closed[deal_id]
        rows.append((deal_id, rel_id, stage, first, at.date() if at else first))
        labels.append(1.0 if outcome == DealStage.WON else 0.0)
    x, stage_index = _features(rows, _trust(list({r for r, _, _ in closed.values()})), now)
    return x, np.array(labels), stage_index


def board(workspace, *, now: datetime, owner=None) -> Board:
    x, y, stages = training_set(workspace, now)
    model = calibration = None
    if len(y) >= 10 and 0 < y.sum() < len(y):
        model = winprob.fit(x, y, FEATURES)
        calibration = winprob.calibrate(x, y, stages, FEATURES, n_stages=len(OPEN_STAGES))
    deals = Deal.objects.for_workspace(workspace).filter(stage__in=OPEN_STAGES)
    if owner is not None:
        deals = deals.filter(owner=owner)
    rows = list(deals.select_related("relationship__person", "relationship__organization")
                .order_by("-value", "id"))
    trust = _trust(list({d.relationship_id for d in rows}))
    feats, _ = _features(
        [(d.pk, d.relationship_id, d.stage, d.first_contact_at, None) for d in rows], trust, now)
    if model is not None and len(rows):
        probs = winprob.predict(model, feats)
    else:
        fallback = winprob.stage_baseline(stages, y, len(OPEN_STAGES)) if len(y) else None
        probs = np.array([
            fallback[STAGE_INDEX[d.stage]] if fallback is not None else 0.1 + 0.15 * STAGE_INDEX[d.stage]
            for d in rows
        ])
    shown = _shown_relationships(rows)
    phase_two = _phase_two(workspace, shown, now)
    warnings = _pace_warnings(workspace, shown, now)
    columns = []
    for stage in OPEN_STAGES:
        cards = []
        total = weighted = 0.0
        for i, deal in enumerate(rows):
            if deal.stage != stage:
                continue
            value = float(deal.value)
            total += value
            weighted += value * float(probs[i])
            if len(cards) < PER_STAGE:
                t = trust.get(deal.relationship_id, (None, None, "unknown", "unknown"))
                cards.append({
                    "deal": deal, "probability": float(probs[i]),
                    "theirs_label": t[2], "ours_label": t[3],
                    "why": winprob.explain(model, feats[i])[:2] if model else [],
                    "phase": 2 if deal.relationship_id in phase_two else 1,
                    "warnings": warnings.get(deal.relationship_id, ()),
                })
        columns.append({"stage": stage, "label": DealStage(stage).label, "cards": cards,
                        "total": total, "weighted": weighted})
    return Board(columns=columns, calibration=calibration, model=model)


def _shown_relationships(rows) -> list[int]:
    """The relationships of the cards a board shows (at most PER_STAGE per stage)."""
    per_stage: dict[str, int] = {}
    ids = []
    for deal in rows:
        per_stage[deal.stage] = per_stage.get(deal.stage, 0) + 1
        if per_stage[deal.stage] <= PER_STAGE:
            ids.append(deal.relationship_id)
    return sorted(set(ids))


def _phase_two(workspace, relationship_ids: list[int], now: datetime) -> set[int]:
    """Relationships that look ready for the ask: their trust solid or strong and an
    in-person meeting in the last 180 days (the meeting sheet shows the full readiness)."""
    if not relationship_ids or not apps.is_installed("trustfunnel.scoring"):
        return set()
    from datetime import timedelta

    from trustfunnel.timeline.models import IN_PERSON_KINDS, Interaction

    trusted = set(
        apps.get_model("scoring", "TrustState").objects
        .filter(relationship_id__in=relationship_ids, theirs_label__in=["solid", "strong"])
        .values_list("relationship_id", flat=True)
    )
    met = set(
        Interaction.objects.filter(
            relationship_id__in=trusted, kind__in=IN_PERSON_KINDS,
            occurred_at__gte=now - timedelta(days=180), occurred_at__lte=now,
        ).values_list("relationship_id", flat=True)
    ) if trusted else set()
    return trusted & met


def _pace_warnings(workspace, relationship_ids: list[int], now: datetime) -> dict[int, tuple]:
    """Pace warnings per relationship shown, from one pacing pass."""
    if not relationship_ids or not apps.is_installed("trustfunnel.culture"):
        return {}
    from trustfunnel.core.pacing import PaceWarning
    from trustfunnel.culture.services import plan_for_workspace

    batch = plan_for_workspace(workspace, now=now, relationship_ids=relationship_ids).batch
    out = {}
    for i in np.flatnonzero(batch.warnings):
        flags = PaceWarning(int(batch.warnings[i]))
        out[int(batch.inputs.relationship_id[i])] = tuple(
            w.name.lower() for w in PaceWarning if w and flags & w)
    return out


__all__ = ["board", "training_set", "Max"]
