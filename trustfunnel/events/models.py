"""Events, sessions, registrations, the waiting list, invoices and the evidence log.

Every write goes through :mod:`trustfunnel.events.services`. Seats are counted, never
stored: a session's taken seats are its registrations that hold a seat plus the open
waiting-list offers (an offer holds the seat for the person it was offered to until it
expires). Counting happens under the session's row lock (:mod:`.locking`).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustfunnel.core.errors import Conflict
from trustfunnel.crm.models import Language, Organization, Person, Relationship
from trustfunnel.workspaces.models import WorkspaceQuerySet, WorkspaceScopedModel


class EventKind(models.TextChoices):
    TRAINING = "training", _("Training")
    WORKSHOP = "workshop", _("Workshop")
    WEBINAR = "webinar", _("Webinar")
    NETWORK_MEETING = "network_meeting", _("Network meeting")


class Event(WorkspaceScopedModel):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices,
                            default=EventKind.TRAINING)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices,
                                default=Language.NL)
    location = models.CharField(_("location"), max_length=300, blank=True)
    online_url = models.URLField(_("link"), blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0,
                                validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    capacity = models.PositiveIntegerField(_("seats per session"), default=12,
                                           validators=[MinValueValidator(1)])
    free_cancellation_days = models.PositiveIntegerField(
        _("free cancellation until (days before)"), default=14,
        help_text=_("Cancelling later than this many days before the session costs the fee."),
    )
    late_cancellation_fee_percent = models.PositiveSmallIntegerField(
        _("late cancellation fee (percentage of the price)"), default=100,
        validators=[MaxValueValidator(100)],
    )
    payment_term_days = models.PositiveIntegerField(
        _("payment term (days)"), default=7,
        help_text=_("Unpaid registrations are released after this term, and never later "
                    "than the start of the session."),
    )
    offer_hours = models.PositiveIntegerField(
        _("waiting-list offer valid for (hours)"), default=48, validators=[MinValueValidator(1)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["workspace", "title", "id"], name="event_ws_title")]

    def __str__(self) -> str:
        return self.title

    @property
    def requires_payment(self) -> bool:
        return self.price > 0


class EventSession(WorkspaceScopedModel):
    """One dated occurrence of an event: the unit of seats, registration and check-in."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions",
                              verbose_name=_("event"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1)])
    location = models.CharField(_("location"), max_length=300, blank=True,
                                help_text=_("Leave empty to use the event's location."))

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            models.Index(fields=["workspace", "starts_at", "id"], name="session_ws_start"),
            models.Index(fields=["ends_at"], name="session_ends"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="session_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def where(self) -> str:
        return self.location or self.event.location or self.event.online_url


class RegistrationStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved (awaiting payment)")
    CONFIRMED = "confirmed", _("Confirmed")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")


#: Statuses that hold a seat.
SEAT_HOLDING = (
    RegistrationStatus.RESERVED, RegistrationStatus.CONFIRMED, RegistrationStatus.PAID,
    RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW,
)
#: Statuses that may still be cancelled, paid or released.
ACTIVE = (RegistrationStatus.RESERVED, RegistrationStatus.CONFIRMED, RegistrationStatus.PAID)


class CancelledBy(models.TextChoices):
    CLIENT = "client", _("The participant")
    US = "us", _("Us")
    SYSTEM = "system", _("Released automatically")


class CancelReason(models.TextChoices):
    REQUEST = "request", _("On request")
    UNPAID = "unpaid", _("Not paid by the deadline")
    EVENT = "event", _("Cancelled by us")


class TermsLevelChoice(models.TextChoices):
    STANDARD = "standard", _("Standard terms")
    DEPOSIT = "deposit", _("Deposit")
    PREPAYMENT = "prepayment", _("Prepayment")


class Followup(models.TextChoices):
    """Work left after a set-based sweep: a signal, a notice and an evidence entry."""

    NONE = "", _("Nothing pending")
    RELEASED_UNPAID = "released_unpaid", _("Released unpaid")
    NO_SHOW = "no_show", _("No-show")
    ATTENDED = "attended", _("Attended")


class Registration(WorkspaceScopedModel):
    # Indexes are few on purpose: the deadline sweep rewrites many rows at once and every
    # index costs a write per row. The session is covered by ``reg_session_status``; the
    # organisation and the users are looked up rarely (deleting one scans, which is fine).
    session = models.ForeignKey(EventSession, on_delete=models.CASCADE,
                                related_name="registrations", verbose_name=_("session"),
                                db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="registrations",
                               verbose_name=_("person"))
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("organisation"), db_index=False)
    relationship = models.ForeignKey(Relationship, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="registrations",
                                     verbose_name=_("relationship"))
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    terms_level = models.CharField(_("terms"), max_length=12, choices=TermsLevelChoice.choices,
                                   default=TermsLevelChoice.STANDARD)
    upfront_amount = models.DecimalField(_("to pay up front"), max_digits=10, decimal_places=2,
                                         default=0)
    requires_payment = models.BooleanField(_("requires payment"), default=False)
    payment_due_at = models.DateTimeField(_("payment due"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("payment reminder sent"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=8, choices=CancelledBy.choices,
                                    blank=True)
    cancelled_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+",
                                          db_index=False)
    cancel_reason = models.CharField(_("reason"), max_length=8, choices=CancelReason.choices,
                                     blank=True)
    cancellation_late = models.BooleanField(_("late cancellation"), default=False)
    cancellation_fee = models.DecimalField(_("cancellation fee"), max_digits=10,
                                           decimal_places=2, default=0)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    #: Attendance or no-show has been written to the timeline (after the session).
    outcome_recorded = models.BooleanField(default=False)
    followup = models.CharField(max_length=16, choices=Followup.choices, blank=True, default="")
    created_at = models.DateTimeField(_("registered"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"],
                                    condition=~Q(status="cancelled"),
                                    name="registration_one_active_per_person"),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="reg_session_status"),
            # The deadline sweep reads only unpaid, seat-holding rows.
            models.Index(fields=["payment_due_at"], name="reg_unpaid_due",
                         condition=Q(status__in=["reserved", "confirmed"], paid_at__isnull=True,
                                     requires_payment=True)),
            models.Index(fields=["followup"], name="reg_followup", condition=~Q(followup="")),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a seat")
    REGISTERED = "registered", _("Registered")
    EXPIRED = "expired", _("Offer expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WaitingListEntry(WorkspaceScopedModel):
    session = models.ForeignKey(EventSession, on_delete=models.CASCADE,
                                related_name="waiting_list", verbose_name=_("session"))
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("person"))
    relationship = models.ForeignKey(Relationship, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=WaitingStatus.choices,
                              default=WaitingStatus.WAITING)
    created_at = models.DateTimeField(_("joined"))

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"],
                                    condition=Q(status__in=["waiting", "offered"]),
                                    name="waiting_one_active_per_person"),
        ]
        indexes = [models.Index(fields=["session", "status", "created_at", "id"],
                                name="waiting_session_line")]

    def __str__(self) -> str:
        return f"{self.person} waiting for {self.session}"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class WaitingListOffer(WorkspaceScopedModel):
    """A freed seat held for the first in line until ``expires_at``."""

    entry = models.ForeignKey(WaitingListEntry, on_delete=models.CASCADE, related_name="offers")
    session = models.ForeignKey(EventSession, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices,
                              default=OfferStatus.OPEN)
    offered_at = models.DateTimeField(_("offered"))
    expires_at = models.DateTimeField(_("expires"))
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    registration = models.OneToOneField(Registration, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="from_offer")
    notice_pending = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("waiting-list offer")
        verbose_name_plural = _("waiting-list offers")
        indexes = [
            models.Index(fields=["session", "status", "expires_at"], name="offer_session_open"),
            models.Index(fields=["expires_at"], name="offer_open_expiry",
                         condition=Q(status="open")),
        ]


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class Invoice(WorkspaceScopedModel):
    """An invoice the firm sent, or a credit note (``kind``) that corrects one.

    A credit note's amount is positive and reduces what is owed on the invoice it
    ``credits``; the invoice keeps the sum of its credit notes in ``credited_amount`` so
    that "still owed" is ``amount - credited_amount`` without a join. A fully credited
    invoice is never overdue. Numbers are unique per kind: a seller may number a credit
    note like the invoice it corrects (the Peppol example does).
    """

    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices,
                            default=InvoiceKind.INVOICE)
    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE,
                                     related_name="invoices", verbose_name=_("relationship"))
    registration = models.ForeignKey(Registration, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="invoices")
    number = models.CharField(_("number"), max_length=60)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    issue_date = models.DateField(_("issued"))
    due_date = models.DateField(_("due"))
    paid_on = models.DateField(_("paid"), null=True, blank=True)
    paid_via = models.CharField(_("payment recorded by"), max_length=10, blank=True,
                                choices=[("entered", _("Entered by hand")),
                                         ("imported", _("Imported")),
                                         ("matched", _("Matched to a bank payment"))])
    external_id = models.CharField(max_length=300, blank=True)
    #: The "unpaid past due" signal has been recorded for this invoice.
    unpaid_recorded = models.BooleanField(default=False)
    #: A credit note: the invoice it corrects (null until that invoice is known).
    credits = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="credit_notes", verbose_name=_("credits invoice"))
    #: A credit note: the number of the invoice it corrects, as the file gave it; links
    #: the credit note when that invoice is recorded later.
    credited_number = models.CharField(_("corrects invoice number"), max_length=60, blank=True)
    #: An invoice: the sum of the credit notes linked to it.
    credited_amount = models.DecimalField(_("credited"), max_digits=12, decimal_places=2,
                                          default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "number"],
                                    name="invoice_unique_kind_number"),
        ]
        indexes = [
            models.Index(fields=["workspace", "relationship", "due_date"], name="inv_ws_rel_due"),
            models.Index(fields=["due_date"], name="inv_unpaid_due",
                         condition=Q(paid_on__isnull=True, unpaid_recorded=False,
                                     kind="invoice")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self):
        """What is still owed: nothing once paid, and never less than nothing."""
        if self.kind != InvoiceKind.INVOICE or self.paid_on is not None:
            return 0
        return max(self.amount - self.credited_amount, 0)

    @property
    def fully_credited(self) -> bool:
        return self.kind == InvoiceKind.INVOICE and self.credited_amount >= self.amount


class ClientPolicy(WorkspaceScopedModel):
    """A person's decision about one client's terms: prepayment enforced or not."""

    relationship = models.OneToOneField(Relationship, on_delete=models.CASCADE,
                                        related_name="client_policy")
    prepayment_required = models.BooleanField(_("require prepayment"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client policy")
        verbose_name_plural = _("client policies")


class EvidenceKind(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement")
    OFFER = "offer", _("Offer")
    CONFIRMATION = "confirmation", _("Confirmation")
    REMINDER = "reminder", _("Reminder")
    NOTICE = "notice", _("Notice")
    PAYMENT = "payment", _("Payment")
    CANCELLATION = "cancellation", _("Cancellation")


class AppendOnlyQuerySet(WorkspaceQuerySet):
    def update(self, **kwargs):
        raise Conflict("The evidence log is append-only: entries cannot be changed.")

    def erase_payloads(self, *, now) -> int:
        """The one change the log allows (GDPR erasure): replace the payloads of these
        entries with the erased marker. The payload digests stay, so the chain still
        verifies; see :mod:`trustfunnel.core.evidence_chain`."""
        from trustfunnel.core.evidence_chain import ERASED_PAYLOAD

        subject, body, data_json, salt = ERASED_PAYLOAD
        pending = self.filter(erased_at__isnull=True)
        return super(AppendOnlyQuerySet, pending).update(
            subject=subject, body=body, data_json=data_json, payload_salt=salt, erased_at=now)

    def delete(self):
        raise Conflict("The evidence log is append-only: entries cannot be deleted.")


class EvidenceEntry(WorkspaceScopedModel):
    """One line of the append-only, hash-chained evidence log of a workspace.

    ``hash = sha256(prev_hash + canonical header)``, the header holding the digest of the
    payload (subject, body, data and a random salt) rather than the payload itself (see
    :mod:`trustfunnel.core.evidence_chain`). Written only by
    :func:`trustfunnel.events.evidence.append_evidence`; never changed or deleted by the
    application, except that erasing a person replaces the payloads of their entries
    with the erased marker (``erased_at`` says when) while the digests stay. The
    relationship is kept as a plain id without a database constraint so that erasing a
    relationship can never rewrite the log.
    """

    seq = models.PositiveBigIntegerField(_("number"))
    relationship = models.ForeignKey(Relationship, null=True, blank=True,
                                     on_delete=models.DO_NOTHING, db_constraint=False,
                                     related_name="+")
    kind = models.CharField(_("kind"), max_length=14, choices=EvidenceKind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("content"), blank=True)
    #: Free-form facts as canonical JSON text (hashed verbatim; see evidence_chain).
    data_json = models.TextField(_("data"), default="{}", blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    #: sha256 of the canonical payload; what the chain hashes in its place.
    payload_digest = models.CharField(max_length=64, default="")
    #: Random per entry, so the digest of an erased payload cannot be guessed back.
    payload_salt = models.CharField(max_length=32, default="", blank=True)
    #: When the payload was replaced by the erased marker (GDPR erasure).
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence entry")
        verbose_name_plural = _("evidence log")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "seq"], name="evidence_unique_seq"),
        ]
        indexes = [models.Index(fields=["workspace", "relationship", "seq"],
                                name="evidence_ws_rel")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}: {self.subject}"

    @property
    def data(self) -> dict:
        return json.loads(self.data_json or "{}")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Conflict("The evidence log is append-only: entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Conflict("The evidence log is append-only: entries cannot be deleted.")


class EvidenceChainHead(models.Model):
    """The last link of a workspace's chain; its row lock serialises appends."""

    workspace = models.OneToOneField("workspaces.Workspace", on_delete=models.CASCADE,
                                     primary_key=True, related_name="+")
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    #: The last hash of the chain in its first format (payload hashed in full), when the
    #: chain was re-sealed with payload digests (migration events 0003).
    migrated_from_hash = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"chain of workspace {self.workspace_id} at #{self.last_seq}"
