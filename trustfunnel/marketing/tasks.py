"""Background work for marketing: thin tasks that take ids and call one service."""

from __future__ import annotations

from django_tasks import task

from trustfunnel.marketing import gatefacts
from trustfunnel.marketing.models import Campaign
from trustfunnel.marketing.sending import do_send_campaign


@task()
def send_campaign(campaign_id: int) -> int:
    campaign = Campaign.objects.select_related("workspace", "content").get(pk=campaign_id)
    return do_send_campaign(campaign, actor=None)


#: How often the scheduler takes in the changes queued for the gate's kept facts, so
#: that gating a campaign finds little left to recompute.
REFRESH_GATE_FACTS_EVERY_MINUTES = 5


@task()
def refresh_gate_facts() -> dict:
    done = gatefacts.refresh()
    return {"people": done.people, "full": done.full}
