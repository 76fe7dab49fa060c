"""CRM pages: lists, detail pages and forms for organisations, people, relationships, deals.

Lists are keyset-paginated (trustfunnel.web.keyset) with a fixed number of queries per
page; every queryset comes from ``self.scoped`` (WorkspaceMixin); every write goes
through trustfunnel.crm.services inside one transaction (ServiceFormView).
"""

from __future__ import annotations

import copy

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_countries import countries

from trustfunnel.core.errors import PermissionDenied as CorePermissionDenied
from trustfunnel.crm import services
from trustfunnel.crm.forms import DealForm, OrganizationForm, PersonForm, RelationshipForm
from trustfunnel.crm.models import (
    OPEN_STAGES,
    Deal,
    DealStage,
    DecisionAuthority,
    Organization,
    OrganizationSize,
    Person,
    Relationship,
    RelationshipKind,
)
from trustfunnel.crm.search import search_people
from trustfunnel.web import registry
from trustfunnel.web.fastrows import e, rendered_choices, url_pattern
from trustfunnel.web.keyset import sort_matches_apart
from trustfunnel.web.views import KeysetListView, ServiceFormView
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.views import WorkspaceMixin

User = get_user_model()
DETAIL_LIST_SIZE = 50


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MembersMixin:
    def members(self):
        return list(
            User.objects.filter(memberships__workspace=self.workspace).order_by(
                "first_name", "last_name", "username"
            )
        )


# ---------------------------------------------------------------- lists


def _countries():
    return rendered_choices("countries", lambda: list(countries))


