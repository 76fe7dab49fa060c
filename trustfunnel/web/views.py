"""The shell's own pages and the building blocks of every list and form page."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import messages
from django.db import transaction
from django.db.models import DateTimeField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpResponseRedirect
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.crm.models import OPEN_STAGES, Deal, Relationship
from trustfunnel.timeline.models import Exchange, Interaction, Signal
from trustfunnel.web.errors import add_service_error
from trustfunnel.web.keyset import paginate_keyset
from trustfunnel.workspaces.views import WorkspaceMixin

HOME_LIST_SIZE = 8
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _latest(model, field: str = "occurred_at"):
    return Subquery(
        model.objects.filter(relationship=OuterRef("pk")).order_by(f"-{field}").values(field)[:1],
        output_field=DateTimeField(),
    )


def render_widgets(request, membership) -> list[str]:
    """The start-page blocks apps registered (Today, personal tasks ...), rendered."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from trustfunnel.web.registry import dashboard_widgets

    return [
        mark_safe(render_to_string(w.template, w.get_context(request, membership), request=request))
        for w in dashboard_widgets
        if w.capability is None or membership.can(w.capability)
    ]


class HomeView(WorkspaceMixin, TemplateView):
    """Start page: my most recently active relationships and my open deals."""

    template_name = "web/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        epoch = Value(_EPOCH, output_field=DateTimeField())
        # Three indexed look-ups per owned relationship (relationship, occurred_at),
        # bounded by the LIMIT: no join of whole timelines.
        ctx["recent_relationships"] = list(
            self.scoped(Relationship)
            .filter(owner=user)
            .select_related("person", "organization")
            .annotate(
                last_activity=Greatest(
                    Coalesce(_latest(Interaction), epoch),
                    Coalesce(_latest(Signal), epoch),
                    Coalesce(_latest(Exchange), epoch),
                )
            )
            .order_by("-last_activity", "-id")[:HOME_LIST_SIZE]
        )
        ctx["epoch"] = _EPOCH
        ctx["widgets"] = render_widgets(self.request, self.membership)
        ctx["open_deals"] = list(
            self.scoped(Deal)
            .filter(owner=user, stage__in=OPEN_STAGES)
            .select_related("relationship__person", "relationship__organization")
            .order_by("expected_close", "-id")[:HOME_LIST_SIZE]
        )
        return ctx


class KeysetListView(WorkspaceMixin, TemplateView):
    """A list page: search ``q``, filters, keyset pages of ``page_size`` rows.

    Subclasses set ``model``, ``ordering`` (ending in a unique field) and implement
    ``filter_queryset``; the template gets ``page``, ``rows`` and ``filters``.
    """

    model = None
    ordering: list[str] = ["-id"]
    page_size = 50
    #: When set, the page is read with ``values(*row_columns)`` (dict rows, only the
    #: columns shown) and :meth:`render_rows` writes the table body in Python.
    row_columns: tuple[str, ...] = ()

    def base_queryset(self):
        return self.get_queryset()

    def filter_queryset(self, qs, params):
        return qs

    def render_rows(self, rows) -> str:  # pragma: no cover - set with row_columns
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET
        qs = self.filter_queryset(self.base_queryset(), params)
        if self.row_columns:
            qs = qs.values(*self.row_columns)
        page = paginate_keyset(
            qs, self.ordering, after=params.get("after"), before=params.get("before"),
            page_size=self.page_size,
        )
        ctx.update(page=page, rows=page.rows, filters=params,
                   filtered=any(params.get(k) for k in params if k not in ("after", "before")))
        if self.row_columns:
            ctx["rows_html"] = mark_safe(self.render_rows(page.rows))  # noqa: S308 - escaped rows
        return ctx


class ServiceFormView(WorkspaceMixin, TemplateView):
    """GET shows the form; POST validates it, then calls :meth:`save` inside one transaction.

    ``required_capability`` guards both (403 for a role without it); a service error
    lands on the field it names.
    """

    form_class = None
    instance = None

    def get_form_kwargs(self) -> dict:
        return {"workspace": self.workspace, "membership": self.membership, "instance": self.instance}

    def get_initial(self) -> dict:
        return {}

    def get_form(self):
        kwargs = self.get_form_kwargs()
        if self.request.method == "POST":
            return self.form_class(self.request.POST, **kwargs)
        return self.form_class(initial=self.get_initial(), **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                with transaction.atomic(durable=True):
                    obj = self.save(form)
            except TrustfunnelError as error:
                add_service_error(form, error)
            else:
                if text := self.success_message(obj):
                    messages.success(request, text)
                return HttpResponseRedirect(self.success_url(obj))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def save(self, form):  # pragma: no cover - abstract
        raise NotImplementedError

    def success_message(self, obj) -> str:
        return ""

    def success_url(self, obj) -> str:  # pragma: no cover - abstract
        raise NotImplementedError
