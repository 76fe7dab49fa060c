"""What the firm must be able to show about personal data (GDPR).

- :class:`ConsentEvent`: the history of a person's lawful basis and consent, one row
  per change, never edited. The latest row per purpose is the state in force; the crm
  fields ``Person.marketing_consent/consent_at/consent_source`` mirror the marketing one.
- :class:`ViewLog`: who looked at (or exported) a person's data, and through what.
  Changes are in ``workspaces.AuditEntry``; together they are the access log.
- :class:`RetentionRule`: how long a workspace keeps each kind of data.
- :class:`ErasureRecord`: that a person was erased, when and by whom, without any of
  the erased data (a keyed hash of the e-mail lets imports refuse to bring them back).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustfunnel.crm.models import Person
from trustfunnel.workspaces.models import WorkspaceScopedModel


class LawfulBasis(models.TextChoices):
    """GDPR article 6(1): the grounds on which we may process the person's data."""

    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    VITAL_INTERESTS = "vital_interests", _("Vital interests")
    PUBLIC_TASK = "public_task", _("Public task")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")


class Purpose(models.TextChoices):
    RELATIONSHIP = "relationship", _("Managing the business relationship")
    MARKETING = "marketing", _("Marketing communication")


class ConsentAction(models.TextChoices):
    GIVEN = "given", _("Consent given")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")
    BASIS_RECORDED = "basis_recorded", _("Lawful basis recorded")


class ConsentEvent(WorkspaceScopedModel):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consent_events"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    basis = models.CharField(_("lawful basis"), max_length=30, choices=LawfulBasis.choices)
    action = models.CharField(_("what happened"), max_length=20, choices=ConsentAction.choices)
    at = models.DateTimeField(_("when"))
    source = models.CharField(
        _("source"), max_length=200, blank=True,
        help_text=_("Where it came from: a web form, a signed contract, a phone call ..."),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "person", "purpose", "at"], name="consent_ws_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.get_action_display()} ({self.basis})"


class ViewVia(models.TextChoices):
    PAGE = "page", _("Page")
    API = "api", _("API")
    EXPORT = "export", _("Export")
    ACCESS_REPORT = "access_report", _("Subject access report")


class ViewLog(WorkspaceScopedModel):
    """One look at a person's data. Holds ids only: nothing here needs erasing."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("viewed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    via = models.CharField(_("via"), max_length=20, choices=ViewVia.choices, default=ViewVia.PAGE)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("view log entry")
        verbose_name_plural = _("view log")
        indexes = [
            models.Index(fields=["workspace", "person", "at"], name="viewlog_ws_person_at"),
            models.Index(fields=["workspace", "at"], name="viewlog_ws_at"),
        ]


class DataKind(models.TextChoices):
    VIEW_LOG = "view_log", _("View log")
    AUDIT_LOG = "audit_log", _("Audit trail of changes")
    INTERACTION_NOTES = "interaction_notes", _("Notes and subjects of interactions")
    AUTOMATED_EMAILS = "automated_emails", _("Automated e-mails on the timeline")
    INACTIVE_PEOPLE = "inactive_people", _("People without activity")


class RetentionRule(WorkspaceScopedModel):
    kind = models.CharField(_("kind of data"), max_length=30, choices=DataKind.choices)
    keep_days = models.PositiveIntegerField(
        _("keep for (days)"), validators=[MinValueValidator(0)],
        help_text=_("0 keeps the data forever."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind"], name="retention_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.keep_days} days"


class ErasureRecord(WorkspaceScopedModel):
    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="erasure"
    )
    #: Keyed hash (HMAC with SECRET_KEY) of the normalised e-mail, so an import can
    #: recognise an erased person without us keeping the address.
    email_digest = models.CharField(max_length=64, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(_("erased at"))
    reason = models.CharField(_("reason"), max_length=30, default="request")

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        indexes = [models.Index(fields=["workspace", "email_digest"], name="erasure_ws_digest")]
