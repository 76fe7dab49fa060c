"""``trustfunnel import KIND FILE``: import a file from the command line.

Prints the counts and every issue with its place; exits 1 when the import failed (in
atomic mode nothing was written). Progress is shown with tqdm.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from tqdm import tqdm

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.imports.messages import error_text, localized
from trustfunnel.imports.models import ImportKind, ImportStatus
from trustfunnel.imports.services import create_run, execute_run
from trustfunnel.workspaces.models import Membership, Workspace


class Command(BaseCommand):
    help = "Import a CSV, vCard, iCalendar, mail or UBL file into a workspace."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file")
        parser.add_argument("--workspace", help="workspace slug (default: the only one)")
        parser.add_argument("--user", help="username recorded as the importer (default: the workspace owner)")
        parser.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
        parser.add_argument("--preset", default="", help="column preset (built-in or saved)")
        parser.add_argument("--mapping", default="", help='JSON {"column": "field", ...}')
        parser.add_argument("--on-duplicate", choices=["merge", "skip", "create"], default="merge")
        parser.add_argument("--resumable", action="store_true",
                            help="commit per batch instead of all-or-nothing; a re-run resumes")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(gettext("{path}: no such file.").format(path=path))
        workspace = self.workspace(options["workspace"])
        actor = self.actor(workspace, options["user"])
        try:
            mapping = json.loads(options["mapping"]) if options["mapping"] else None
        except json.JSONDecodeError as exc:
            raise CommandError(gettext("--mapping is not valid JSON: {problem}").format(problem=exc)) from None
        try:
            with path.open("rb") as handle:
                run = create_run(
                    workspace, actor=actor, kind=options["kind"], file_name=path.name, source=handle,
                    dry_run=options["dry_run"], mapping=mapping, preset=options["preset"],
                    on_duplicate=options["on_duplicate"], atomic=not options["resumable"],
                )
            bar = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name,
                       disable=options["verbosity"] == 0, file=self.stderr._out)
            last = [0]

            def progress(done: int, total: int) -> None:
                bar.update(max(0, done - last[0]))
                last[0] = done

            run = execute_run(run, actor=actor, progress=progress)
            bar.close()
        except TrustfunnelError as exc:
            raise CommandError(error_text(exc)) from None
        self.report(run)
        if run.status == ImportStatus.FAILED:
            raise CommandError(gettext("Import failed: nothing was written.") if run.atomic
                               else gettext("Import failed."))

    def report(self, run) -> None:
        prefix = gettext("dry run: ") if run.dry_run else ""
        counts = ", ".join(f"{k} {v}" for k, v in sorted(run.counts.items()))
        self.stdout.write(f"{prefix}{run.file_name}: {run.get_status_display()} ({counts})")
        for issue in localized(run.errors):
            self.stdout.write(f"  {gettext(issue['severity'])}: {issue['place']}: {issue['message']}")

    @staticmethod
    def workspace(slug: str | None) -> Workspace:
        if slug:
            try:
                return Workspace.objects.get(slug=slug)
            except Workspace.DoesNotExist:
                raise CommandError(gettext("No workspace {slug!r}.").format(slug=slug)) from None
        workspaces = list(Workspace.objects.all()[:2])
        if len(workspaces) != 1:
            raise CommandError(gettext("Name the workspace with --workspace SLUG."))
        return workspaces[0]

    @staticmethod
    def actor(workspace: Workspace, username: str | None):
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None or not Membership.objects.filter(workspace=workspace, user=user).exists():
                raise CommandError(gettext("{username!r} is not a member of {workspace}.").format(
                    username=username, workspace=workspace.slug))
            return user
        memberships = Membership.objects.filter(workspace=workspace).select_related("user")
        membership = memberships.filter(role="owner").order_by("id").first() or memberships.order_by("id").first()
        return membership.user if membership else None
