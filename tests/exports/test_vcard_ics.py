"""vCard export round-trips through a parser; the calendar feed is valid and guarded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import vobject
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tests.factories import DealFactory, OrganizationFactory, PersonFactory, RelationshipFactory
from trustfunnel.exports import services
from trustfunnel.exports.followups import FollowUp, followup_sources, register_followup_source
from trustfunnel.exports.vcard import fold
from trustfunnel.privacy.models import ViewLog
from trustfunnel.workspaces.models import Membership


@pytest.fixture
def person(workspace):
    org = OrganizationFactory(workspace=workspace, name="Bakkerij Smit, Zoon; & Co")
    return PersonFactory(
        workspace=workspace, organization=org, first_name="Élodie", last_name="van 't Hoff",
        email="elodie@example.fr", phone="+33612345678", job_title="Directrice\nachats",
        country="FR", language="fr",
    )


def test_vcard_round_trips_through_vobject(client, owner_user, person):
    client.force_login(owner_user)
    response = client.get(reverse("exports:people-vcf"))
    body = b"".join(response.streaming_content).decode()

    (card,) = list(vobject.readComponents(body))
    assert card.version.value == "4.0"
    assert card.fn.value == "Élodie van 't Hoff"
    assert card.n.value.family == "van 't Hoff" and card.n.value.given == "Élodie"
    assert card.org.value == ["Bakkerij Smit, Zoon; & Co"]
    assert card.title.value == "Directrice\nachats"
    assert card.email.value == "elodie@example.fr"
    assert card.tel.value == "tel:+33612345678"


def test_vcard_folds_long_lines_on_character_boundaries():
    line = "NOTE:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert "".join(parts) == line
    assert all(len(part.encode()) <= 75 for part in parts)


def test_single_person_vcard_logs_the_view(client, sales_user, person):
    client.force_login(sales_user)
    response = client.get(reverse("exports:person-vcf", args=[person.pk]))

    assert response.status_code == 200
    assert ViewLog.objects.filter(person=person, viewer=sales_user, via="export").count() == 1


def test_single_person_vcard_of_another_workspace_is_404(client, other_user, person):
    client.force_login(other_user)
    assert client.get(reverse("exports:person-vcf", args=[person.pk])).status_code == 404


@pytest.fixture
def feed_token(owner_user):
    return services.do_issue_feed_token(Membership.objects.get(user=owner_user), actor=owner_user)


def _events(response):
    calendar = Calendar.from_ical(response.content)
    return [c for c in calendar.walk("VEVENT")]


def test_feed_lists_open_deals_of_the_user(client, workspace, owner_user, sales_user, feed_token):
    soon = timezone.localdate() + timedelta(days=10)
    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    mine = DealFactory(workspace=workspace, relationship=rel, owner=owner_user, title="Coaching",
                       stage="proposal", expected_close=soon)
    DealFactory(workspace=workspace, relationship=rel, owner=owner_user, stage="won",
                expected_close=soon)
    DealFactory(workspace=workspace, relationship=rel, owner=sales_user, stage="lead",
                expected_close=soon)

    response = client.get(reverse("exports:calendar-feed", args=[feed_token]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    (event,) = _events(response)
    assert str(event["uid"]) == f"deal-{mine.pk}-close@{workspace.slug}.trustfunnel"
    assert event.decoded("dtstart") == soon
    assert "Coaching" in str(event["summary"])


def test_feed_includes_registered_sources(client, owner_user, feed_token, monkeypatch):
    def next_contacts(workspace, user, *, start, end):
        yield FollowUp(uid="pace-1", on=start + timedelta(days=100), summary="Call Anouk")

    monkeypatch.setattr("trustfunnel.exports.followups.followup_sources", list(followup_sources))
    register_followup_source(next_contacts)

    events = _events(client.get(reverse("exports:calendar-feed", args=[feed_token])))
    assert [str(e["summary"]) for e in events] == ["Call Anouk"]


def test_feed_with_unknown_or_revoked_token_is_404(client, owner_user, feed_token):
    assert client.get(reverse("exports:calendar-feed", args=["nope"])).status_code == 404
    services.do_revoke_feed_tokens(Membership.objects.get(user=owner_user), actor=owner_user)
    assert client.get(reverse("exports:calendar-feed", args=[feed_token])).status_code == 404


def test_new_feed_token_replaces_the_old(client, owner_user, feed_token):
    membership = Membership.objects.get(user=owner_user)
    newer = services.do_issue_feed_token(membership, actor=owner_user)
    assert client.get(reverse("exports:calendar-feed", args=[feed_token])).status_code == 404
    assert client.get(reverse("exports:calendar-feed", args=[newer])).status_code == 200


def test_feed_stops_when_the_member_leaves(client, owner_user, feed_token):
    Membership.objects.filter(user=owner_user).delete()
    assert client.get(reverse("exports:calendar-feed", args=[feed_token])).status_code == 404


def test_feed_token_is_not_stored_in_clear(owner_user, feed_token):
    from trustfunnel.exports.models import CalendarFeedToken

    assert not CalendarFeedToken.objects.filter(digest=feed_token).exists()


def test_exports_page_issues_and_shows_a_feed_address_once(client, owner_user):
    client.force_login(owner_user)
    response = client.post(reverse("exports:calendar-issue"), follow=True)
    assert b".ics" in response.content
    again = client.get(reverse("exports:index"))
    assert b".ics" not in again.content
    assert date.today().year  # page renders
