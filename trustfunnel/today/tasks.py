"""The weekly digest: each member's Today items for the coming week, by e-mail."""

from __future__ import annotations

from datetime import timedelta

from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from trustfunnel.core.today import TodayParams
from trustfunnel.today.services import build_today
from trustfunnel.workspaces.models import Membership

#: The digest is in Dutch for firms at home in Dutch-speaking countries, else English.
DUTCH_HOME = {"NL", "BE", "SR"}


def digest_language(membership: Membership) -> str:
    return "nl" if str(membership.workspace.home_country) in DUTCH_HOME else "en"


def send_weekly_digests(*, now=None) -> int:
    """One mail per member with an address and at least one item; returns how many."""
    now = now or timezone.now()
    week = TodayParams(horizon_days=7, limit=25)
    messages = []
    for membership in (
        Membership.objects.select_related("workspace", "user")
        .exclude(user__email="").filter(user__is_active=True).exclude(role="viewer")
    ):
        items = build_today(membership.workspace, membership.user, now=now).items
        items = [i for i in items if i.candidate.due is None
                 or i.candidate.due <= now + timedelta(days=week.horizon_days)]
        if not items:
            continue
        with translation.override(digest_language(membership)):
            from trustfunnel.today.views import render_item

            body = render_to_string("today/digest.txt", {
                "membership": membership, "items": [render_item(i) for i in items[:25]],
            })
            subject = render_to_string("today/digest_subject.txt",
                                       {"workspace": membership.workspace}).strip()
        messages.append(EmailMessage(subject=subject, body=body, to=[membership.user.email]))
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    return len(messages)


@task()
def weekly_digest() -> int:
    return send_weekly_digests()
