"""Organisations, people, relationships and deals.

Field-level rules (identifier formats, ranges) live on the fields, so forms and the API
check the same things; every business rule and every write goes through
:mod:`trustfunnel.crm.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from trustfunnel.crm.validators import validate_phone, validate_vat
from trustfunnel.workspaces.models import Workspace, WorkspaceScopedModel


class OrganizationSize(models.TextChoices):
    MICRO = "micro", _("1–9 employees")
    SMALL = "small", _("10–49 employees")
    MEDIUM = "medium", _("50–249 employees")
    LARGE = "large", _("250+ employees")


class Organization(WorkspaceScopedModel):
    name = models.CharField(_("name"), max_length=200)
    normalized_name = models.CharField(max_length=200, editable=False, db_index=False)
    country = CountryField(_("country"))
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=OrganizationSize.choices, blank=True)
    website = models.URLField(_("website"), blank=True)
    vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True, validators=[validate_vat]
    )
    chamber_number = models.CharField(_("Chamber of Commerce number"), max_length=30, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["workspace", "name", "id"], name="org_ws_name"),
            models.Index(fields=["workspace", "id"], name="org_ws_id"),
            models.Index(fields=["workspace", "normalized_name"], name="org_ws_normname"),
            models.Index(fields=["workspace", "vat_number"], name="org_ws_vat"),
            models.Index(fields=["workspace", "country", "sector"], name="org_ws_country"),
        ]

    def __str__(self) -> str:
        return self.name


class DecisionAuthority(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision-maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Language(models.TextChoices):
    EN = "en", _("English")
    NL = "nl", _("Dutch")
    DE = "de", _("German")
    FR = "fr", _("French")
    UK = "uk", _("Ukrainian")
    PL = "pl", _("Polish")
    JA = "ja", _("Japanese")
    ES = "es", _("Spanish")
    IT = "it", _("Italian")


class Person(WorkspaceScopedModel):
    # No index of its own: every composite index below leads with the workspace, and a
    # million-row import paid for each extra index on every row (decision 78). Neither
    # reference is a database constraint: each was a trigger per row checked at commit,
    # a fifth of a million-row import's database time; the writers set them from live
    # rows and Django applies on_delete (CASCADE, SET NULL) itself (decision 82).
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False,
                                  db_constraint=False)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        db_constraint=False,
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    decision_authority = models.CharField(
        _("decision authority"), max_length=20, choices=DecisionAuthority.choices, blank=True
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.EN
    )
    country = CountryField(_("country"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_source = models.CharField(_("consent source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["workspace", "last_name", "first_name", "id"], name="person_ws_name"),
            models.Index(fields=["workspace", "id"], name="person_ws_id"),
            # Look-ups by e-mail (the gate check, imports' duplicates) compare lower(email):
            # one index serves exact and case-insensitive matches alike.
            models.Index(F("workspace"), Lower("email"), name="person_ws_email_lower"),
            # organization_id has the foreign key's own index (people of an organisation,
            # SET NULL when it is deleted); the search has one trigram index (crm 0005).
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RelationshipKind(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CLIENT = "client", _("Client")
    PARTNER = "partner", _("Partner")
    SUPPLIER = "supplier", _("Supplier")
    EMPLOYEE = "employee", _("Employee")
    TRAINER = "trainer", _("Trainer")


class Relationship(WorkspaceScopedModel):
    """Our firm's relationship with one person or organisation: the timeline's owner."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        on_delete=models.PROTECT,
        related_name="relationships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="relationships",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="relationships",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=RelationshipKind.choices, default=RelationshipKind.PROSPECT
    )
    private_notes = models.TextField(_("private notes"), blank=True)
    started_at = models.DateField(_("started"), null=True, blank=True)
    #: Derived state folded by the engines (trust, reciprocity, pace). A cache: it is
    #: recomputable from the timeline at any time (`trustfunnel score --all`).
    derived = models.JSONField(default=dict, blank=True, editable=False)
    derived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organization__isnull=False),
                name="relationship_has_counterpart",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "owner", "id"], name="rel_ws_owner"),
            models.Index(fields=["workspace", "id"], name="rel_ws_id"),
            models.Index(fields=["workspace", "kind", "id"], name="rel_ws_kind"),
            models.Index(fields=["workspace", "person"], name="rel_ws_person"),
            models.Index(fields=["workspace", "organization"], name="rel_ws_org"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.person_id and self.organization_id:
            return f"{self.person} ({self.organization})"
        return str(self.person or self.organization)

    @property
    def country(self):
        if self.organization_id and self.organization.country:
            return self.organization.country
        return self.person.country if self.person_id else None


class DealStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    FIRST_CONTACT = "first_contact", _("First contact")
    NEEDS_EXPLORED = "needs_explored", _("Needs explored")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_STAGES = (
    DealStage.LEAD,
    DealStage.FIRST_CONTACT,
    DealStage.NEEDS_EXPLORED,
    DealStage.PROPOSAL,
    DealStage.NEGOTIATION,
)
ADVANCED_STAGES = (DealStage.PROPOSAL, DealStage.NEGOTIATION)


class Deal(WorkspaceScopedModel):
    """An offer ("offerte") in the pipeline, with its stage history."""

    relationship = models.ForeignKey(
        Relationship, verbose_name=_("relationship"), on_delete=models.CASCADE, related_name="deals"
    )
    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(
        _("stage"), max_length=20, choices=DealStage.choices, default=DealStage.LEAD
    )
    value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="deals"
    )
    first_contact_at = models.DateField(_("first contact"), null=True, blank=True)
    closed_at = models.DateField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["workspace", "stage", "id"], name="deal_ws_stage"),
            models.Index(fields=["workspace", "id"], name="deal_ws_id"),
            models.Index(fields=["workspace", "relationship"], name="deal_ws_rel"),
            models.Index(fields=["workspace", "owner", "stage"], name="deal_ws_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class DealStageChange(WorkspaceScopedModel):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=DealStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=DealStage.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("deal stage change")
        verbose_name_plural = _("deal stage changes")
        indexes = [models.Index(fields=["workspace", "deal", "at"], name="dealstage_ws_deal_at")]
