"""Pages: events, the event page (seats, waiting list, payments due, check-in), the
check-in list, the client reliability page, and the "payments due" partial.

Views parse input and call services; errors from services are shown as messages (or as
an htmx partial) with their own wording.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.core.terms import TermsAdvice, advise_terms
from trustfunnel.crm.models import Person, Relationship
from trustfunnel.events import services
from trustfunnel.events.models import (
    Event,
    EventSession,
    EvidenceEntry,
    Invoice,
    OfferStatus,
    Registration,
    RegistrationStatus,
    WaitingListEntry,
    WaitingListOffer,
    WaitingStatus,
)
from trustfunnel.events.record import client_records, terms_advice
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.views import WorkspaceMixin

PAGE_SIZE = 25


def translated_reasons(advice: TermsAdvice) -> list[str]:
    """The advice's reasons in the reader's language (core returns English templates)."""
    return [_(reason.template).format(**dict(reason.data)) for reason in advice.reasons]


def advice_context(advice: TermsAdvice) -> dict:
    return {"advice": advice, "advice_reasons": translated_reasons(advice)}


def _error(request, error: TrustfunnelError) -> None:
    messages.error(request, _(error.message_template).format(**error.data)
                   if error.data else _(error.message_template))


class EventForm(forms.ModelForm):
    online_url = forms.URLField(label=gettext_lazy("link"), required=False, assume_scheme="https")

    class Meta:
        model = Event
        fields = ["title", "kind", "description", "language", "location", "online_url", "price",
                  "currency", "capacity", "free_cancellation_days",
                  "late_cancellation_fee_percent", "payment_term_days", "offer_hours"]


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends"),
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    capacity = forms.IntegerField(label=gettext_lazy("Seats"), min_value=1, required=False)


class EventListView(WorkspaceMixin, TemplateView):
    """Upcoming sessions, keyset-paginated on (start, id)."""

    template_name = "events/event_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        sessions = (self.scoped(EventSession).filter(ends_at__gte=now - timedelta(days=1))
                    .select_related("event").order_by("starts_at", "id"))
        after = self.request.GET.get("after", "")
        if "_" in after:
            start_text, _sep, id_text = after.rpartition("_")
            start = parse_datetime(start_text)
            if start and id_text.isdigit():
                from django.db.models import Q

                sessions = sessions.filter(Q(starts_at__gt=start) |
                                           Q(starts_at=start, id__gt=int(id_text)))
        page = list(sessions[:PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        seats = services.seats_for(page, now=now)
        context.update({
            "rows": [(s, seats[s.pk]) for s in page],
            "next_cursor": f"{page[-1].starts_at.isoformat()}_{page[-1].pk}" if more else "",
            "can_edit": self.membership.can(Capability.EDIT_RELATIONSHIPS),
        })
        return context


class EventCreateView(WorkspaceMixin, TemplateView):
    template_name = "events/event_form.html"
    required_capability = Capability.EDIT_RELATIONSHIPS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", EventForm())
        context.setdefault("session_form", SessionForm())
        return context

    def post(self, request):
        form, session_form = EventForm(request.POST), SessionForm(request.POST)
        if not (form.is_valid() and session_form.is_valid()):
            return self.render_to_response(self.get_context_data(form=form,
                                                                 session_form=session_form))
        try:
            with transaction.atomic(durable=True):
                event = services.do_save_event(self.workspace, actor=request.user,
                                               fields=form.cleaned_data)
                data = session_form.cleaned_data
                services.do_add_session(event, actor=request.user, starts_at=data["starts_at"],
                                        ends_at=data["ends_at"], capacity=data["capacity"])
        except TrustfunnelError as error:
            _error(request, error)
            return self.render_to_response(self.get_context_data(form=form,
                                                                 session_form=session_form))
        return redirect("events:event-detail", pk=event.pk)


class EventDetailView(WorkspaceMixin, TemplateView):
    template_name = "events/event_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = get_object_or_404(self.scoped(Event), pk=self.kwargs["pk"])
        now = timezone.now()
        sessions = list(self.scoped(EventSession).filter(event=event).order_by("starts_at", "id"))
        seats = services.seats_for(sessions, now=now)
        registrations = list(
            self.scoped(Registration).filter(session__event=event)
            .select_related("person", "relationship").order_by("session_id", "created_at", "id"))
        waiting = list(
            self.scoped(WaitingListEntry).filter(session__event=event,
                                                 status__in=[WaitingStatus.WAITING,
                                                             WaitingStatus.OFFERED])
            .select_related("person").order_by("session_id", "created_at", "id"))
        offers = {o.entry_id: o for o in self.scoped(WaitingListOffer).filter(
            session__event=event, status=OfferStatus.OPEN)}
        see = self.membership.can(Capability.SEE_RELIABILITY)
        advice = {}
        if see:
            rels = {r.relationship for r in registrations if r.relationship_id}
            params = params_for(self.workspace)
            records = client_records(rels, now=now, params=params)
            advice = {pk: advise_terms(rec, params.terms) for pk, rec in records.items()}
        by_session = []
        for session in sessions:
            by_session.append({
                "session": session, "seats": seats[session.pk],
                "registrations": [(r, advice.get(r.relationship_id)) for r in registrations
                                  if r.session_id == session.pk],
                "waiting": [(w, offers.get(w.pk)) for w in waiting if w.session_id == session.pk],
                "due": [r for r in registrations if r.session_id == session.pk
                        and r.status in (RegistrationStatus.RESERVED, RegistrationStatus.CONFIRMED)
                        and r.requires_payment and not r.paid_at],
            })
        context.update({
            "event": event, "sessions": by_session, "now": now, "see_reliability": see,
            "can_edit": self.membership.can(Capability.EDIT_RELATIONSHIPS),
            "people": self.scoped(Person).select_related("organization")
            .order_by("last_name", "first_name", "id")[:500],
            "session_form": SessionForm(),
        })
        return context


class _ActionView(WorkspaceMixin, View):
    """POST-only actions that change registrations: need the edit capability."""

    required_capability = Capability.EDIT_RELATIONSHIPS
    http_method_names = ["post"]

    def back(self, event_id: int):
        return redirect("events:event-detail", pk=event_id)


class AddSessionView(_ActionView):
    def post(self, request, pk: int):
        event = get_object_or_404(self.scoped(Event), pk=pk)
        form = SessionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give a start and an end for the session."))
            return self.back(event.pk)
        try:
            with transaction.atomic(durable=True):
                services.do_add_session(event, actor=request.user, **form.cleaned_data)
        except TrustfunnelError as error:
            _error(request, error)
        return self.back(event.pk)


class RegisterView(_ActionView):
    def post(self, request, pk: int):
        session = get_object_or_404(self.scoped(EventSession).select_related("event"), pk=pk)
        person_id = request.POST.get("person", "")
        person = self.scoped(Person).filter(pk=person_id).first() if person_id.isdigit() else None
        if person is None:
            messages.error(request, _("Choose the person to register."))
            return self.back(session.event_id)
        try:
            with transaction.atomic(durable=True):
                outcome = services.do_register(session, actor=request.user, person=person)
        except TrustfunnelError as error:
            _error(request, error)
            return self.back(session.event_id)
        if outcome.registration:
            messages.success(request, _("%(name)s is registered.") % {"name": person.full_name})
        else:
            messages.info(request, _("The session is full: %(name)s is on the waiting list.")
                          % {"name": person.full_name})
        return self.back(session.event_id)


class RegistrationActionView(_ActionView):
    def post(self, request, pk: int, action: str):
        registration = get_object_or_404(self.scoped(Registration).select_related("session"),
                                         pk=pk)
        try:
            with transaction.atomic(durable=True):
                if action == "cancel":
                    by = request.POST.get("by", "client")
                    done = services.do_cancel_registration(registration, actor=request.user, by=by)
                    if done.cancellation_late:
                        messages.warning(request, _("Cancelled late: a fee of %(fee)s applies.")
                                         % {"fee": done.cancellation_fee})
                    else:
                        messages.success(request, _("Cancelled without a fee."))
                elif action == "paid":
                    services.do_mark_registration_paid(registration, actor=request.user)
                    messages.success(request, _("Payment recorded."))
                else:
                    raise Http404
        except TrustfunnelError as error:
            _error(request, error)
        return self.back(registration.session.event_id)


class OfferActionView(_ActionView):
    def post(self, request, pk: int, action: str):
        offer = get_object_or_404(self.scoped(WaitingListOffer).select_related("session"), pk=pk)
        try:
            with transaction.atomic(durable=True):
                if action == "accept":
                    services.do_accept_offer(offer, actor=request.user)
                    messages.success(request, _("The offer is accepted: registered."))
                elif action == "decline":
                    services.do_decline_offer(offer, actor=request.user)
                    messages.success(request, _("The offer is declined; the seat goes to the next "
                                                "in line."))
                else:
                    raise Http404
        except TrustfunnelError as error:
            _error(request, error)
        return self.back(offer.session.event_id)


class CheckInListView(WorkspaceMixin, TemplateView):
    """Printable and phone-friendly: one row per participant, a big toggle each."""

    template_name = "events/checkin.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = get_object_or_404(self.scoped(EventSession).select_related("event"),
                                    pk=self.kwargs["pk"])
        rows = (self.scoped(Registration).filter(session=session)
                .exclude(status=RegistrationStatus.CANCELLED)
                .select_related("person", "organization")
                .order_by("person__last_name", "person__first_name", "id"))
        context.update({"session": session, "rows": rows,
                        "can_edit": self.membership.can(Capability.EDIT_RELATIONSHIPS)})
        return context


class CheckInToggleView(_ActionView):
    def post(self, request, pk: int):
        registration = get_object_or_404(self.scoped(Registration), pk=pk)
        attended = request.POST.get("attended", "1") == "1"
        error = None
        try:
            with transaction.atomic(durable=True):
                registration = services.do_check_in(registration, actor=request.user,
                                                    attended=attended)
        except TrustfunnelError as exc:
            error = _(exc.message_template).format(**exc.data)
            registration.refresh_from_db()
        registration = (self.scoped(Registration).select_related("person", "organization")
                        .get(pk=registration.pk))
        if request.htmx:
            return TemplateResponse(request, "events/_checkin_row.html",
                                    {"r": registration, "can_edit": True, "error": error},
                                    status=409 if error else 200)
        if error:
            messages.error(request, error)
        return redirect("events:checkin", pk=registration.session_id)


class TermsAdvicePartialView(WorkspaceMixin, View):
    """The advice for the person chosen on the registration form (htmx)."""

    required_capability = Capability.SEE_RELIABILITY

    def get(self, request):
        person_id = request.GET.get("person", "")
        person = self.scoped(Person).filter(pk=person_id).first() if person_id.isdigit() else None
        if person is None:
            return HttpResponse("")
        relationship = services.relationship_for(person)
        advice = terms_advice(relationship, now=timezone.now(), params=params_for(self.workspace))
        return TemplateResponse(request, "events/_terms_advice.html",
                                {**advice_context(advice), "relationship": relationship})


def reliability_context(workspace, relationship: Relationship, *, now: datetime,
                        evidence_limit: int = 20) -> dict:
    params = params_for(workspace)
    advice = terms_advice(relationship, now=now, params=params)
    registrations = list(Registration.objects.for_workspace(workspace)
                         .filter(relationship=relationship)
                         .select_related("session__event").order_by("-created_at", "-id")[:20])
    invoices = list(Invoice.objects.for_workspace(workspace).filter(relationship=relationship)
                    .order_by("-issue_date", "-id")[:20])
    evidence = list(EvidenceEntry.objects.for_workspace(workspace)
                    .filter(relationship=relationship).order_by("-seq")[:evidence_limit])
    policy = getattr(relationship, "client_policy", None) if relationship.pk else None
    return {**advice_context(advice), "record": advice.record, "relationship": relationship,
            "registrations": registrations, "invoices": invoices, "evidence": evidence,
            "policy": policy}


def reliability_panel_context(request, relationship, membership) -> dict:
    return reliability_context(membership.workspace, relationship, now=timezone.now(),
                               evidence_limit=5)


class ReliabilityView(WorkspaceMixin, TemplateView):
    template_name = "events/reliability.html"
    required_capability = Capability.SEE_RELIABILITY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        relationship = get_object_or_404(
            self.scoped(Relationship).select_related("person", "organization"),
            pk=self.kwargs["pk"])
        context.update(reliability_context(self.workspace, relationship, now=timezone.now(),
                                           evidence_limit=100))
        context["can_edit"] = self.membership.can(Capability.EDIT_RELATIONSHIPS)
        return context


class PolicyView(_ActionView):
    """Set or lift enforced prepayment for one client (needs both capabilities)."""

    def post(self, request, pk: int):
        if not self.membership.can(Capability.SEE_RELIABILITY):
            raise Http404
        relationship = get_object_or_404(self.scoped(Relationship), pk=pk)
        with transaction.atomic(durable=True):
            services.do_set_client_policy(
                relationship, actor=request.user,
                prepayment_required=request.POST.get("prepayment_required") == "1",
                note=request.POST.get("note", ""))
        messages.success(request, _("The client's terms are updated."))
        return redirect("events:reliability", pk=relationship.pk)


class PaymentsDueView(WorkspaceMixin, TemplateView):
    """"Payments due and releases coming": a partial the Today page can include."""

    template_name = "events/_payments_due.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update({"due": services.payments_due(self.workspace, now=now), "now": now,
                        "can_edit": self.membership.can(Capability.EDIT_RELATIONSHIPS)})
        return context
