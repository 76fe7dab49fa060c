"""Background work for marketing: thin tasks that take ids and call one service."""

from __future__ import annotations

from django_tasks import task

from trustfunnel.marketing.models import Campaign
from trustfunnel.marketing.sending import do_send_campaign


@task()
def send_campaign(campaign_id: int) -> int:
    campaign = Campaign.objects.select_related("workspace", "content").get(pk=campaign_id)
    return do_send_campaign(campaign, actor=None)
