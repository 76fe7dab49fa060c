"""The insights board: what sales hears, aggregated by topic, country and stage over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F
from django.db.models.functions import Coalesce, TruncQuarter

from trustfunnel.marketing.models import Insight
from trustfunnel.workspaces.models import Workspace


@dataclass(frozen=True)
class Rise:
    kind: str
    topic: str
    country: str
    this_quarter: int
    last_quarter: int


def board(workspace: Workspace, *, since: datetime, kind: str = "", country: str = ""):
    """Rows (quarter, kind, topic, country, n): one GROUP BY, newest quarter first."""
    qs = Insight.objects.for_workspace(workspace).filter(occurred_at__gte=since)
    if kind:
        qs = qs.filter(kind=kind)
    if country:
        qs = qs.filter(relationship__organization__country=country.upper())
    return (
        qs.annotate(
            quarter=TruncQuarter("occurred_at"),
            country=Coalesce(F("relationship__organization__country"), F("person__country")),
        )
        .values("quarter", "kind", "topic", "country")
        .annotate(n=Count("id"))
        .order_by("-quarter", "-n", "topic")
    )


def rises(rows, *, current_quarter: datetime, previous_quarter: datetime, minimum: int = 2):
    """Topics heard more often this quarter than last ("objections about price rose in DE")."""
    counts: dict[tuple, list[int]] = {}
    for row in rows:
        key = (row["kind"], row["topic"], row["country"] or "")
        slot = counts.setdefault(key, [0, 0])
        quarter = row["quarter"].date() if hasattr(row["quarter"], "date") else row["quarter"]
        if quarter == current_quarter.date():
            slot[0] += row["n"]
        elif quarter == previous_quarter.date():
            slot[1] += row["n"]
    found = [Rise(k, t, c, now, before) for (k, t, c), (now, before) in counts.items()
             if now >= minimum and now > before]
    return sorted(found, key=lambda r: (r.last_quarter - r.this_quarter, r.topic))
