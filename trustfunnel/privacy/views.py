"""Privacy pages: a person's privacy page, the subject access report, erasure, retention."""

from __future__ import annotations

import json

from django.apps import apps
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.crm.models import Person
from trustfunnel.privacy import services
from trustfunnel.privacy.forms import ConsentForm, EraseForm, RetentionForm
from trustfunnel.privacy.models import ConsentEvent, DataKind, ErasureRecord, ViewVia
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.views import WorkspaceMixin

#: Readable titles of the report's sections (the JSON keeps the stable keys).
SECTION_TITLES = {
    "person": gettext_lazy("Contact details"),
    "consent_history": gettext_lazy("Lawful basis and consent history"),
    "relationships": gettext_lazy("Relationships"),
    "interactions": gettext_lazy("Meetings, calls and messages"),
    "signals": gettext_lazy("Recorded signals of trust"),
    "exchanges": gettext_lazy("Favours, gifts and other exchanges"),
    "deals": gettext_lazy("Deals"),
    "deal_stage_changes": gettext_lazy("Deal stage history"),
    "audit_entries": gettext_lazy("Changes made to this data"),
    "view_log": gettext_lazy("Who viewed this data"),
    "evidence_log": gettext_lazy("Evidence log entries about this person"),
}
#: Internal columns that say nothing about the person.
HIDDEN_COLUMNS = {"workspace_id"}


def section_title(key: str) -> str:
    """The readable title of a report section: its own, else the plural name of the model
    whose label keys it (the sections found by following foreign keys)."""
    if key in SECTION_TITLES:
        return SECTION_TITLES[key]
    try:
        return capfirst(apps.get_model(key)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return key


def _columns(rows: list[dict]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return [c for c in seen if c not in HIDDEN_COLUMNS]


def error_text(exc: TrustfunnelError) -> str:
    """The error's message in the user's language (the template is the catalogue key)."""
    try:
        return _(exc.message_template).format(**exc.data)
    except (KeyError, IndexError):
        return exc.message


class PersonMixin(WorkspaceMixin):
    def get_person(self) -> Person:
        return get_object_or_404(self.scoped(Person).select_related("organization"), pk=self.kwargs["pk"])


class PersonPrivacyView(PersonMixin, TemplateView):
    """Lawful basis, consent history and (owners, admins) who saw or changed what."""

    template_name = "privacy/person.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.get_person()
        services.log_person_view(self.membership, person, via=ViewVia.PAGE)
        can_manage = self.membership.can(Capability.MANAGE_WORKSPACE)
        context.update(
            person=person,
            erasure=ErasureRecord.objects.filter(person=person).select_related("erased_by").first(),
            bases=sorted(services.current_bases(person).values(), key=lambda e: e.purpose),
            history=ConsentEvent.objects.filter(person=person).select_related("recorded_by")[:100],
            form=kwargs.get("form") or ConsentForm(),
            can_edit=self.membership.can(Capability.EDIT_CONTACTS),
            can_manage=can_manage,
            access_log=services.access_log(person) if can_manage else None,
        )
        return context


class RecordConsentView(PersonMixin, View):
    required_capability = Capability.EDIT_CONTACTS

    def post(self, request, pk: int):
        person = self.get_person()
        form = ConsentForm(request.POST)
        if not form.is_valid():
            view = PersonPrivacyView(request=request, kwargs=self.kwargs)
            view.membership, view.workspace = self.membership, self.workspace
            return view.render_to_response(view.get_context_data(form=form), status=400)
        data = form.cleaned_data
        try:
            with transaction.atomic(durable=True):
                services.check_consent_change(
                    self.membership, person, purpose=data["purpose"], action=data["action"],
                    basis=data["basis"],
                )
                services.do_record_consent(person, actor=request.user, **data)
        except TrustfunnelError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The consent history was updated."))
        return redirect("privacy:person", pk=person.pk)


class AccessReportView(PersonMixin, TemplateView):
    """Subject access: everything we hold on the person (owners and admins)."""

    template_name = "privacy/access_report.html"
    required_capability = Capability.MANAGE_WORKSPACE

    def get(self, request, *args, **kwargs):
        person = self.get_person()
        services.log_person_view(self.membership, person, via=ViewVia.ACCESS_REPORT)
        report = services.build_subject_access_report(person)
        if kwargs.get("as_json"):
            response = HttpResponse(
                json.dumps(report, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
                content_type="application/json; charset=utf-8",
            )
            stamp = timezone.localdate().isoformat()
            response["Content-Disposition"] = f'attachment; filename="access-report-{person.pk}-{stamp}.json"'
            return response
        sections = [
            (section_title(key), rows, _columns(rows))
            for key, rows in report["sections"].items()
        ]
        return self.render_to_response(
            self.get_context_data(person=person, report=report, sections=sections)
        )


class ErasePersonView(PersonMixin, TemplateView):
    template_name = "privacy/erase.html"
    required_capability = Capability.MANAGE_WORKSPACE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("person", self.get_person())
        context.setdefault("form", EraseForm())
        return context

    def post(self, request, pk: int):
        person = self.get_person()
        form = EraseForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(person=person, form=form), status=400)
        try:
            with transaction.atomic(durable=True):
                services.check_erasure(self.membership, person)
                services.do_erase_person(person, actor=request.user)
        except TrustfunnelError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The person's personal data was erased."))
        return redirect("privacy:person", pk=person.pk)


class RetentionView(WorkspaceMixin, TemplateView):
    template_name = "privacy/retention.html"
    required_capability = Capability.MANAGE_WORKSPACE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = services.retention_days(self.workspace)
        context["form"] = kwargs.get("form") or RetentionForm(current=current)
        context["kinds"] = DataKind.choices
        return context

    def post(self, request):
        current = services.retention_days(self.workspace)
        form = RetentionForm(request.POST, current=current)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        with transaction.atomic(durable=True):
            for kind, days in form.cleaned_data.items():
                if days != current.get(kind):
                    services.check_retention_rule(self.membership, kind, days)
                    services.do_set_retention_rule(self.workspace, actor=request.user, kind=kind, keep_days=days)
        messages.success(request, _("The retention rules were saved."))
        return redirect("privacy:retention")
