"""Today (the start page), the meeting sheet, and the pipeline board."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.core.planner import Phase
from trustfunnel.crm import services as crm_services
from trustfunnel.crm.models import OPEN_STAGES, Deal, DealStage, Relationship
from trustfunnel.timeline.models import Interaction
from trustfunnel.today import planning, services
from trustfunnel.today.pipeline import board
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.views import WorkspaceMixin


def render_item(item) -> dict:
    c = item.candidate
    return {
        "key": c.key, "kind": c.kind,
        "title": _(c.title).format(**c.data),
        "reason": _(c.reason) if c.reason else "",
        "priority": item.priority,
        "factors": [{"name": f.name, "value": f.value, "why": _(f.template).format(**f.data)}
                    for f in item.factors],
        "relationship_id": c.relationship_id, "action": c.action,
    }


class TodayView(WorkspaceMixin, TemplateView):
    template_name = "today/today.html"

    def get_context_data(self, **kwargs):
        today = services.build_today(self.workspace, self.request.user)
        return {**super().get_context_data(**kwargs),
                "items": [render_item(i) for i in today.items]}


class AnswerItemView(WorkspaceMixin, View):
    def post(self, request):
        try:
            with transaction.atomic():
                services.do_answer_item(
                    self.workspace, request.user, key=request.POST.get("key", ""),
                    kind=request.POST.get("kind", ""), status=request.POST.get("status", ""),
                    reason=request.POST.get("reason", ""), snooze=request.POST.get("snooze", ""),
                )
        except TrustfunnelError as exc:
            return HttpResponse(exc.message, status=400)
        if request.htmx:
            return HttpResponse("")
        return redirect("today:today")


class MeetingSheetView(WorkspaceMixin, TemplateView):
    """The relationship on one page, to print before a meeting."""

    template_name = "today/meeting_sheet.html"

    def get_context_data(self, **kwargs):
        relationship = get_object_or_404(
            self.scoped(Relationship).select_related("person", "organization", "owner"),
            pk=self.kwargs["pk"],
        )
        now = timezone.now()
        deal = planning.current_deal(relationship)
        ready = planning.readiness_for(relationship, now=now, deal=deal)
        given_us, given_them = planning.ledger_balance(relationship)
        return {
            **super().get_context_data(**kwargs),
            "relationship": relationship, "deal": deal, "readiness": ready,
            "phase2": ready.phase is Phase.READY,
            "points": planning.points_for(relationship, ready.phase, deal),
            "interactions": Interaction.objects.filter(relationship=relationship)
            .order_by("-occurred_at")[:6],
            "promises": planning.open_promises_ours(relationship, now),
            "given_us": given_us, "given_them": given_them,
            **self._trust(relationship, now),
        }


    @staticmethod
    def _trust(relationship, now) -> dict:
        theirs, ours = planning.trust_views(relationship, now)
        labels = [str(_("Reliability")), str(_("Transparency")), str(_("Competence")),
                  str(_("Care"))]
        radar = {
            "labels": labels,
            "theirs": [round(100 * e) for e, _u in theirs.components],
            "ours": [round(100 * e) for e, _u in ours.components],
            "theirs_label": str(_("Their trust in us")), "ours_label": str(_("Our trust in them")),
            "title": str(_("Trust per component (%)")),
        }
        return {"theirs": theirs, "ours": ours, "radar": radar}


class PipelineView(WorkspaceMixin, TemplateView):
    template_name = "today/pipeline.html"

    def get_context_data(self, **kwargs):
        mine = self.request.GET.get("mine") == "1"
        result = board(self.workspace, now=timezone.now(),
                       owner=self.request.user if mine else None)
        return {**super().get_context_data(**kwargs), "board": result, "mine": mine,
                "stages": [(s, DealStage(s).label) for s in OPEN_STAGES] + [
                    (DealStage.WON, DealStage.WON.label), (DealStage.LOST, DealStage.LOST.label)],
                "can_move": self.membership.can(Capability.EDIT_RELATIONSHIPS)}


class MoveDealView(WorkspaceMixin, View):
    """Drag a card (or pick a stage with the keyboard): one stage change."""

    def post(self, request, pk):
        if not self.membership.can(Capability.EDIT_RELATIONSHIPS):
            raise PermissionDenied(_("Your role cannot move deals."))
        deal = get_object_or_404(self.scoped(Deal), pk=pk)
        stage = request.POST.get("stage", "")
        if stage not in DealStage.values:
            return HttpResponse(_("Unknown stage."), status=400)
        with transaction.atomic():
            crm_services.do_save_deal(self.workspace, actor=request.user,
                                      fields={"stage": stage}, instance=deal)
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        messages.success(request, _("Deal moved."))
        return redirect("today:pipeline")


def planner_panel_context(request, relationship, membership) -> dict:
    now = timezone.now()
    deal = planning.current_deal(relationship)
    ready = planning.readiness_for(relationship, now=now, deal=deal)
    given_us, given_them = planning.ledger_balance(relationship)
    out_of_balance = given_them > 0 and given_us / given_them > 2 or (given_us > 1000 and not given_them)
    return {
        "readiness": ready, "phase2": ready.phase is Phase.READY,
        "points": planning.points_for(relationship, ready.phase, deal),
        "dilemma": planning.dilemma_for(relationship) if out_of_balance else None,
    }


__all__ = ["render", "TodayView"]
