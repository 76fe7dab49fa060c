"""``trustfunnel culture load FILE``: load a workspace's own culture scores.

The file has the shipped table's format (``country,name,pdi,idv,mas,uai,lto,ivr
[,provenance]``; missing values empty or ``NA``) or the publisher's matrix format. By
default its rows extend the shipped table; ``--replace`` makes them the whole table.
Every bad line is reported with its number and nothing is stored.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.culture import services
from trustfunnel.workspaces.models import Workspace


def resolve_workspace(slug: str | None) -> Workspace:
    if slug:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {slug!r}.")
        return workspace
    workspaces = list(Workspace.objects.all()[:2])
    if len(workspaces) != 1:
        raise CommandError("Name the workspace with --workspace SLUG.")
    return workspaces[0]


class Command(BaseCommand):
    help = "Culture data: `load FILE` extends (or with --replace, replaces) the scores."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load scores from a CSV file.")
        load.add_argument("file")
        load.add_argument("--workspace", help="workspace slug (needed if there are several)")
        load.add_argument("--replace", action="store_true", help="replace the shipped table")

    def handle(self, *args, action, **options):
        if action == "load":
            self._load(options["file"], options.get("workspace"), options["replace"])

    def _load(self, filename: str, slug: str | None, replace: bool) -> None:
        path = Path(filename)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {filename}: {exc}") from exc
        workspace = resolve_workspace(slug)
        try:
            rows = services.check_load_table(text, source=path.name)
            with transaction.atomic(durable=True):
                count = services.do_load_table(
                    workspace, rows, replace=replace, source=path.name, actor=None
                )
        except TrustfunnelError as exc:
            lines = exc.data.get("lines")
            detail = "\n".join(f"  {path.name}, {line}" for line in lines) if lines else ""
            raise CommandError(f"{exc.message}\n{detail}".rstrip()) from exc
        mode = "replace" if replace else "extend"
        self.stdout.write(f"Loaded {count} countries from {path.name} ({mode}) into {workspace.slug}.")
