"""Retention clean-up, the periodic job, and view logging for other apps' views."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django.views.generic import DetailView

from tests.factories import (
    DealFactory,
    InteractionFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)
from trustfunnel.crm.models import Person, Relationship
from trustfunnel.privacy import services
from trustfunnel.privacy.mixins import LogPersonViewMixin
from trustfunnel.privacy.models import ErasureRecord, RetentionRule, ViewLog
from trustfunnel.privacy.tasks import apply_retention_rules
from trustfunnel.timeline.models import Interaction
from trustfunnel.web.registry import periodic_jobs
from trustfunnel.workspaces.models import AuditEntry, Membership

NOW = timezone.now()


def _age(queryset, field: str, days: int) -> None:
    queryset.update(**{field: NOW - timedelta(days=days)})


def test_defaults_come_from_params_and_rules_override(workspace):
    assert services.retention_days(workspace)["view_log"] == 730
    RetentionRule.objects.create(workspace=workspace, kind="view_log", keep_days=7)
    assert services.retention_days(workspace)["view_log"] == 7


def test_retention_blanks_old_notes_and_keeps_the_interaction(workspace, owner_user):
    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    old = InteractionFactory(relationship=rel, subject="Old lunch", notes="private things")
    new = InteractionFactory(relationship=rel, subject="Recent call", notes="keep me")
    _age(Interaction.objects.filter(pk=old.pk), "occurred_at", 2000)

    done = services.do_apply_retention(workspace, now=NOW)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.subject, old.notes, old.kind) == ("", "", "meeting")
    assert new.notes == "keep me"
    assert done["interaction_notes"] == 1


def test_retention_deletes_old_automated_mails_view_logs_and_audit(workspace, owner_user):
    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    mail = InteractionFactory(relationship=rel, kind="automated_email")
    _age(Interaction.objects.filter(pk=mail.pk), "occurred_at", 800)
    services.log_person_view(Membership.objects.get(user=owner_user), rel.person)
    _age(ViewLog.objects.all(), "at", 800)
    AuditEntry.objects.create(workspace=workspace, action="old.thing")
    _age(AuditEntry.objects.filter(action="old.thing"), "at", 3000)

    done = services.do_apply_retention(workspace, now=NOW)

    assert not Interaction.objects.filter(pk=mail.pk).exists()
    assert not ViewLog.objects.exists()
    assert not AuditEntry.objects.filter(action="old.thing").exists()
    assert done["automated_emails"] == 1 and done["view_log"] == 1 and done["audit_log"] == 1


def test_zero_days_keeps_forever(workspace, owner_user):
    RetentionRule.objects.create(workspace=workspace, kind="view_log", keep_days=0)
    services.log_person_view(Membership.objects.get(user=owner_user), PersonFactory(workspace=workspace))
    _age(ViewLog.objects.all(), "at", 10_000)
    services.do_apply_retention(workspace, now=NOW)
    assert ViewLog.objects.count() == 1


def test_inactive_people_are_erased_when_the_rule_is_on(workspace, owner_user):
    RetentionRule.objects.create(workspace=workspace, kind="inactive_people", keep_days=365)
    quiet = PersonFactory(workspace=workspace, last_name="Stilstaand")
    busy = PersonFactory(workspace=workspace, last_name="Bezig")
    busy_rel = RelationshipFactory(workspace=workspace, owner=owner_user, person=busy)
    SignalFactory(relationship=busy_rel)  # recent
    old_deal_rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    DealFactory(workspace=workspace, relationship=old_deal_rel)
    _age(Person.objects.all(), "updated_at", 400)

    services.do_apply_retention(workspace, now=NOW)

    erased = set(ErasureRecord.objects.values_list("person__pk", flat=True))
    assert quiet.pk in erased and busy.pk not in erased
    assert old_deal_rel.person_id not in erased  # its deal changed recently
    assert ErasureRecord.objects.get(person=quiet).reason == "retention"


def test_inactive_people_rule_is_off_by_default(workspace):
    PersonFactory(workspace=workspace)
    _age(Person.objects.all(), "updated_at", 5000)
    services.do_apply_retention(workspace, now=NOW)
    assert not ErasureRecord.objects.exists()


def test_retention_task_is_registered_and_runs(workspace, owner_user):
    assert any(job.task is apply_retention_rules for job in periodic_jobs)
    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    old = InteractionFactory(relationship=rel, notes="x")
    _age(Interaction.objects.filter(pk=old.pk), "occurred_at", 4000)

    result = apply_retention_rules.call()

    assert result["hoetmer"]["interaction_notes"] == 1


class _PersonPage(LogPersonViewMixin, DetailView):
    model = Person
    template_name = "privacy/erase.html"  # any template; not rendered here


class _RelationshipPage(LogPersonViewMixin, DetailView):
    model = Relationship
    person_attribute = "person"


@pytest.mark.parametrize("view_class, attr", [(_PersonPage, "person"), (_RelationshipPage, "rel")])
def test_mixin_logs_a_view_through_get_object(workspace, sales_user, view_class, attr):
    rel = RelationshipFactory(workspace=workspace, owner=sales_user)
    target = rel.person if attr == "person" else rel
    request = RequestFactory().get("/somewhere/")
    request.user = sales_user
    view = view_class()
    view.setup(request, pk=target.pk)

    view.get_object()

    assert ViewLog.objects.filter(person=rel.person, viewer=sales_user, via="page").count() == 1


def test_log_person_view_ignores_other_workspaces(workspace, other_user):
    person = PersonFactory(workspace=workspace)
    assert services.log_person_view(Membership.objects.get(user=other_user), person) is None
    assert not ViewLog.objects.exists()


def test_relationship_panel_shows_basis_and_links_to_privacy_page(workspace, owner_user):
    from django.template.loader import render_to_string

    from trustfunnel.web.registry import relationship_panels

    panel = next(p for p in relationship_panels if p.key == "privacy")
    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    services.do_record_consent(rel.person, actor=owner_user, purpose="relationship",
                               action="basis_recorded", basis="contract", source="contract 14")
    html = render_to_string(panel.template, panel.get_context(None, rel, None))
    assert "Contract" in html
    assert f"/privacy/people/{rel.person.pk}/" in html


def test_apply_retention_command_reports_per_workspace(workspace, owner_user):
    import io

    from django.core.management import call_command

    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    old = InteractionFactory(relationship=rel, notes="x")
    _age(Interaction.objects.filter(pk=old.pk), "occurred_at", 4000)
    out = io.StringIO()

    call_command("apply_retention", stdout=out)

    assert "hoetmer: interaction_notes 1" in out.getvalue()
