"""``trustfunnel evidence verify`` and ``trustfunnel evidence export --relationship ID``.

verify: walks every workspace's hash chain (streamed) and names the first broken entry;
exits with status 1 when one is found.
export: writes a self-contained, printable HTML bundle of one client's record for a
dispute: the terms advice with its reasons, registrations, invoices, the relevant
timeline facts and the evidence log entries with their hashes and the chain check.
PDF: only when WeasyPrint is installed (it is not a dependency, see docs/decisions.md);
otherwise print the HTML from a browser.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import timezone, translation

from trustfunnel.crm.models import Relationship
from trustfunnel.events.evidence import verify_workspace_chain, workspaces_with_evidence
from trustfunnel.events.models import EvidenceEntry
from trustfunnel.events.views import reliability_context
from trustfunnel.timeline.models import Signal


class Command(BaseCommand):
    help = "Check the evidence log's hash chain, or export one client's record for a dispute."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Check every workspace's chain.")
        verify.add_argument("--workspace", type=int, help="Only this workspace id.")
        export = sub.add_parser("export", help="Write a client's record as HTML (or PDF).")
        export.add_argument("--relationship", type=int, required=True)
        export.add_argument("--format", choices=["html", "pdf"], default="html")
        export.add_argument("--output", help="File to write; default standard output (html).")
        export.add_argument("--language", default="en")

    def handle(self, *args, **options):
        if options["action"] == "verify":
            return self.verify(options.get("workspace"))
        return self.export(options)

    def verify(self, workspace_id: int | None) -> None:
        ids = [workspace_id] if workspace_id else workspaces_with_evidence()
        broken = False
        for ws in ids:
            verdict = verify_workspace_chain(ws)
            if verdict.ok:
                erased = f" ({verdict.erased} with their payload erased)" if verdict.erased else ""
                self.stdout.write(f"workspace {ws}: {verdict.checked} entries, chain intact{erased}")
            else:
                broken = True
                self.stdout.write(f"workspace {ws}: BROKEN at {verdict.first_broken.message} "
                                  f"(after {verdict.checked} good entries)")
        if broken:
            raise CommandError("The evidence log has been changed: see the entry named above.",
                               returncode=1)

    def export(self, options) -> None:
        relationship = (Relationship.objects.select_related("workspace", "person", "organization")
                        .filter(pk=options["relationship"]).first())
        if relationship is None:
            raise CommandError(f"--relationship: no relationship with id {options['relationship']}.")
        workspace = relationship.workspace
        now = timezone.now()
        with translation.override(options["language"]):
            context = reliability_context(workspace, relationship, now=now, evidence_limit=10_000)
            context.update({
                "workspace": workspace, "generated_at": now,
                "evidence": list(EvidenceEntry.objects.for_workspace(workspace)
                                 .filter(relationship=relationship).order_by("seq")),
                "signals": list(Signal.objects.for_workspace(workspace)
                                .filter(relationship=relationship).order_by("occurred_at", "id")),
                "chain": verify_workspace_chain(workspace.pk),
            })
            html = render_to_string("events/export.html", context)
        if options["format"] == "pdf":
            self.write_pdf(html, options.get("output"))
            return
        if options.get("output"):
            Path(options["output"]).write_text(html, encoding="utf-8")
            self.stdout.write(f"wrote {options['output']}")
        else:
            sys.stdout.write(html)

    def write_pdf(self, html: str, output: str | None) -> None:
        if not output:
            raise CommandError("--output: a PDF needs a file name.")
        try:
            from weasyprint import HTML  # optional, heavy: not a dependency
        except ImportError as error:
            raise CommandError("PDF export needs WeasyPrint, which is not installed; export "
                               "--format html and print it to PDF from a browser.") from error
        HTML(string=html).write_pdf(output)
        self.stdout.write(f"wrote {output}")
