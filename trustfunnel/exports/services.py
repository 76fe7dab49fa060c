"""Calendar feed tokens and the feed itself."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from trustfunnel.exports.followups import collect_followups
from trustfunnel.exports.models import CalendarFeedToken
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Membership

#: The feed shows follow-ups from this many days ago up to FEED_DAYS_AHEAD ahead.
FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 365


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_issue_feed_token(membership: Membership, *, actor) -> str:
    """Revoke the member's feed URL (if any) and issue a new secret, returned once."""
    do_revoke_feed_tokens(membership, actor=actor, record=False)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeedToken.objects.create(
        workspace_id=membership.workspace_id, user_id=membership.user_id, digest=_digest(token)
    )
    audit.record(membership.workspace, "exports.calendar_feed.issued", feed, actor=actor)
    return token


def do_revoke_feed_tokens(membership: Membership, *, actor, record: bool = True) -> int:
    revoked = CalendarFeedToken.objects.filter(
        workspace_id=membership.workspace_id, user_id=membership.user_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked and record:
        audit.record(membership.workspace, "exports.calendar_feed.revoked", None, actor=actor,
                     data={"user": membership.user_id})
    return revoked


def active_feed_token(membership: Membership) -> CalendarFeedToken | None:
    return (
        CalendarFeedToken.objects.filter(
            workspace_id=membership.workspace_id, user_id=membership.user_id, revoked_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )


def membership_for_feed_token(token: str) -> Membership | None:
    """The membership a live token belongs to; ``None`` if revoked or the user left."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeedToken.objects.filter(digest=_digest(token), revoked_at__isnull=True)
        .only("id", "workspace_id", "user_id")
        .first()
    )
    if feed is None:
        return None
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace_id=feed.workspace_id, user_id=feed.user_id, user__is_active=True)
        .first()
    )
    if membership is not None:
        CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return membership


def build_feed(membership: Membership, *, today: date, now: datetime) -> bytes:
    workspace, user = membership.workspace, membership.user
    calendar = Calendar()
    calendar.add("prodid", "-//trustfunnel//follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"trustfunnel — {workspace.name}")
    start = today - timedelta(days=FEED_DAYS_BACK)
    end = today + timedelta(days=FEED_DAYS_AHEAD)
    for item in collect_followups(workspace, user, start=start, end=end):
        event = Event()
        event.add("uid", f"{item.uid}@{workspace.slug}.trustfunnel")
        event.add("dtstamp", now)
        event.add("dtstart", item.on)
        event.add("dtend", item.on + timedelta(days=1))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
