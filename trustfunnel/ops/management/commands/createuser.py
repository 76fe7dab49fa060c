"""``trustfunnel createuser``: a login, optionally a member of a workspace with a role."""

from __future__ import annotations

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.ops.services import check_create_user, do_create_user
from trustfunnel.workspaces.roles import Role


class Command(BaseCommand):
    help = (
        "Create a user. With --workspace the user becomes a member with --role "
        "(an existing user is added to the workspace, or has their role changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="", help="E-mail address.")
        parser.add_argument(
            "--password",
            help="Password (otherwise asked twice on the terminal). Prefer the prompt: "
            "a password on the command line ends up in the shell history.",
        )
        parser.add_argument("--workspace", help="Slug of the workspace to join.")
        parser.add_argument(
            "--role", default=Role.SALES, choices=Role.values,
            help="Role in the workspace (default: sales).",
        )

    def handle(self, *args, username, email, password, workspace, role, **options):
        from django.contrib.auth import get_user_model

        exists = get_user_model().objects.filter(username=username).exists()
        if exists and not workspace:
            raise CommandError(f"username: user {username!r} already exists.")
        if password is None and not exists:
            password = self._prompt_password()
        try:
            target = check_create_user(
                username, password=password, workspace_slug=workspace, role=role
            )
            with transaction.atomic(durable=True):
                user, membership = do_create_user(
                    username, email=email, password=password, workspace=target, role=role
                )
        except TrustfunnelError as exc:
            raise CommandError(exc.message) from None
        verb = "Updated" if exists else "Created"
        where = f" as {membership.role} in {target.slug}" if membership else ""
        self.stdout.write(self.style.SUCCESS(f"{verb} user {user.username}{where}."))

    def _prompt_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError("password: give --password, or run on a terminal to be asked.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("password: the two passwords differ.")
        return first
