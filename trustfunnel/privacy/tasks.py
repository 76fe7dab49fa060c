"""Background jobs of the privacy app (thin: they call one service)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from trustfunnel.privacy.services import do_apply_retention
from trustfunnel.workspaces.models import Workspace


@task()
def apply_retention_rules() -> dict[str, dict[str, int]]:
    """Daily: apply every workspace's retention rules, one transaction per workspace."""
    now = timezone.now()
    report = {}
    for workspace in Workspace.objects.order_by("id"):
        with transaction.atomic():
            report[workspace.slug] = do_apply_retention(workspace, now=now)
    return report
