from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import DealFactory, InteractionFactory, RelationshipFactory, SignalFactory
from trustfunnel.core.planner import Phase
from trustfunnel.crm.models import DealStage
from trustfunnel.today import planning, services
from trustfunnel.today.pipeline import board

NOW = timezone.now()


@pytest.fixture
def rel(workspace, sales_user):
    return RelationshipFactory(workspace=workspace, owner=sales_user)


PACE_KINDS = {"follow_up", "going_cold", "slow_reply"}


def keys(workspace, user, now=NOW):
    """The items under test; the pacing engine's follow-ups have their own test."""
    return [i.candidate.key for i in services.build_today(workspace, user, now=now).items
            if i.candidate.kind not in PACE_KINDS]


def test_a_promise_we_made_becomes_due_and_leaves_when_kept(workspace, sales_user, rel):
    made = SignalFactory(relationship=rel, kind="promise_made", actor="us",
                         occurred_at=NOW - timedelta(days=13), note="send the proposal")
    assert keys(workspace, sales_user) == [f"promise_due:{made.pk}"]
    SignalFactory(relationship=rel, kind="promise_kept", actor="us", occurred_at=NOW)
    assert keys(workspace, sales_user) == []


def test_a_meeting_today_offers_the_meeting_sheet(workspace, sales_user, rel):
    meeting = InteractionFactory(relationship=rel, kind="meeting",
                                 occurred_at=NOW.replace(hour=15, minute=0))
    items = services.build_today(workspace, sales_user, now=NOW.replace(hour=8)).items
    assert items[0].candidate.key == f"meeting:{meeting.pk}"
    assert items[0].candidate.action == "meeting_sheet"


def test_done_removes_an_item_and_a_snoozed_one_comes_back_when_due(workspace, sales_user, rel):
    deal = DealFactory(workspace=workspace, relationship=rel, owner=sales_user, stage="proposal",
                       expected_close=(NOW + timedelta(days=2)).date())
    key = f"deal_closing:{deal.pk}:{deal.expected_close.isoformat()}"
    assert keys(workspace, sales_user) == [key]
    services.do_answer_item(workspace, sales_user, key=key, kind="deal_closing",
                            status="snoozed", snooze="1d", now=NOW)
    assert keys(workspace, sales_user) == []
    assert keys(workspace, sales_user, now=NOW + timedelta(days=1, hours=1)) == [key]
    services.do_answer_item(workspace, sales_user, key=key, kind="deal_closing", status="done",
                            reason="called them")
    assert keys(workspace, sales_user, now=NOW + timedelta(days=2)) == []


def test_a_moved_close_date_is_a_new_item(workspace, sales_user, rel):
    deal = DealFactory(workspace=workspace, relationship=rel, owner=sales_user, stage="proposal",
                       expected_close=(NOW + timedelta(days=1)).date())
    services.do_answer_item(workspace, sales_user, key=keys(workspace, sales_user)[0],
                            kind="deal_closing", status="done")
    deal.expected_close = (NOW + timedelta(days=5)).date()
    deal.save()
    assert len(keys(workspace, sales_user)) == 1


def test_another_users_items_are_not_mine(workspace, sales_user, owner_user, rel):
    SignalFactory(relationship=rel, kind="promise_made", actor="us",
                  occurred_at=NOW - timedelta(days=13))
    assert keys(workspace, owner_user) == []


def test_without_an_in_person_meeting_a_relationship_builds_trust_first(rel):
    ready = planning.readiness_for(rel, now=NOW)
    assert ready.phase is Phase.BUILD_TRUST
    assert "No in-person meeting yet." in [f.text for f in ready.missing]


def test_the_pipeline_weights_each_stage_by_win_probability(workspace, sales_user):
    for i in range(12):
        DealFactory(workspace=workspace, owner=sales_user, value=1000,
                    relationship=RelationshipFactory(workspace=workspace, owner=sales_user),
                    stage=DealStage.WON if i % 2 else DealStage.LOST,
                    first_contact_at=(NOW - timedelta(days=60)).date(),
                    closed_at=NOW.date())
    DealFactory(workspace=workspace, owner=sales_user, value=10000, stage="proposal",
                relationship=RelationshipFactory(workspace=workspace, owner=sales_user))
    result = board(workspace, now=NOW)
    proposal = next(c for c in result.columns if c["stage"] == "proposal")
    assert proposal["total"] == 10000
    assert 0 < proposal["weighted"] < 10000
    assert result.calibration is not None and result.calibration.n == 12


def test_the_weekly_digest_lists_each_members_items(workspace, sales_user, rel, mailoutbox):
    from trustfunnel.today.tasks import send_weekly_digests

    SignalFactory(relationship=rel, kind="promise_made", actor="us",
                  occurred_at=NOW - timedelta(days=10), note="send the agenda")
    assert send_weekly_digests(now=NOW) == 1
    message = mailoutbox[0]
    assert message.to == [sales_user.email]
    assert "send the agenda" in message.body


def test_a_relationship_gone_quiet_asks_for_a_follow_up_at_its_pace(workspace, sales_user, rel):
    InteractionFactory(relationship=rel, kind="meeting", occurred_at=NOW - timedelta(days=200))
    items = services.build_today(workspace, sales_user, now=NOW).items
    pace = [i.candidate for i in items if i.candidate.kind in PACE_KINDS]
    assert pace and pace[0].relationship_id == rel.pk
    assert pace[0].kind == "going_cold"
