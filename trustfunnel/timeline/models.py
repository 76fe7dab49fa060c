"""The timeline of a relationship: interactions, signals and exchanges.

The timeline is the source of truth. Scores, balances and advice are derived from it.
Signals are immutable: a correction is a new signal of kind ``retraction`` that points
at the one it withdraws (see :func:`trustfunnel.timeline.services.retract_signal`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustfunnel.core.evidence import SIGNAL_KINDS, Actor, Direction
from trustfunnel.crm.models import Relationship
from trustfunnel.workspaces.models import WorkspaceScopedModel


class InteractionKind(models.TextChoices):
    MEETING = "meeting", _("Meeting in person")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Personal e-mail")
    AUTOMATED_EMAIL = "automated_email", _("Automated e-mail")
    EVENT = "event", _("Event")


#: Kinds of contact that build trust person to person (rule 8: personal contact).
PERSONAL_KINDS = (InteractionKind.MEETING, InteractionKind.VIDEO, InteractionKind.PHONE)
IN_PERSON_KINDS = (InteractionKind.MEETING, InteractionKind.EVENT)


class InteractionDirection(models.TextChoices):
    OUTBOUND = "outbound", _("From us")
    INBOUND = "inbound", _("From them")
    MUTUAL = "mutual", _("Both (a meeting)")


class Interaction(WorkspaceScopedModel):
    relationship = models.ForeignKey(
        Relationship, verbose_name=_("relationship"), on_delete=models.CASCADE, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InteractionKind.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=InteractionDirection.choices,
        default=InteractionDirection.MUTUAL,
    )
    occurred_at = models.DateTimeField(_("when"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    #: Stable key from an import (message-id, UID + recurrence), for idempotent re-runs.
    external_id = models.CharField(max_length=300, blank=True)
    thread_key = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["workspace", "relationship", "occurred_at"], name="inter_ws_rel_at"),
            models.Index(fields=["workspace", "external_id"], name="inter_ws_extid"),
            # The API lists: newest first (the default) and by id, a page per index range.
            models.Index(fields=["workspace", "occurred_at", "id"], name="inter_ws_at_id"),
            models.Index(fields=["workspace", "id"], name="inter_ws_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


SIGNAL_KIND_CHOICES = [(kind, _(spec.label)) for kind, spec in SIGNAL_KINDS.items()]


class SignalSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported")
    SYSTEM = "system", _("Recorded by trustfunnel")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")


class Signal(WorkspaceScopedModel):
    """One immutable, dated piece of evidence about trust."""

    relationship = models.ForeignKey(
        Relationship, verbose_name=_("relationship"), on_delete=models.CASCADE, related_name="signals"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=SIGNAL_KIND_CHOICES)
    actor = models.CharField(
        _("shown by"), max_length=4, choices=[(Actor.US, _("us")), (Actor.THEM, _("them"))]
    )
    direction = models.CharField(
        _("trust it speaks to"), max_length=12,
        choices=[
            (Direction.OURS_IN_THEM, _("our trust in them")),
            (Direction.THEIRS_IN_US, _("their trust in us")),
        ],
    )
    #: Bit set of trust components (trustfunnel.core.evidence.Component).
    components = models.PositiveSmallIntegerField(_("components"))
    polarity = models.SmallIntegerField(_("polarity"))  # +1, -1 or 0
    #: How strong this occurrence is, relative to the kind's weight (1 = typical).
    strength = models.FloatField(_("strength"), default=1.0, validators=[MinValueValidator(0)])
    occurred_at = models.DateTimeField(_("when"))
    source = models.CharField(
        _("source"), max_length=10, choices=SignalSource.choices, default=SignalSource.MANUAL
    )
    note = models.TextField(_("note"), blank=True)
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals",
        verbose_name=_("interaction"),
    )
    retracts = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="retracted_by",
        verbose_name=_("retracts"),
    )
    external_id = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [
            models.Index(fields=["workspace", "relationship", "occurred_at"], name="signal_ws_rel_at"),
            models.Index(fields=["workspace", "kind", "occurred_at"], name="signal_ws_kind_at"),
            models.Index(fields=["workspace", "occurred_at", "id"], name="signal_ws_at_id"),
            models.Index(fields=["workspace", "id"], name="signal_ws_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.actor}) {self.occurred_at:%Y-%m-%d}"


class ExchangeKind(models.TextChoices):
    FAVOUR = "favour", _("Favour")
    ADVICE = "advice", _("Advice")
    GIFT = "gift", _("Gift")
    DISCOUNT = "discount", _("Discount")
    REFERRAL = "referral", _("Referral")
    INTRODUCTION = "introduction", _("Introduction")
    EXTRA_SERVICE = "extra_service", _("Extra service")
    FREE_PARTICIPATION = "free_participation", _("Free participation")


class Exchange(WorkspaceScopedModel):
    """One entry of the give-and-take ledger."""

    relationship = models.ForeignKey(
        Relationship, verbose_name=_("relationship"), on_delete=models.CASCADE, related_name="exchanges"
    )
    giver = models.CharField(
        _("given by"), max_length=4, choices=[(Actor.US, _("us")), (Actor.THEM, _("them"))]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ExchangeKind.choices)
    value = models.DecimalField(
        _("estimated value"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("What it is worth to the receiver, in the workspace currency."),
    )
    solicited = models.BooleanField(_("asked for"), default=False)
    description = models.CharField(_("description"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("when"))
    reciprocates = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="returns",
        verbose_name=_("in return for"),
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="exchanges"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        indexes = [
            models.Index(fields=["workspace", "relationship", "occurred_at"], name="exch_ws_rel_at"),
            models.Index(fields=["workspace", "occurred_at", "id"], name="exch_ws_at_id"),
            models.Index(fields=["workspace", "id"], name="exch_ws_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.giver} ({self.value})"
