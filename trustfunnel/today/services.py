"""Building the Today list and recording what the user answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from trustfunnel.core.errors import InvalidInput
from trustfunnel.core.today import Feedback, RankedItem, rank
from trustfunnel.today import sources
from trustfunnel.today.models import FeedbackStatus, TodayFeedback
from trustfunnel.workspaces.params import params_for

SNOOZE_CHOICES = {"1d": timedelta(days=1), "3d": timedelta(days=3), "1w": timedelta(days=7)}


@dataclass(frozen=True)
class TodayList:
    items: tuple[RankedItem, ...]
    now: datetime


def build_today(workspace, user, *, now: datetime | None = None) -> TodayList:
    now = now or timezone.now()
    candidates = sources.collect(workspace, user, now)
    history = [
        Feedback(key, kind, status, until)
        for key, kind, status, until in TodayFeedback.objects.for_workspace(workspace)
        .filter(user=user)
        .values_list("key", "kind", "status", "until")
    ]
    answered: dict[str, int] = {}
    for fb in history:
        answered[fb.kind] = answered.get(fb.kind, 0) + 1
    items = rank(candidates, history, now=now, shown=answered, params=params_for(workspace).today)
    return TodayList(items=items, now=now)


def do_answer_item(workspace, user, *, key: str, kind: str, status: str, reason: str = "",
                   snooze: str = "", now: datetime | None = None) -> TodayFeedback:
    """Done, snoozed (1d/3d/1w) or not relevant; one answer per key, the latest wins."""
    now = now or timezone.now()
    if status not in FeedbackStatus.values:
        raise InvalidInput("{field}: must be done, snoozed or not_relevant.", field="status")
    if not key or not kind:
        raise InvalidInput("{field}: missing.", field="key")
    until = None
    if status == FeedbackStatus.SNOOZED:
        if snooze not in SNOOZE_CHOICES:
            raise InvalidInput("{field}: choose 1d, 3d or 1w.", field="snooze")
        until = now + SNOOZE_CHOICES[snooze]
    feedback, _ = TodayFeedback.objects.update_or_create(
        workspace=workspace, user=user, key=key,
        defaults={"kind": kind, "status": status, "until": until, "reason": reason[:300]},
    )
    return feedback
