"""Follow-ups for the calendar feed, gathered from every app that has some.

A source is ``fn(workspace, user, *, start, end) -> Iterable[FollowUp]``: the follow-ups
of ``user`` in ``workspace`` dated from ``start`` to ``end`` (dates). Apps register theirs
with :func:`register_followup_source` in ``AppConfig.ready()`` (the pacing engine adds its
next-contact dates). A source runs a fixed number of queries, never one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from trustfunnel.crm.models import OPEN_STAGES, Deal


@dataclass(frozen=True)
class FollowUp:
    uid: str  # stable across feed refreshes, e.g. "deal-42-close"
    on: date
    summary: str
    description: str = ""
    url: str = ""


FollowUpSource = Callable[..., Iterable[FollowUp]]
followup_sources: list[FollowUpSource] = []


def register_followup_source(source: FollowUpSource) -> None:
    if source not in followup_sources:
        followup_sources.append(source)


def collect_followups(workspace, user, *, start: date, end: date) -> list[FollowUp]:
    found = [
        item
        for source in followup_sources
        for item in source(workspace, user, start=start, end=end)
    ]
    return sorted(found, key=lambda f: (f.on, f.uid))


def deal_close_dates(workspace, user, *, start: date, end: date) -> Iterable[FollowUp]:
    """The open deals the user owns, on their expected close date (one query)."""
    deals = (
        Deal.objects.for_workspace(workspace)
        .filter(owner=user, stage__in=OPEN_STAGES, expected_close__range=(start, end))
        .select_related("relationship__person", "relationship__organization")
        .order_by("expected_close", "id")
    )
    for deal in deals:
        yield FollowUp(
            uid=f"deal-{deal.pk}-close",
            on=deal.expected_close,
            summary=_("Expected close: %(title)s") % {"title": deal.title},
            description=_("%(relationship)s — stage %(stage)s, value %(value)s %(currency)s")
            % {
                "relationship": deal.relationship.display_name,
                "stage": deal.get_stage_display(),
                "value": deal.value,
                "currency": deal.currency,
            },
        )