class OrganizationListView(KeysetListView):
    model = Organization
    ordering = ["name", "id"]
    template_name = "crm/organization_list.html"
    row_columns = ("id", "name", "country", "sector", "size", "vat_number")

    def filter_queryset(self, qs, params):
        if q := params.get("q", "").strip():
            qs = qs.filter(Q(name__icontains=q) | Q(vat_number__icontains=q) | Q(sector__icontains=q))
        if country := params.get("country"):
            qs = qs.filter(country=country)
        if size := params.get("size"):
            qs = qs.filter(size=size)
        return qs

    def render_rows(self, rows) -> str:
        detail = url_pattern("crm:organization-detail")
        country_names = dict(_countries())
        sizes = {value: str(label) for value, label in OrganizationSize.choices}
        return "".join(
            f'<tr><td><a href="{detail.format(r["id"])}">{e(r["name"])}</a></td>'
            f'<td>{e(country_names.get(r["country"], ""))}</td>'
            f'<td class="tf-hide-sm">{e(r["sector"])}</td>'
            f'<td class="tf-hide-sm">{e(sizes.get(r["size"], r["size"]))}</td>'
            f'<td class="tf-hide-sm">{e(r["vat_number"])}</td></tr>'
            for r in rows
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["countries"] = _countries()
        ctx["sizes"] = Organization._meta.get_field("size").choices
        return ctx


class PersonListView(KeysetListView):
    model = Person
    ordering = ["last_name", "first_name", "id"]
    template_name = "crm/person_list.html"
    row_columns = ("id", "last_name", "first_name", "organization_id", "organization__name",
                   "job_title", "decision_authority", "country", "email")

    def filter_queryset(self, qs, params):
        if q := params.get("q", "").strip():
            # Names and e-mail as one text: one trigram index on PostgreSQL (crm 0005).
            qs = sort_matches_apart(search_people(qs, [q]), [q])
        if country := params.get("country"):
            qs = qs.filter(country=country)
        if (org := _int(params.get("organization"))) is not None:
            qs = qs.filter(organization_id=org)
        if authority := params.get("authority"):
            qs = qs.filter(decision_authority=authority)
        return qs

    def render_rows(self, rows) -> str:
        person = url_pattern("crm:person-detail")
        organization = url_pattern("crm:organization-detail")
        authorities = {value: str(label) for value, label in DecisionAuthority.choices}
        out = []
        for r in rows:
            name = e(r["last_name"]) + (f", {e(r['first_name'])}" if r["first_name"] else "")
            org = (f'<a href="{organization.format(r["organization_id"])}">'
                   f'{e(r["organization__name"])}</a>' if r["organization_id"] else "")
            email = e(r["email"])
            mail = f'<a href="mailto:{email}">{email}</a>' if email else ""
            out.append(
                f'<tr><td><a href="{person.format(r["id"])}">{name}</a></td><td>{org}</td>'
                f'<td class="tf-hide-sm">{e(r["job_title"])}</td>'
                f'<td class="tf-hide-sm">'
                f'{e(authorities.get(r["decision_authority"], r["decision_authority"]))}</td>'
                f'<td class="tf-hide-sm">{e(r["country"])}</td>'
                f'<td class="tf-hide-sm">{mail}</td></tr>'
            )
        return "".join(out)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["countries"] = _countries()
        ctx["authorities"] = rendered_choices("authorities", lambda: DecisionAuthority.choices)
        if (org := _int(self.request.GET.get("organization"))) is not None:
            ctx["organization_filter"] = self.scoped(Organization).filter(pk=org).first()
        return ctx


class RelationshipListView(MembersMixin, KeysetListView):
    model = Relationship
    ordering = ["-id"]
    template_name = "crm/relationship_list.html"

    def base_queryset(self):
        return self.get_queryset().select_related("person", "organization", "owner")

    def filter_queryset(self, qs, params):
        if q := params.get("q", "").strip():
            qs = qs.filter(
                Q(person__last_name__icontains=q)
                | Q(person__first_name__icontains=q)
                | Q(organization__name__icontains=q)
            )
        if kind := params.get("kind"):
            qs = qs.filter(kind=kind)
        if params.get("owner") == "me":
            qs = qs.filter(owner=self.request.user)
        elif (owner := _int(params.get("owner"))) is not None:
            qs = qs.filter(owner_id=owner)
        if country := params.get("country"):
            qs = qs.filter(Q(organization__country=country) | Q(person__country=country))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(countries=_countries(), kinds=RelationshipKind.choices, owners=self.members())
        return ctx


class DealListView(MembersMixin, KeysetListView):
    model = Deal
    ordering = ["-id"]
    template_name = "crm/deal_list.html"

    def base_queryset(self):
        return self.get_queryset().select_related(
            "relationship__person", "relationship__organization", "owner"
        )

    def filter_queryset(self, qs, params):
        if q := params.get("q", "").strip():
            qs = qs.filter(
                Q(title__icontains=q) | Q(relationship__organization__name__icontains=q)
                | Q(relationship__person__last_name__icontains=q)
            )
        stage = params.get("stage")
        if stage == "open":
            qs = qs.filter(stage__in=OPEN_STAGES)
        elif stage:
            qs = qs.filter(stage=stage)
        if params.get("owner") == "me":
            qs = qs.filter(owner=self.request.user)
        elif (owner := _int(params.get("owner"))) is not None:
            qs = qs.filter(owner_id=owner)
        if (rel := _int(params.get("relationship"))) is not None:
            qs = qs.filter(relationship_id=rel)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(stages=DealStage.choices, owners=self.members())
        return ctx


# ---------------------------------------------------------------- detail pages


class OrganizationDetailView(WorkspaceMixin, TemplateView):
    template_name = "crm/organization_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        org = get_object_or_404(self.scoped(Organization), pk=kwargs["pk"])
        people = list(
            self.scoped(Person).filter(organization=org)
            .order_by("last_name", "first_name", "id")[: DETAIL_LIST_SIZE + 1]
        )
        relationships = list(
            self.scoped(Relationship)
            .filter(Q(organization=org) | Q(person__organization=org))
            .select_related("person", "owner")
            .order_by("-id")[: DETAIL_LIST_SIZE + 1]
        )
        ctx.update(
            organization=org,
            people=people[:DETAIL_LIST_SIZE], more_people=len(people) > DETAIL_LIST_SIZE,
            relationships=relationships[:DETAIL_LIST_SIZE],
            more_relationships=len(relationships) > DETAIL_LIST_SIZE,
        )
        return ctx


class PersonDetailView(WorkspaceMixin, TemplateView):
    template_name = "crm/person_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        person = get_object_or_404(
            self.scoped(Person).select_related("organization"), pk=kwargs["pk"]
        )
        from trustfunnel.privacy.services import log_person_view

        log_person_view(self.request, person)  # GDPR: who looked at whose data
        ctx.update(
            person=person,
            relationships=list(
                self.scoped(Relationship).filter(person=person)
                .select_related("organization", "owner").order_by("-id")[:DETAIL_LIST_SIZE]
            ),
        )
        return ctx


class RelationshipDetailView(WorkspaceMixin, TemplateView):
    """The relationship page: header, registered panels, timeline and the log forms."""

    template_name = "crm/relationship_detail.html"

    def get_context_data(self, **kwargs):
        from trustfunnel.timeline.views import log_forms_context, timeline_context

        ctx = super().get_context_data(**kwargs)
        rel = get_object_or_404(
            self.scoped(Relationship).select_related("person__organization", "organization", "owner"),
            pk=kwargs["pk"],
        )
        caps = {c.value for c in Capability if self.membership.can(c)}
        panels = [
            (panel, panel.get_context(self.request, rel, self.membership))
            for panel in registry.relationship_panels
            if not panel.capability or panel.capability in caps
        ]
        ctx.update(
            relationship=rel,
            panels=panels,
            deals=list(self.scoped(Deal).filter(relationship=rel).order_by("-id")[:10]),
            can_see_private_notes=_can_edit_private_notes(self.membership, rel),
            **timeline_context(rel),
            **log_forms_context(rel, self.membership),
        )
        return ctx


def _can_edit_private_notes(membership, relationship) -> bool:
    try:
        services.check_can_edit_private_notes(membership, relationship)
    except CorePermissionDenied:
        return False
    return True


# ---------------------------------------------------------------- forms


