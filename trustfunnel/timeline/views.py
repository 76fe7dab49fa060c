"""The relationship timeline on the page: merged entries, "show more", and the log forms.

The timeline merges interactions, signals and exchanges, newest first, ordered by
(occurred_at, type rank, id). A page is three bounded index range scans (one per table,
LIMIT page size + 1), merged in Python; "show more" continues from the last entry's key.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.generic import View

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.crm.models import Relationship
from trustfunnel.timeline import services
from trustfunnel.timeline.forms import ExchangeForm, InteractionForm, RetractForm, SignalForm
from trustfunnel.timeline.labels import SIGNAL_LABELS
from trustfunnel.timeline.models import Exchange, Interaction, Signal
from trustfunnel.web.errors import add_service_error
from trustfunnel.web.keyset import decode_cursor, encode_cursor
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.views import WorkspaceMixin

TIMELINE_PAGE_SIZE = 20
LOG_TABS = [("signal", _("Signal")), ("interaction", _("Interaction")), ("exchange", _("Exchange"))]

#: Tie-break between entries at the same instant (higher shows first).
RANKS = {"interaction": 0, "exchange": 1, "signal": 2}


@dataclass(frozen=True)
class Entry:
    type: str
    at: datetime
    obj: Any

    @property
    def key(self) -> tuple:
        return (self.at, RANKS[self.type], self.obj.pk)

    @property
    def label(self) -> str:
        if self.type == "signal":
            return SIGNAL_LABELS.get(self.obj.kind, self.obj.kind)
        return self.obj.get_kind_display()


def _querysets(relationship: Relationship) -> dict[str, Any]:
    ws = relationship.workspace_id
    return {
        "interaction": Interaction.objects.for_workspace(ws)
        .filter(relationship=relationship).select_related("created_by"),
        "signal": Signal.objects.for_workspace(ws)
        .filter(relationship=relationship).select_related("created_by", "retracted_by", "retracts"),
        "exchange": Exchange.objects.for_workspace(ws)
        .filter(relationship=relationship).select_related("created_by", "reciprocates"),
    }


def _older_than(type_: str, at: datetime, rank: int, pk: int) -> Q:
    """Rows of ``type_`` whose (occurred_at, rank, id) comes strictly before the cursor."""
    own = RANKS[type_]
    if own < rank:
        return Q(occurred_at__lte=at)
    if own > rank:
        return Q(occurred_at__lt=at)
    return Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk)


def timeline_page(relationship: Relationship, before: str | None = None,
                  size: int = TIMELINE_PAGE_SIZE) -> tuple[list[Entry], str | None]:
    """One page of the merged timeline and the cursor of the next (older) page."""
    cursor = decode_cursor(before, 3)
    at = parse_datetime(cursor[0]) if cursor and isinstance(cursor[0], str) else None
    streams = []
    for type_, qs in _querysets(relationship).items():
        if at is not None:
            qs = qs.filter(_older_than(type_, at, int(cursor[1]), int(cursor[2])))
        rows = qs.order_by("-occurred_at", "-id")[: size + 1]
        streams.append([Entry(type_, row.occurred_at, row) for row in rows])
    merged = list(heapq.merge(*streams, key=lambda e: e.key, reverse=True))
    entries = merged[:size]
    next_cursor = None
    if len(merged) > size:
        last = entries[-1]
        next_cursor = encode_cursor([last.at.isoformat(), RANKS[last.type], last.obj.pk])
    return entries, next_cursor


def timeline_context(relationship: Relationship, before: str | None = None) -> dict:
    entries, next_cursor = timeline_page(relationship, before)
    return {"timeline_entries": entries, "timeline_next": next_cursor}


def log_forms_context(relationship: Relationship, membership, **bound) -> dict:
    """Fresh log forms (or the bound ones given) when the member may log; else none."""
    if not membership.can(Capability.LOG_TIMELINE):
        return {"log_forms": None}
    forms = {
        "interaction": bound.get("interaction") or InteractionForm(relationship=relationship),
        "signal": bound.get("signal") or SignalForm(relationship=relationship),
        "exchange": bound.get("exchange") or ExchangeForm(relationship=relationship),
    }
    return {"log_forms": forms, "log_tabs": LOG_TABS, "active_log_form": next(iter(bound), "signal")}


class TimelineView(WorkspaceMixin, View):
    """GET: the next (older) page of entries, for the "show more" button."""

    def get(self, request, pk):
        rel = get_object_or_404(self.scoped(Relationship), pk=pk)
        ctx = {"relationship": rel, **timeline_context(rel, request.GET.get("before"))}
        return render(request, "timeline/entries.html", ctx)


class LogView(WorkspaceMixin, View):
    """POST one log form. htmx: the reset form plus the new entry (out of band);
    without JavaScript: a redirect back to the page, or the page with the errors."""

    required_capability = Capability.LOG_TIMELINE
    form_class = None
    kind = ""

    def post(self, request, pk):
        rel = get_object_or_404(
            self.scoped(Relationship).select_related("person", "organization"), pk=pk
        )
        form = self.form_class(request.POST, relationship=rel)
        entry = None
        if form.is_valid():
            try:
                with transaction.atomic(durable=True):
                    services.check_can_log(self.membership)
                    services.check_occurred_at(
                        form.cleaned_data["occurred_at"], now=timezone.now(),
                        params=params_for(self.workspace), field="occurred_at",
                    )
                    obj = self.write(rel, form.cleaned_data)
                entry = Entry(self.kind, obj.occurred_at, obj)
            except TrustfunnelError as error:
                add_service_error(form, error)
        if not request.htmx:
            return self.respond_without_js(request, rel, form, entry)
        if entry is None:
            return render(request, "timeline/log_form.html",
                          {"relationship": rel, "form": form, "log_kind": self.kind}, status=422)
        response = render(request, "timeline/log_success.html", {
            "relationship": rel, "entry": entry, "log_kind": self.kind,
            "form": self.form_class(relationship=rel),
        })
        response["HX-Trigger"] = "timelineChanged"
        return response

    def respond_without_js(self, request, rel, form, entry):
        if entry is not None:
            return HttpResponseRedirect(reverse("crm:relationship-detail", args=[rel.pk]))
        from trustfunnel.crm.views import RelationshipDetailView

        page = RelationshipDetailView(request=request, kwargs={"pk": rel.pk}, args=())
        page.membership, page.workspace = self.membership, self.workspace
        ctx = page.get_context_data(pk=rel.pk)
        ctx.update(log_forms_context(rel, self.membership, **{self.kind: form}))
        return render(request, "crm/relationship_detail.html", ctx, status=400)

    def write(self, rel, data):  # pragma: no cover - abstract
        raise NotImplementedError


class LogInteractionView(LogView):
    form_class = InteractionForm
    kind = "interaction"

    def write(self, rel, data):
        return services.do_log_interaction(
            rel, actor=self.request.user, kind=data["kind"], occurred_at=data["occurred_at"],
            direction=data["direction"], subject=data["subject"], notes=data["notes"],
            topics=data["topics"],
        )


class LogSignalView(LogView):
    form_class = SignalForm
    kind = "signal"

    def write(self, rel, data):
        services.check_signal(data["kind"], data["actor"], data["strength"])
        return services.do_record_signal(
            rel, actor=self.request.user, kind=data["kind"], actor_side=data["actor"],
            occurred_at=data["occurred_at"], strength=data["strength"], note=data["note"],
        )


class LogExchangeView(LogView):
    form_class = ExchangeForm
    kind = "exchange"

    def write(self, rel, data):
        services.check_exchange(data["value"], data["giver"], data["reciprocates"], rel)
        return services.do_record_exchange(
            rel, actor=self.request.user, giver=data["giver"], kind=data["kind"],
            value=data["value"], occurred_at=data["occurred_at"], solicited=data["solicited"],
            description=data["description"], reciprocates=data["reciprocates"],
        )


class RetractSignalView(WorkspaceMixin, View):
    """POST: withdraw a signal with a reason. The signal stays on the timeline, marked
    retracted; the retraction is a new entry (signals are never edited in place)."""

    required_capability = Capability.LOG_TIMELINE

    def post(self, request, pk, signal_pk):
        rel = get_object_or_404(self.scoped(Relationship), pk=pk)
        signals = _querysets(rel)["signal"]
        signal = get_object_or_404(signals, pk=signal_pk)
        form = RetractForm(request.POST, prefix=f"retract-{signal.pk}")
        retraction = None
        if form.is_valid():
            try:
                with transaction.atomic(durable=True):
                    services.check_can_log(self.membership)
                    retraction = services.do_retract_signal(
                        signal, actor=request.user, reason=form.cleaned_data["reason"]
                    )
            except TrustfunnelError as error:
                add_service_error(form, error)
        if not request.htmx:
            return HttpResponseRedirect(reverse("crm:relationship-detail", args=[rel.pk]))
        if retraction is None:
            ctx = {"relationship": rel, "entry": Entry("signal", signal.occurred_at, signal),
                   "retract_form": form}
            return render(request, "timeline/entry.html", ctx, status=422)
        signal = signals.get(pk=signal.pk)  # now with its retraction
        retraction = signals.get(pk=retraction.pk)
        response = render(request, "timeline/retract_success.html", {
            "relationship": rel,
            "entry": Entry("signal", signal.occurred_at, signal),
            "retraction": Entry("signal", retraction.occurred_at, retraction),
        })
        response["HX-Trigger"] = "timelineChanged"
        return response
