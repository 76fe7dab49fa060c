"""Export pages: list CSVs, vCards, the calendar feed and (owners, admins) the backup."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from trustfunnel.crm.models import Person
from trustfunnel.exports import services
from trustfunnel.exports.backup import write_backup
from trustfunnel.exports.lists import (
    COMMA,
    SEMICOLON,
    export_header,
    export_rows,
    list_exports,
    stream_csv,
)
from trustfunnel.exports.vcard import VCARD_FIELDS, person_card, stream_vcards
from trustfunnel.privacy.models import ViewVia
from trustfunnel.privacy.services import log_person_view
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.views import WorkspaceMixin


def dialect_from(params) -> object:
    return SEMICOLON if params.get("delimiter") in ("semicolon", ";") else COMMA


def filtered(export, params, workspace):
    """The export's FilterSet over the workspace's rows; ``None`` plus errors if invalid."""
    filterset = export.filterset_class(
        data=params, queryset=export.model.objects.for_workspace(workspace)
    )
    if not filterset.is_valid():
        return None, filterset.errors
    return filterset.qs, None


def filter_error_text(errors) -> str:
    field, problems = next(iter(errors.items()))
    return f"{field}: {' '.join(problems)}"


def csv_response(export, queryset, dialect, workspace) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        stream_csv(export_header(export), export_rows(export, queryset), dialect),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{workspace.slug}-{export.key}-{stamp}.csv"'
    return response


def record_export(membership, kind: str, params) -> None:
    audit.record(
        membership.workspace, f"exports.{kind}", None, actor=membership.user,
        data={"filters": {k: params.getlist(k) for k in params if k != "delimiter"}},
    )


class ExportsIndexView(WorkspaceMixin, TemplateView):
    template_name = "exports/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        token = self.request.session.pop("exports_new_feed_token", None)
        context.update(
            lists=list(list_exports.values()),
            feed=services.active_feed_token(self.membership),
            feed_url=self.request.build_absolute_uri(
                reverse("exports:calendar-feed", args=[token])
            ) if token else None,
            can_backup=self.membership.can(Capability.MANAGE_WORKSPACE),
        )
        return context


class ListCsvView(WorkspaceMixin, View):
    def get(self, request, key: str):
        export = list_exports.get(key)
        if export is None:
            raise Http404
        queryset, errors = filtered(export, request.GET, self.workspace)
        if errors:
            return HttpResponseBadRequest(filter_error_text(errors), content_type="text/plain")
        record_export(self.membership, f"{key}.csv", request.GET)
        return csv_response(export, queryset, dialect_from(request.GET), self.workspace)


class PeopleVcfView(WorkspaceMixin, View):
    def get(self, request):
        queryset, errors = filtered(list_exports["people"], request.GET, self.workspace)
        if errors:
            return HttpResponseBadRequest(filter_error_text(errors), content_type="text/plain")
        record_export(self.membership, "people.vcf", request.GET)
        rows = queryset.order_by("last_name", "first_name", "id").values(*VCARD_FIELDS).iterator(chunk_size=2000)
        response = StreamingHttpResponse(
            stream_vcards(rows, workspace_slug=self.workspace.slug), content_type="text/vcard; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.workspace.slug}-people.vcf"'
        return response


class PersonVcfView(WorkspaceMixin, View):
    def get(self, request, pk: int):
        person = get_object_or_404(self.scoped(Person), pk=pk)
        row = self.scoped(Person).filter(pk=person.pk).values(*VCARD_FIELDS).get()
        log_person_view(self.membership, person, via=ViewVia.EXPORT)
        response = HttpResponse(
            person_card(row, workspace_slug=self.workspace.slug), content_type="text/vcard; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.vcf"'
        return response


def calendar_feed(request, token: str):
    """No login: calendar apps cannot. The secret in the URL is the credential."""
    membership = services.membership_for_feed_token(token)
    if membership is None:
        raise Http404
    now = timezone.now()
    body = services.build_feed(membership, today=timezone.localdate(), now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@method_decorator(require_POST, name="dispatch")
class IssueFeedTokenView(WorkspaceMixin, View):
    def post(self, request):
        request.session["exports_new_feed_token"] = services.do_issue_feed_token(
            self.membership, actor=request.user
        )
        messages.success(request, _("A new calendar feed address was made; the old one no longer works."))
        return redirect("exports:index")


@method_decorator(require_POST, name="dispatch")
class RevokeFeedTokenView(WorkspaceMixin, View):
    def post(self, request):
        services.do_revoke_feed_tokens(self.membership, actor=request.user)
        messages.success(request, _("Your calendar feed address no longer works."))
        return redirect("exports:index")


@method_decorator(require_POST, name="dispatch")
class BackupDownloadView(WorkspaceMixin, View):
    """Owners and admins: the workspace's backup, written to a temporary file first."""

    required_capability = Capability.MANAGE_WORKSPACE

    def post(self, request):
        handle = tempfile.NamedTemporaryFile(suffix=".jsonl.gz", delete=False)  # noqa: SIM115
        handle.close()
        path = Path(handle.name)
        try:
            write_backup(path, workspace_slug=self.workspace.slug)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        audit.record(self.workspace, "exports.backup.downloaded", None, actor=request.user)
        stream = path.open("rb")
        path.unlink()  # the open handle keeps the data until the response is sent
        stamp = timezone.localdate().isoformat()
        return FileResponse(stream, as_attachment=True,
                            filename=f"{self.workspace.slug}-backup-{stamp}.jsonl.gz")