class ObjectFormView(ServiceFormView):
    """Create (no ``pk``) or edit (``pk``) one scoped ``model`` row."""

    model = None
    template_name = "crm/form.html"
    cancel_url_name = ""

    def setup_instance(self):
        pk = self.kwargs.get("pk")
        # The form edits a copy: the service compares against the stored row (stage history).
        self.original = get_object_or_404(self.scoped(self.model), pk=pk) if pk else None
        self.instance = copy.copy(self.original) if self.original else None

    def get(self, request, *args, **kwargs):
        self.setup_instance()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.setup_instance()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(object=self.original, verbose_name=self.model._meta.verbose_name,
                   cancel_url=self.cancel_url())
        return ctx

    def cancel_url(self) -> str:
        return reverse(self.cancel_url_name)


class OrganizationFormView(ObjectFormView):
    model = Organization
    form_class = OrganizationForm
    required_capability = Capability.EDIT_CONTACTS
    cancel_url_name = "crm:organization-list"

    def save(self, form):
        return services.do_save_organization(
            self.workspace, actor=self.request.user, fields=form.service_fields(),
            instance=self.original,
        )

    def success_message(self, obj):
        return _("Organisation “%(name)s” saved.") % {"name": obj.name}

    def success_url(self, obj):
        return reverse("crm:organization-detail", args=[obj.pk])


class PersonFormView(ObjectFormView):
    model = Person
    form_class = PersonForm
    required_capability = Capability.EDIT_CONTACTS
    cancel_url_name = "crm:person-list"

    def get_initial(self):
        return {"organization": _int(self.request.GET.get("organization")),
                "country": self.workspace.home_country}

    def save(self, form):
        return services.do_save_person(
            self.workspace, actor=self.request.user, fields=form.service_fields(),
            instance=self.original,
        )

    def success_message(self, obj):
        return _("%(name)s saved.") % {"name": obj.full_name}

    def success_url(self, obj):
        return reverse("crm:person-detail", args=[obj.pk])


class RelationshipFormView(ObjectFormView):
    model = Relationship
    form_class = RelationshipForm
    required_capability = Capability.EDIT_RELATIONSHIPS
    cancel_url_name = "crm:relationship-list"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["can_edit_private_notes"] = self.original is None or _can_edit_private_notes(
            self.membership, self.original
        )
        return kwargs

    def get_initial(self):
        return {
            "person": _int(self.request.GET.get("person")),
            "organization": _int(self.request.GET.get("organization")),
            "owner": self.request.user.pk,
        }

    def save(self, form):
        fields = form.service_fields()
        services.check_relationship_fields(self.workspace, fields)
        return services.do_save_relationship(
            self.workspace, actor=self.request.user, fields=fields, instance=self.original
        )

    def success_message(self, obj):
        return _("Relationship with %(name)s saved.") % {"name": obj.display_name}

    def success_url(self, obj):
        return reverse("crm:relationship-detail", args=[obj.pk])


class DealFormView(ObjectFormView):
    model = Deal
    form_class = DealForm
    required_capability = Capability.EDIT_RELATIONSHIPS
    cancel_url_name = "crm:deal-list"

    def get_initial(self):
        return {
            "relationship": _int(self.request.GET.get("relationship")),
            "owner": self.request.user.pk,
            "currency": self.workspace.currency,
        }

    def save(self, form):
        fields = form.service_fields()
        services.check_deal_fields(self.workspace, fields)
        return services.do_save_deal(
            self.workspace, actor=self.request.user, fields=fields, instance=self.original
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["terms_advice"] = self._terms_advice()
        ctx["pace"] = self._pace()
        return ctx

    def _relationship(self):
        rel_id = getattr(self.original, "relationship_id", None) or _int(
            self.request.GET.get("relationship"))
        return self.scoped(Relationship).filter(pk=rel_id).first() if rel_id else None

    def _pace(self) -> str:
        """The counterpart's expected pace, next contact and warnings (the pace panel)."""
        relationship = self._relationship()
        if relationship is None:
            return ""
        from django.template.loader import render_to_string

        from trustfunnel.culture.panels import pace_panel_context

        context = pace_panel_context(self.request, relationship, self.membership)
        return render_to_string("culture/panel_pace.html", {**context, "relationship": relationship},
                                request=self.request)

    def _terms_advice(self) -> str:
        """The payment-terms advice for the client, shown wherever an offer is made (to
        the roles that may see a client's reliability record)."""
        if not self.membership.can(Capability.SEE_RELIABILITY):
            return ""
        relationship = self._relationship()
        if relationship is None:
            return ""
        from django.template.loader import render_to_string
        from django.utils import timezone

        from trustfunnel.events.record import terms_advice
        from trustfunnel.events.views import advice_context
        from trustfunnel.workspaces.params import params_for

        advice = terms_advice(relationship, now=timezone.now(), params=params_for(self.workspace))
        return render_to_string("events/_terms_advice.html", advice_context(advice),
                                request=self.request)

    def success_message(self, obj):
        return _("Deal “%(title)s” saved.") % {"title": obj.title}

    def success_url(self, obj):
        return reverse("crm:relationship-detail", args=[obj.relationship_id])
