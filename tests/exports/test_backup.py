"""Backup and restore: a firm goes out and comes back row for row."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import (
    DealFactory,
    ExchangeFactory,
    InteractionFactory,
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)
from trustfunnel.crm.models import Person
from trustfunnel.exports.backup import scoped_models
from trustfunnel.privacy.models import ConsentEvent
from trustfunnel.timeline.models import Signal
from trustfunnel.timeline.services import do_retract_signal
from trustfunnel.workspaces.models import Membership, Workspace


def snapshot() -> dict[str, list]:
    models = [get_user_model(), Workspace, Membership, *scoped_models()]
    return {
        m._meta.label: sorted(m._base_manager.order_by("pk").values_list(), key=repr)
        for m in models
    }


def make_firm(workspace, owner_user, sales_user):
    owner_user.user_permissions.add(Permission.objects.get(codename="view_person"))
    org = OrganizationFactory(workspace=workspace, name="Ångström Consulting AB", country="SE")
    person = PersonFactory(workspace=workspace, organization=org, first_name="Björk",
                           email="b@example.se")
    rel = RelationshipFactory(workspace=workspace, owner=owner_user, person=person,
                              organization=org, derived={"trust": {"care": 0.61}})
    interaction = InteractionFactory(relationship=rel, topics=["pricing", "Ü"])
    signal = SignalFactory(relationship=rel, interaction=interaction, created_by=sales_user)
    do_retract_signal(signal, actor=owner_user, reason="entered twice")  # self-reference
    first = ExchangeFactory(relationship=rel, value=Decimal("12.34"))
    ExchangeFactory(relationship=rel, giver="them", reciprocates=first)
    DealFactory(workspace=workspace, relationship=rel, value=Decimal("99999.99"))
    ConsentEvent.objects.create(workspace=workspace, person=person, purpose="marketing",
                                basis="consent", action="given", at=interaction.occurred_at)


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_empty_database_round_trips(tmp_path, workspace, owner_user,
                                                             sales_user):
    make_firm(workspace, owner_user, sales_user)
    before = snapshot()
    path = tmp_path / "firm.jsonl.gz"

    call_command("backup", str(path), workspace="hoetmer")
    call_command("flush", interactive=False, verbosity=0)
    assert not Workspace.objects.exists()
    call_command("restore", str(path))

    assert snapshot() == before
    assert get_user_model().objects.get(username="olga").has_perm("crm.view_person")
    # Sequences were reset: new rows do not collide with restored keys.
    assert OrganizationFactory(workspace=Workspace.objects.get()).pk > max(
        pk for pk, *_ in before["crm.Organization"]
    )


@pytest.mark.django_db(transaction=True)
def test_workspace_backup_leaves_other_firms_out(tmp_path, workspace, owner_user, sales_user,
                                                 other_workspace, other_user):
    make_firm(workspace, owner_user, sales_user)
    PersonFactory(workspace=other_workspace, last_name="Elsewhere")
    path = tmp_path / "firm.jsonl"

    call_command("backup", str(path), workspace="hoetmer")

    lines = path.read_text().splitlines()
    header, rows = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert header["format"] == "trustfunnel-backup" and header["workspaces"] == ["hoetmer"]
    assert "Elsewhere" not in path.read_text()
    assert {r["fields"]["username"] for r in rows if r["model"] == "auth.user"} == {"olga", "sam"}


def test_restore_refuses_a_database_with_data(tmp_path, workspace, owner_user, sales_user):
    make_firm(workspace, owner_user, sales_user)
    path = tmp_path / "firm.jsonl"
    call_command("backup", str(path))
    with pytest.raises(CommandError, match="empty database"):
        call_command("restore", str(path))


@pytest.mark.django_db(transaction=True)
def test_restore_of_a_broken_line_names_it_and_writes_nothing(tmp_path, workspace, owner_user,
                                                             sales_user):
    make_firm(workspace, owner_user, sales_user)
    path = tmp_path / "firm.jsonl"
    call_command("backup", str(path))
    lines = path.read_text().splitlines()
    lines[5] = '{"model": "crm.person", "pk": 1, "fields": {"last_name": '
    path.write_text("\n".join(lines) + "\n")
    call_command("flush", interactive=False, verbosity=0)

    with pytest.raises(CommandError, match="line 6"):
        call_command("restore", str(path))
    assert not get_user_model().objects.exists() and not Person.objects.exists()


def test_restore_rejects_a_file_that_is_not_a_backup(tmp_path, db):
    path = tmp_path / "x.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(CommandError, match="line 1"):
        call_command("restore", str(path))


def test_backup_page_is_for_owners(client, owner_user, sales_user, workspace):
    make_firm(workspace, owner_user, sales_user)
    client.force_login(sales_user)
    assert client.post("/exports/backup/").status_code == 403
    client.force_login(owner_user)
    response = client.post("/exports/backup/")
    assert response.status_code == 200
    body = gzip.decompress(b"".join(response.streaming_content)).decode()
    assert json.loads(body.splitlines()[0])["workspaces"] == ["hoetmer"]
    assert Signal.objects.count() == 2
