"""The `trustfunnel` command: product commands first, help on each, createuser."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from trustfunnel import cli
from trustfunnel.workspaces.models import AuditEntry, Membership


def test_main_help_lists_product_commands_before_django_ones(capsys):
    cli.main(["trustfunnel", "--help"])
    out = capsys.readouterr().out
    ours = out.index("trustfunnel commands:")
    theirs = out.index("Django and library commands")
    for name in ("serve", "demo", "migrate", "createuser", "worker", "scheduler"):
        assert ours < out.index(f"  {name} ") < theirs, name
    assert "collectstatic" in out[theirs:]


@pytest.mark.parametrize("command", ["serve", "demo", "createuser", "worker", "scheduler", "migrate"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["trustfunnel", command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: trustfunnel {command}" in out


def test_createuser_joins_a_workspace_with_a_role(transactional_db, workspace, capsys):
    call_command("createuser", "alice", "--email", "alice@example.nl",
                 "--password", "a-long-Password-2026", "--workspace", workspace.slug,
                 "--role", "marketing")
    membership = Membership.objects.get(user__username="alice")
    assert membership.workspace == workspace and membership.role == "marketing"
    assert membership.user.check_password("a-long-Password-2026")
    assert membership.user.email == "alice@example.nl"
    assert AuditEntry.objects.filter(action="workspaces.membership.saved").exists()
    assert "Created user alice as marketing in hoetmer" in capsys.readouterr().out


def test_createuser_adds_an_existing_user_to_another_workspace(
    transactional_db, workspace, other_workspace
):
    call_command("createuser", "bob", "--password", "a-long-Password-2026",
                 "--workspace", workspace.slug)
    call_command("createuser", "bob", "--workspace", other_workspace.slug, "--role", "viewer")
    roles = dict(Membership.objects.filter(user__username="bob")
                 .values_list("workspace__slug", "role"))
    assert roles == {"hoetmer": "sales", "other": "viewer"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["carol", "--password", "a-long-Password-2026", "--workspace", "nope"], "workspace"),
        (["carol", "--password", "short"], "password"),
        (["carol"], "password"),  # no terminal to ask on
    ],
)
def test_createuser_rejects_bad_input_naming_the_field(transactional_db, workspace, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("createuser", *args)
    assert not Membership.objects.filter(user__username="carol").exists()


def test_createuser_refuses_an_existing_username_without_workspace(transactional_db, owner_user):
    with pytest.raises(CommandError, match="already exists"):
        call_command("createuser", owner_user.username, "--password", "a-long-Password-2026")


def test_serve_banner_prints_address_and_demo_login(db, monkeypatch):
    from django.contrib.auth import get_user_model

    from trustfunnel.ops.management.commands.serve import Command

    monkeypatch.setenv("TRUSTFUNNEL_DEMO_PASSWORD", "demo-password-for-tests")
    command = Command()
    assert "trustfunnel demo" in command._banner("127.0.0.1", 8000)
    get_user_model().objects.create_user("demo", password="x")
    banner = command._banner("0.0.0.0", 8123)
    assert "http://127.0.0.1:8123/" in banner
    assert "demo" in banner and "demo-password-for-tests" in banner


def test_createworkspace_then_createuser_gives_a_firm_its_owner(transactional_db, capsys):
    from trustfunnel.workspaces.models import Workspace

    call_command("createworkspace", "acme", "--name", "Acme Advies", "--country", "nl")
    call_command("createuser", "anna", "--password", "a-long-Password-2026",
                 "--workspace", "acme", "--role", "owner")
    workspace = Workspace.objects.get(slug="acme")
    assert workspace.name == "Acme Advies" and workspace.home_country == "NL"
    assert Membership.objects.get(user__username="anna").role == "owner"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad slug!", "--name", "X"], "slug"),
        (["acme", "--name", "X", "--country", "XX"], "XX"),
        (["acme", "--name", "X", "--currency", "EURO"], "currency"),
    ],
)
def test_createworkspace_rejects_bad_input_naming_the_field(transactional_db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("createworkspace", *args)


def test_serve_starts_a_worker_beside_the_server_when_tasks_are_queued(monkeypatch):
    """`make run` is the whole local set-up: an upload must not wait for a worker nobody
    started."""
    from trustfunnel.ops.management.commands import serve, worker

    started = []
    monkeypatch.setattr(serve.subprocess, "Popen", lambda args, **kw: started.append(args) or "proc")
    command = serve.Command()
    monkeypatch.setattr(worker, "backend_kind", lambda: "immediate")
    assert command._start_worker() is None and started == []
    monkeypatch.setattr(worker, "backend_kind", lambda: "db")
    assert command._start_worker() == "proc"
    assert started[0][1:] == ["-m", "trustfunnel.cli", "worker", "--with-scheduler", "-v", "0"]
