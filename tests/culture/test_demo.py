"""With the demo data, the learned time-to-yes differs visibly between DE and UA."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

pytest.importorskip("trustfunnel.demo")


@pytest.mark.django_db
def test_demo_learned_medians_differ_between_de_and_ua():
    from trustfunnel.culture import services
    from trustfunnel.workspaces.models import Workspace

    call_command("demo", seed=1)
    today = timezone.localdate()
    for workspace in Workspace.objects.all():
        de = services.learned_pace(workspace, "DE", today=today)
        ua = services.learned_pace(workspace, "UA", today=today)
        if de.n and ua.n:
            break
    else:
        pytest.fail("the demo has no workspace with deals in both DE and UA")
    assert de.learned[1].time is not None or ua.learned[1].time is not None
    slower, faster = max(de.days_50, ua.days_50), min(de.days_50, ua.days_50)
    assert slower > 1.25 * faster, (de.days_50, ua.days_50)
