"""Deals of the demo firm: closed ones from the past two years and open ones now.

The pace of each deal follows the buyer country's time-to-yes
(:data:`trustfunnel.demo.data.DAYS_TO_YES`), so the firm's own figures per country
differ the way the product expects (Germany slow and thorough, Ukraine fast, the
Netherlands between). Every deal gets a stage history from lead to where it stands.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from trustfunnel.crm.models import Deal, DealStage
from trustfunnel.demo import data

if TYPE_CHECKING:
    from trustfunnel.demo.generator import DemoBuild, Rel

HISTORY_DAYS = 730
STAGE_ORDER = [
    DealStage.LEAD, DealStage.FIRST_CONTACT, DealStage.NEEDS_EXPLORED, DealStage.PROPOSAL,
    DealStage.NEGOTIATION,
]
DEAL_VALUES = {"micro": (2, 6), "small": (4, 15), "medium": (8, 35), "large": (15, 80)}


def deals_for(build: DemoBuild, rel: Rel) -> None:
    """Closed deals from the past two years and, for many, one still open now."""
    if rel.pattern or rel.obj.kind in ("supplier", "trainer"):
        return
    rng = build.rng
    median = data.DAYS_TO_YES[rel.country]
    history_start = min(HISTORY_DAYS - 10, (build.now.date() - rel.obj.started_at).days)
    closed = {"client": rng.randint(2, 4), "partner": 1,
              "prospect": int(rng.random() < 0.7)}[rel.obj.kind]
    for _ in range(closed):
        outcome = "won" if rel.obj.kind != "prospect" and rng.random() < 0.68 else "lost"
        make_deal(build, rel, outcome=outcome,
                  first_contact_days_ago=rng.uniform(min(history_start, median * 1.8), history_start))
    if rng.random() < {"client": 0.4, "partner": 0.2, "prospect": 0.9}[rel.obj.kind]:
        make_deal(build, rel, outcome="won", first_contact_days_ago=rng.uniform(2, median * 0.9))


def make_deal(build: DemoBuild, rel: Rel, *, first_contact_days_ago: float, outcome: str,
              open_stage: str | None = None, title: str | None = None) -> Deal:
    """One deal whose pace follows the buyer country's time-to-yes.

    If the drawn duration ends after now, the deal is still open (its stage follows the
    share of the way it has come), unless ``open_stage`` forces it.
    """
    rng = build.rng
    median = data.DAYS_TO_YES[rel.country]
    duration = rng.lognormvariate(0, 0.35) * median * (0.7 if outcome == "lost" else 1.0)
    first = build.now - timedelta(days=first_contact_days_ago)
    end = first + timedelta(days=duration)
    low, high = DEAL_VALUES[rel.size]
    value = rng.randint(low * 2, high * 2) * 500
    year = first.year
    title = title or rng.choice(data.DEAL_TITLES).format(year=year + 1 if first.month > 9 else year)
    if open_stage or end >= build.now - timedelta(days=1):
        share = (build.now - first) / (end - first) if end > first else 1
        stage = open_stage or STAGE_ORDER[min(4, int(share * 5))]
        steps = STAGE_ORDER[: STAGE_ORDER.index(stage) + 1]
        history = _history(steps, first, min(build.now - timedelta(hours=1), first + (end - first) * min(share, 1)))
        return build.deal(rel, title=title, stage=stage, first_contact=first.date(), closed=None,
                          value=value, history=history,
                          expected_close=(first + timedelta(days=median)).date())
    if outcome == "won":
        steps = [*STAGE_ORDER, DealStage.WON]
    else:
        steps = [*STAGE_ORDER[: rng.randint(2, 5)], DealStage.LOST]
    history = _history(steps, first, end)
    if not rel.pattern:
        _evidence_of_the_outcome(build, rel, outcome, first, end)
    return build.deal(rel, title=title, stage=steps[-1], first_contact=first.date(),
                      closed=end.date(), value=value, history=history,
                      expected_close=(first + timedelta(days=median)).date())


def _evidence_of_the_outcome(build: DemoBuild, rel: Rel, outcome: str, first, end) -> None:
    """What usually goes with a yes or a no (and not always): care and delivery that the
    client notices before a yes; a complaint or our hedging before a no.

    Its own random stream (seeded from the deal), so the rest of the demo draws the
    same numbers as without it."""
    import random

    who = rel.obj.organization.name if rel.obj.organization_id or rel.obj.organization else ""
    rng = random.Random(f"{who}-{first.isoformat()}-{outcome}")
    middle = first + (end - first) * rng.uniform(0.4, 0.9)
    if outcome == "won" and rng.random() < 0.7:
        build.signal(rel, rng.choice(["care_shown", "delivered", "disclosure"]), "us", middle)
        build.signal(rel, "praise", "them", middle + timedelta(days=2))
    elif outcome == "lost" and rng.random() < 0.6:
        build.signal(rel, rng.choice(["complaint", "hedging"]),
                     "them" if rng.random() < 0.5 else "us", middle)
        build.signal(rel, "promise_late", "us", middle + timedelta(days=3))


def _history(steps, start: datetime, end: datetime) -> list[tuple[str, str, datetime]]:
    """Stage changes spread evenly from ``start`` (the lead) to ``end`` (the last)."""
    span = (end - start) / max(1, len(steps) - 1)
    previous = ""
    history = []
    for index, stage in enumerate(steps):
        history.append((previous, stage, start + span * index))
        previous = stage
    return history
