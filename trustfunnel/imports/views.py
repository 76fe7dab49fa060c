"""The upload page: upload -> detect -> column mapping -> preview (dry run) -> import
-> progress -> result."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.core.importing import PRESETS
from trustfunnel.imports import services
from trustfunnel.imports.forms import MappingForm, UploadForm
from trustfunnel.imports.messages import error_text
from trustfunnel.imports.models import (
    CSV_KINDS,
    ColumnPreset,
    ImportRun,
    ImportStatus,
    PromiseProposal,
    PromiseStatus,
)
from trustfunnel.imports.tasks import run_import
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.views import WorkspaceMixin

COUNT_LABELS = {
    "rows": gettext_lazy("rows read"), "cards": gettext_lazy("cards read"),
    "messages": gettext_lazy("messages read"), "occurrences": gettext_lazy("meetings read"),
    "created": gettext_lazy("created"), "merged": gettext_lazy("merged into existing records"),
    "skipped": gettext_lazy("skipped as duplicates"), "unchanged": gettext_lazy("already imported"),
    "written": gettext_lazy("rows written"), "errors": gettext_lazy("errors"),
    "unmatched": gettext_lazy("nobody we know: not imported"),
    "cancelled": gettext_lazy("cancelled meetings"), "declined": gettext_lazy("declined by everyone we know"),
    "organisations_created": gettext_lazy("organisations created"),
    "relationships_created": gettext_lazy("relationships created"),
    "promises_proposed": gettext_lazy("promises proposed"), "paid": gettext_lazy("invoices marked paid"),
    "credit_notes": gettext_lazy("credit notes"),
}


def count_rows(counts: dict) -> list[tuple[str, int]]:
    rows = []
    for key, value in counts.items():
        if key.startswith("encoding:"):
            rows.append((_("encoding"), key.split(":", 1)[1]))
        else:
            rows.append((COUNT_LABELS.get(key, key), value))
    return rows


class ImportMixin(WorkspaceMixin):
    required_capability = Capability.EDIT_CONTACTS

    def get_run(self, pk: int) -> ImportRun:
        return get_object_or_404(self.scoped(ImportRun), pk=pk)


def _start(run: ImportRun) -> None:
    run_import.enqueue(run.pk)


class UploadView(ImportMixin, View):
    template_name = "imports/upload.html"

    def get(self, request):
        recent = self.scoped(ImportRun).order_by("-id")[:10]
        return render(request, self.template_name, {"form": UploadForm(), "recent": recent})

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "recent": []}, status=400)
        upload = form.cleaned_data["file"]
        run = services.create_run(self.workspace, actor=request.user, kind=form.cleaned_data["kind"],
                                  file_name=upload.name, source=upload, dry_run=True)
        if run.kind in CSV_KINDS:
            return redirect("imports:map", pk=run.pk)
        _start(run)
        return redirect("imports:run", pk=run.pk)


class MapView(ImportMixin, View):
    template_name = "imports/map.html"

    def context(self, run, form=None, detected=None):
        detected = detected or services.detect(run)
        form = form or MappingForm(kind=run.kind, header=detected["header"], mapping=detected["mapping"],
                                   initial={"on_duplicate": run.on_duplicate})
        saved = self.scoped(ColumnPreset).filter(kind=run.kind).order_by("name")
        return {"run": run, "detected": detected, "form": form, "presets": PRESETS.values(),
                "saved_presets": saved}

    def get(self, request, pk):
        run = self.get_run(pk)
        if request.GET.get("preset"):
            run.preset, run.mapping = request.GET["preset"], {}
            run.save(update_fields=["preset", "mapping"])
        try:
            return render(request, self.template_name, self.context(run))
        except TrustfunnelError as exc:
            messages.error(request, error_text(exc))
            return redirect("imports:upload")

    def post(self, request, pk):
        run = self.get_run(pk)
        if run.status != ImportStatus.PENDING:
            raise Http404
        detected = services.detect(run)
        form = MappingForm(request.POST, kind=run.kind, header=detected["header"], mapping={})
        if not form.is_valid():
            return render(request, self.template_name, self.context(run, form, detected), status=400)
        run.mapping = form.mapping()
        run.on_duplicate = form.cleaned_data["on_duplicate"]
        run.save(update_fields=["mapping", "on_duplicate"])
        if form.cleaned_data["save_as"]:
            services.save_preset(self.workspace, actor=request.user, kind=run.kind,
                                 name=form.cleaned_data["save_as"], mapping=run.mapping)
        _start(run)
        return redirect("imports:run", pk=run.pk)


class RunView(ImportMixin, View):
    template_name = "imports/run.html"

    def get(self, request, pk):
        run = self.get_run(pk)
        done, total = services.read_progress(run)
        template = "imports/_progress.html" if request.htmx else self.template_name
        return render(request, template, {"run": run, "done": done, "total": total,
                                          "counts": count_rows(run.counts),
                                          "percent": run.percent if not total else min(100, round(100 * done / total))})


class ConfirmView(ImportMixin, View):
    """Import for real what a dry run previewed: a new run on the same file."""

    def post(self, request, pk):
        preview = self.get_run(pk)
        if not preview.dry_run or preview.status != ImportStatus.DONE:
            raise Http404
        if not preview.source_path or not Path(preview.source_path).exists():
            messages.error(request, _("The uploaded file has been cleaned up; please upload it again."))
            return redirect("imports:upload")
        run = ImportRun.objects.create(
            workspace=self.workspace, kind=preview.kind, file_name=preview.file_name,
            source_path=preview.source_path, sha256=preview.sha256, dry_run=False,
            mapping=preview.mapping, preset=preview.preset, on_duplicate=preview.on_duplicate,
            atomic=preview.atomic, created_by=request.user,
        )
        _start(run)
        messages.info(request, _("The import has started."))
        return redirect("imports:run", pk=run.pk)


#: Open proposals shown on a relationship page (the newest due first).
PANEL_LIMIT = 20


def promise_panel_context(request, relationship, membership) -> dict:
    proposals = (PromiseProposal.objects.for_workspace(membership.workspace)
                 .filter(relationship=relationship,
                         status__in=[PromiseStatus.PROPOSED, PromiseStatus.CONFIRMED])
                 .order_by("due_date", "id")[:PANEL_LIMIT])
    return {"promise_proposals": proposals,
            "can_decide": membership.can(Capability.LOG_TIMELINE)}


class PromiseDecideView(WorkspaceMixin, View):
    """Confirm/reject a proposed promise, or mark a confirmed one kept/missed."""

    required_capability = Capability.LOG_TIMELINE

    def post(self, request, pk):
        from django.db import transaction
        from django.utils.http import url_has_allowed_host_and_scheme

        proposal = get_object_or_404(self.scoped(PromiseProposal).select_related("relationship"), pk=pk)
        try:
            with transaction.atomic():
                services.do_decide_promise(proposal, actor=request.user,
                                           status=request.POST.get("status", ""))
        except TrustfunnelError as exc:
            messages.error(request, error_text(exc))
        if request.htmx:
            context = promise_panel_context(request, proposal.relationship, self.membership)
            return render(request, "imports/_promise_panel.html", context)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = "imports:upload"
        return redirect(target)
