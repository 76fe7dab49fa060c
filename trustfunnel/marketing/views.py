"""Marketing pages: content, segments (live count), campaigns (gate review, send),
the insights board, personal tasks; and the public unsubscribe and click links.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.core.gate import Decision
from trustfunnel.marketing import services
from trustfunnel.marketing.forms import CampaignForm, ContentForm, InsightForm, SegmentForm
from trustfunnel.marketing.insights import board, rises
from trustfunnel.marketing.labels import DECISIONS, rule_labels
from trustfunnel.marketing.models import (
    Campaign,
    Content,
    ContentVersion,
    GateProfile,
    InsightKind,
    PersonalTask,
    Segment,
    TaskStatus,
)
from trustfunnel.marketing.segments import segment_people
from trustfunnel.timeline.services import do_record_signal
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.views import WorkspaceMixin

PAGE = 50


def _keyset(queryset, request, *, size=PAGE):
    """Newest first by id; ``?before=<id>`` continues. No COUNT, no OFFSET."""
    before = request.GET.get("before")
    if before and before.isdigit():
        queryset = queryset.filter(pk__lt=int(before))
    rows = list(queryset.order_by("-pk")[: size + 1])
    more = rows[size].pk if len(rows) > size else None
    return rows[:size], (rows[size - 1].pk if more else None)


class MarketingWriteMixin(WorkspaceMixin):
    def post(self, request, *args, **kwargs):
        if not self.membership.can(Capability.EDIT_MARKETING):
            raise DjangoPermissionDenied(_("Only marketing, admins and owners can do this."))
        return self.handle_post(request, *args, **kwargs)


class ContentListView(MarketingWriteMixin, TemplateView):
    template_name = "marketing/content_list.html"

    def get_context_data(self, **kwargs):
        rows, next_before = _keyset(self.scoped(Content).prefetch_related("versions"), self.request)
        initial = {"topics": self.request.GET.get("topic", "")}
        return {**super().get_context_data(**kwargs), "contents": rows, "next_before": next_before,
                "form": kwargs.get("form") or ContentForm(initial=initial)}

    def handle_post(self, request):
        form = ContentForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            services.check_content_fields(data["target_stages"])
        except TrustfunnelError as exc:
            form.add_error("target_stages", exc.message)
            return self.render_to_response(self.get_context_data(form=form))
        with transaction.atomic():
            content = Content.objects.create(
                workspace=self.workspace, kind=data["kind"], title=data["title"],
                topics=data["topics"], target_stages=data["target_stages"],
                audience_note=data["audience_note"], point=data["point"], url=data["url"],
                created_by=request.user,
            )
            ContentVersion.objects.create(workspace=self.workspace, content=content,
                                          language=data["language"], subject=data["subject"],
                                          body=data["body"])
            audit.record(self.workspace, "marketing.content.created", content, actor=request.user)
        messages.success(request, _("Content saved."))
        return redirect("marketing:content")


class SegmentListView(MarketingWriteMixin, TemplateView):
    template_name = "marketing/segment_list.html"

    def get_context_data(self, **kwargs):
        rows, next_before = _keyset(self.scoped(Segment), self.request)
        initial = {"topics": self.request.GET.get("topic", ""), "consent_only": True}
        return {**super().get_context_data(**kwargs), "segments": rows,
                "next_before": next_before,
                "form": kwargs.get("form") or SegmentForm(initial=initial)}

    def handle_post(self, request):
        form = SegmentForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        with transaction.atomic():
            services.do_save_segment(self.workspace, actor=request.user,
                                     name=form.cleaned_data["name"], filters=form.filters())
        messages.success(request, _("Segment saved."))
        return redirect("marketing:segments")


class SegmentCountView(WorkspaceMixin, View):
    """The live count of a segment being edited (htmx, on every change)."""

    def post(self, request):
        form = SegmentForm(request.POST)
        form.is_valid()  # the count uses whatever filters are valid so far
        form.cleaned_data.setdefault("name", "")
        try:
            n = segment_people(self.workspace, form.filters(), now=timezone.now()).count()
        except TrustfunnelError as exc:
            return HttpResponse(exc.message)
        return render(request, "marketing/_segment_count.html", {"count": n})


class CampaignListView(MarketingWriteMixin, TemplateView):
    template_name = "marketing/campaign_list.html"

    def get_context_data(self, **kwargs):
        rows, next_before = _keyset(
            self.scoped(Campaign).select_related("content", "segment"), self.request)
        form = kwargs.get("form") or CampaignForm(workspace=self.workspace)
        return {**super().get_context_data(**kwargs), "campaigns": rows,
                "next_before": next_before, "form": form}

    def handle_post(self, request):
        form = CampaignForm(request.POST, workspace=self.workspace)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        with transaction.atomic():
            campaign = Campaign.objects.create(workspace=self.workspace, created_by=request.user,
                                               **form.cleaned_data)
            audit.record(self.workspace, "marketing.campaign.created", campaign,
                         actor=request.user)
        return redirect("marketing:campaign", pk=campaign.pk)


class CampaignReviewView(WorkspaceMixin, TemplateView):
    """Marketing sees the split and its reasons; each sales owner sees their tasks."""

    template_name = "marketing/campaign_review.html"

    def get_context_data(self, **kwargs):
        campaign = get_object_or_404(
            self.scoped(Campaign).select_related("content", "segment"), pk=self.kwargs["pk"])
        # The campaign's few hundred distinct profiles, not its million decisions.
        by_rules = GateProfile.objects.filter(campaign=campaign).values(
            "decision", "rule_bits", n=F("recipients"))
        reasons: dict[int, Counter] = {d.value: Counter() for d in Decision}
        totals = Counter()
        for row in by_rules:
            totals[row["decision"]] += row["n"]
            for label in rule_labels(row["rule_bits"]):
                reasons[row["decision"]][str(label)] += row["n"]
        split = [
            {"decision": d, "label": DECISIONS[d], "count": totals[d.value],
             "reasons": reasons[d.value].most_common()}
            for d in Decision
        ]
        tasks = (PersonalTask.objects.filter(campaign=campaign, run__lte=campaign.gate_run)
                 .select_related("person", "owner"))
        if not self.membership.can(Capability.EDIT_MARKETING):
            tasks = tasks.filter(owner=self.request.user)
        return {**super().get_context_data(**kwargs), "campaign": campaign, "split": split,
                "tasks": services.with_last_personal(tasks.order_by("owner_id", "id")[:200]),
                "can_market": self.membership.can(Capability.EDIT_MARKETING)}


class CampaignActionView(MarketingWriteMixin, View):
    def handle_post(self, request, pk, action):
        campaign = get_object_or_404(self.scoped(Campaign), pk=pk)
        try:
            if action == "gate":
                with transaction.atomic():
                    counts = services.do_gate_campaign(campaign, actor=request.user)
                messages.success(request, _("Gate run: %(send)s send, %(personal)s personal, "
                                            "%(suppress)s suppressed.") % counts)
            elif action == "send":
                from trustfunnel.marketing.tasks import send_campaign

                send_campaign.enqueue(campaign.pk)
                messages.success(request, _("Campaign queued for sending. The gate runs again "
                                            "right before each send."))
            else:
                raise Http404
        except TrustfunnelError as exc:
            messages.error(request, exc.message)
        return redirect("marketing:campaign", pk=campaign.pk)


class InsightBoardView(WorkspaceMixin, TemplateView):
    template_name = "marketing/insights.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        current = now.replace(month=((now.month - 1) // 3) * 3 + 1, day=1, hour=0, minute=0,
                              second=0, microsecond=0)
        previous = (current - timedelta(days=1)).replace(
            month=((current - timedelta(days=1)).month - 1) // 3 * 3 + 1, day=1)
        kind = self.request.GET.get("kind", "")
        country = self.request.GET.get("country", "")
        rows = list(board(self.workspace, since=now - timedelta(days=730), kind=kind,
                          country=country)[:500])
        for row in rows:
            quarter = row["quarter"]
            row["quarter_label"] = f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"
        return {**super().get_context_data(**kwargs), "rows": rows[:100], "kind": kind,
                "kinds": InsightKind.choices,
                "country": country,
                "rises": rises(rows, current_quarter=current, previous_quarter=previous)[:10]}


class MyTasksView(WorkspaceMixin, TemplateView):
    template_name = "marketing/my_tasks.html"

    def get_context_data(self, **kwargs):
        tasks = services.with_last_personal(
            services.open_tasks_for(self.request.user, self.workspace)[:100])
        return {**super().get_context_data(**kwargs), "tasks": tasks}


class CloseTaskView(WorkspaceMixin, View):
    def post(self, request, pk):
        task = get_object_or_404(self.scoped(PersonalTask).visible(self.workspace), pk=pk, owner=request.user)
        status = request.POST.get("status", TaskStatus.DONE)
        try:
            with transaction.atomic():
                services.do_close_task(task, actor=request.user, status=status)
        except TrustfunnelError as exc:
            return HttpResponse(exc.message, status=400)
        if request.htmx:
            return HttpResponse("")
        return redirect("marketing:tasks")


class LogInsightView(WorkspaceMixin, View):
    required_capability = Capability.LOG_TIMELINE

    def post(self, request, relationship_id):
        from trustfunnel.crm.models import Relationship

        relationship = get_object_or_404(self.scoped(Relationship), pk=relationship_id)
        form = InsightForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                services.do_record_insight(relationship, actor=request.user,
                                           occurred_at=timezone.now(), **form.cleaned_data)
            form = InsightForm()
            saved = True
        else:
            saved = False
        return render(request, "marketing/_insight_form.html",
                      {"insight_form": form, "relationship": relationship, "saved": saved})


# -- public links (no login) ---------------------------------------------------------


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """Works without login and is idempotent; POST for one-click (RFC 8058)."""

    def get(self, request, token):
        try:
            person = services.person_for_token(token)
        except TrustfunnelError:
            return render(request, "marketing/unsubscribe.html", {"invalid": True}, status=404)
        done = person.suppressions.filter(reason="unsubscribed").exists()
        return render(request, "marketing/unsubscribe.html",
                      {"person": person, "done": done, "token": token})

    def post(self, request, token):
        try:
            person = services.person_for_token(token)
        except TrustfunnelError:
            return render(request, "marketing/unsubscribe.html", {"invalid": True}, status=404)
        with transaction.atomic():
            services.do_unsubscribe(person, source="unsubscribe link")
        return render(request, "marketing/unsubscribe.html",
                      {"person": person, "done": True, "token": token})


class ClickView(View):
    """A link in an automated mail: evidence of interest, then on to the content."""

    def get(self, request, token, campaign_id):
        try:
            person = services.person_for_token(token)
        except TrustfunnelError:
            raise Http404 from None
        campaign = Campaign.objects.filter(workspace_id=person.workspace_id,
                                           pk=campaign_id).select_related("content").first()
        if campaign is None or not campaign.content.url:
            raise Http404
        relationship = person.relationships.order_by("id").first()
        if relationship is not None:
            with transaction.atomic():
                do_record_signal(relationship, actor=None, kind="clicked", actor_side="them",
                                 occurred_at=timezone.now(), source="system",
                                 note=campaign.content.title[:200])
        return HttpResponseRedirect(campaign.content.url)
