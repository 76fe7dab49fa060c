"""The periodic sweep task runs every step in its own transaction and reports counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from trustfunnel.events import services, tasks
from trustfunnel.events.models import Registration
from trustfunnel.timeline.models import Signal

pytestmark = pytest.mark.django_db(transaction=True)


def test_sweep_task_releases_records_and_notifies(workspace, owner_user, client_of):
    now = timezone.now()
    event = services.do_save_event(workspace, actor=owner_user, fields={
        "title": "Task test", "price": 100, "capacity": 1, "payment_term_days": 0})
    session = services.do_add_session(event, actor=owner_user, starts_at=now + timedelta(days=3),
                                      ends_at=now + timedelta(days=3, hours=2))
    person, relationship = client_of()
    services.do_register(session, actor=owner_user, person=person, now=now - timedelta(minutes=1))
    mail.outbox.clear()
    result = tasks.sweep_events.enqueue().return_value
    assert result["released"] == 1
    assert Registration.objects.get().status == "cancelled"
    assert Signal.objects.get(relationship=relationship).kind == "invoice_unpaid"
    assert any("vrijgegeven" in m.subject for m in mail.outbox)  # in the person's Dutch
