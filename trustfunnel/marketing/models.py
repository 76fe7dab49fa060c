"""Marketing objects: content, segments, campaigns, the gate's decisions, personal
tasks, suppressions, automated sends and the insights sales hears.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from trustfunnel.crm.models import DealStage, Language, Person, Relationship
from trustfunnel.timeline.models import Interaction
from trustfunnel.workspaces.models import Workspace, WorkspaceQuerySet, WorkspaceScopedModel


class ContentKind(models.TextChoices):
    NEWSLETTER = "newsletter", _("Newsletter")
    WHITE_PAPER = "white_paper", _("White paper")
    CASE_STUDY = "case_study", _("Case study")
    EVENT_INVITATION = "event_invitation", _("Event invitation")


class Content(WorkspaceScopedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=ContentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    #: Stages this content is meant for; empty means every stage.
    target_stages = models.JSONField(_("target stages"), default=list, blank=True)
    audience_note = models.CharField(_("whom it is for"), max_length=300, blank=True)
    #: The one point of the content, handed to the account owner in a personal task.
    point = models.CharField(_("its point, in one sentence"), max_length=300, blank=True)
    url = models.URLField(_("link to the content"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("content")
        verbose_name_plural = _("content")
        indexes = [models.Index(fields=["workspace", "kind", "id"], name="content_ws_kind")]

    def __str__(self) -> str:
        return self.title


class ContentVersion(WorkspaceScopedModel):
    """The content in one language: what a mail actually says."""

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        verbose_name = _("content version")
        verbose_name_plural = _("content versions")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "content", "language"], name="contentversion_one_per_lang"
            )
        ]


class Segment(WorkspaceScopedModel):
    """A saved filter over people, evaluated set-based (see marketing.segments)."""

    name = models.CharField(_("name"), max_length=200)
    #: {"countries": [...], "sectors": [...], "stages": [...], "topics": [...],
    #:  "trust_labels": [...], "consent_only": bool, "languages": [...],
    #:  "last_contact_within_days": int, "no_contact_for_days": int}
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Gate reviewed")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class Campaign(WorkspaceScopedModel):
    name = models.CharField(_("name"), max_length=200)
    content = models.ForeignKey(Content, verbose_name=_("content"), on_delete=models.PROTECT,
                                related_name="campaigns")
    segment = models.ForeignKey(Segment, verbose_name=_("segment"), on_delete=models.PROTECT,
                                related_name="campaigns")
    planned_at = models.DateTimeField(_("planned for"))
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices,
                              default=CampaignStatus.DRAFT)
    gated_at = models.DateTimeField(_("gate run at"), null=True, blank=True)
    # The gate run whose decisions are current (0: never gated). A run writes its rows
    # under the next number and makes them current by setting this, so rows written
    # from other connections stay invisible until the run commits (gating.py).
    gate_run = models.PositiveIntegerField(default=0, editable=False)
    counts = models.JSONField(_("decisions"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["workspace", "status", "planned_at"], name="campaign_ws_status")]

    def __str__(self) -> str:
        return self.name


class DecisionStatus(models.IntegerChoices):
    PENDING = 0, _("Pending")
    SENT = 1, _("Sent")
    WITHDRAWN = 2, _("Withdrawn")
    TASKED = 3, _("Personal task created")
    SKIPPED = 4, _("Not sent")


class GateDecisionQuerySet(WorkspaceQuerySet):
    def current(self, campaign: Campaign | None = None) -> GateDecisionQuerySet:
        """The decisions of the current gate run: of ``campaign`` (one probe of the key),
        or of every campaign (a join to the campaigns)."""
        if campaign is not None:
            return self.filter(campaign_id=campaign.pk, run=campaign.gate_run)
        return self.filter(run=models.F("campaign__gate_run"))


class GateDecision(WorkspaceScopedModel):
    """The gate's decision for one recipient of one campaign, with the rules that fired.

    A campaign writes a million of these in one statement, so the table carries no
    database foreign-key constraints (each would be a trigger per row, checked at
    commit: 24 s of a 1M-row gate) and one index: the primary key (campaign, person),
    which sending, withdrawals (campaign by campaign) and re-gating use; no surrogate id
    and its second index. Rows are written in person order, so the key grows at its
    right edge. Each gate run writes its rows under its own ``run`` number; only the
    campaign's ``gate_run`` is current (:meth:`GateDecisionQuerySet.current`), the
    rows of earlier runs are deleted when a run becomes current, and those of a run that
    never became current (it failed after a helper connection committed) when the
    campaign is next gated. The references are valid when written (the statement joins the live rows) and Django
    still applies ``on_delete`` when a person, relationship, campaign or workspace is
    deleted through the ORM (a scan of the table for a person or a relationship: rare,
    and cheaper than an index kept up to date on every gate run; decisions.md).
    """

    pk = models.CompositePrimaryKey("campaign", "run", "person")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+",
                                  db_constraint=False, db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="decisions",
                                 db_constraint=False, db_index=False)
    run = models.IntegerField(default=0)  # the campaign's gate run that wrote it
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+",
                               db_constraint=False, db_index=False)
    relationship = models.ForeignKey(
        Relationship, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False, db_index=False,
    )
    decision = models.SmallIntegerField()  # trustfunnel.core.gate.Decision
    rule_bits = models.BigIntegerField(default=0)  # trustfunnel.core.gate.Rule bits
    status = models.SmallIntegerField(choices=DecisionStatus.choices, default=DecisionStatus.PENDING)
    language = models.CharField(max_length=5, blank=True)

    objects = GateDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("gate decision")
        verbose_name_plural = _("gate decisions")


class GateProfile(WorkspaceScopedModel):
    """One distinct fact profile of a campaign's recipients, as the gate decided it.

    A campaign of a million recipients has a few hundred of these: the review page
    reads its split and reasons here instead of grouping a million decisions.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+",
                                  db_constraint=False, db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="profiles",
                                 db_constraint=False, db_index=False)
    profile = models.BigIntegerField()  # marketing.facts.PROFILE_FIELDS packed
    decision = models.SmallIntegerField()  # trustfunnel.core.gate.Decision
    rule_bits = models.BigIntegerField(default=0)
    recipients = models.IntegerField()

    class Meta:
        verbose_name = _("gate profile")
        verbose_name_plural = _("gate profiles")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "profile"], name="gateprofile_once"),
        ]


class GateFacts(WorkspaceScopedModel):
    """A person's relationship facts as the gate reads them, kept current in the database.

    One row per person with at least one relationship: the aggregates over their
    relationships' deals, personal interactions, breach and promise signals and trust
    labels that would otherwise be recomputed over the whole workspace for every
    campaign. Time enters only as timestamps (the last personal interaction, the last
    breach), compared with the gate's windows when a campaign is gated, so a change of
    the gate's settings needs no rebuild. A row is recomputed when a write marks it
    stale (database triggers, :class:`GateFactsStale`) or when time alone would change
    it (``valid_until``: a planned interaction or a breach dated in the future becomes
    past, a promise leaves its window). See :mod:`trustfunnel.marketing.gatefacts`.
    """

    person = models.OneToOneField(Person, primary_key=True, on_delete=models.CASCADE,
                                  related_name="+", db_constraint=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+",
                                  db_constraint=False, db_index=False)
    relationship_id = models.BigIntegerField()  # the person's first relationship
    owner_id = models.IntegerField()  # its lowest owner id (0: none)
    # The gate's stage (an index into core.gate.STAGES): the furthest open deal, else
    # won if a deal was won, else lost if one was lost, else none.
    stage = models.SmallIntegerField(default=0)
    open_value = models.FloatField(default=0.0)  # largest open deal
    last_personal_at = models.DateTimeField(null=True)
    meeting_planned = models.BooleanField(default=False)
    last_breach_at = models.DateTimeField(null=True)
    open_promises = models.IntegerField(default=0)  # made minus settled, in the window
    trust_labels = models.SmallIntegerField(default=0)  # bit per TrustLabel seen, ours or theirs
    valid_until = models.DateTimeField(null=True)  # None: only a write changes the row
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("gate facts")
        verbose_name_plural = _("gate facts")
        # Only rows that time will change are in the index (a few percent).
        indexes = [models.Index(fields=["valid_until"], name="gatefacts_valid_until",
                                condition=models.Q(valid_until__isnull=False))]

    def __str__(self) -> str:
        return f"gate facts of person {self.person_id}"


class GateFactsStale(models.Model):
    """A queue of changes the gate facts have not taken in yet, filled by database
    triggers on relationships, deals, interactions, signals and trust states (so bulk
    writes, imports and raw SQL are caught as well as the ORM's) and emptied by
    :func:`trustfunnel.marketing.gatefacts.refresh`. A relationship row names the
    relationship whose facts changed; a person row names a person who gained or lost a
    relationship."""

    relationship_id = models.BigIntegerField(null=True)
    person_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("stale gate facts")
        verbose_name_plural = _("stale gate facts")

    def __str__(self) -> str:
        if self.person_id is not None:
            return f"person {self.person_id}"
        return f"relationship {self.relationship_id}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Not relevant")


class PersonalTaskQuerySet(WorkspaceQuerySet):
    def visible(self, workspace: Workspace | int) -> PersonalTaskQuerySet:
        """The tasks of gate runs that became current: a run writes its tasks under its
        number before the campaign points at it (gating.py), and a run that failed
        leaves tasks that are never shown (the next gate run deletes them).

        Such a run is always the campaign's ``gate_run + 1`` (runs of a campaign are
        serialised and each deletes unfinished runs before it writes), and only a
        campaign not yet sent can have one (gating refuses a campaign being sent, and
        the gate before a send deletes them). So (campaign, run) is compared, as one
        number, with those of the workspace's unsent campaigns: a subquery the database
        runs once and hashes, not a join per task (an owner may have hundreds of
        thousands of tasks), and no query of its own."""
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        unfinished = Campaign.objects.filter(
            workspace_id=workspace_id,
            status__in=[CampaignStatus.DRAFT, CampaignStatus.REVIEWED, CampaignStatus.SENDING],
        ).annotate(run_key=models.F("id") * _RUN_KEY + models.F("gate_run") + 1)
        return self.alias(
            run_key=Coalesce(models.F("campaign_id"), 0) * _RUN_KEY + models.F("run")
        ).exclude(run_key__in=unfinished.values("run_key"))


#: (campaign, run) as one number: campaign * 2**32 + run.
_RUN_KEY = 2**32


class PersonalTask(WorkspaceScopedModel):
    """"Write to X personally about Y": the gate's PERSONAL decision for the owner.

    The last personal interaction is looked up when the task is shown
    (:func:`trustfunnel.marketing.services.with_last_personal`), so it is the latest
    one, not the one known when the campaign was gated, and writing a hundred thousand
    tasks reads no interactions.
    """

    # Written a hundred thousand at a time by the gate: no database foreign-key
    # constraints (see GateDecision) and no index but the key, the once-per-campaign
    # constraint and the owner's list; Django applies on_delete.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+",
                                  db_constraint=False, db_index=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="personal_tasks", db_constraint=False,
                              db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+",
                               db_constraint=False, db_index=False)
    relationship = models.ForeignKey(Relationship, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+",
                                     db_constraint=False, db_index=False)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="personal_tasks", db_constraint=False,
                                 db_index=False)
    content = models.ForeignKey(Content, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", db_constraint=False, db_index=False)
    rule_bits = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    run = models.IntegerField(default=0)  # the campaign's gate run that wrote it

    objects = PersonalTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal task")
        verbose_name_plural = _("personal tasks")
        constraints = [
            # A campaign belongs to one workspace; leading with the campaign serves the
            # review page and a campaign's deletion too.
            models.UniqueConstraint(fields=["campaign", "person"],
                                    name="personaltask_once_per_campaign")
        ]
        indexes = [models.Index(fields=["workspace", "owner", "status"], name="ptask_ws_owner")]


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")


class Suppression(WorkspaceScopedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="suppressions")
    reason = models.CharField(max_length=15, choices=SuppressionReason.choices)
    at = models.DateTimeField()
    source = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "person", "reason"],
                                    name="suppression_once_per_reason")
        ]


class AutomatedSend(WorkspaceScopedModel):
    """One automated mail actually sent (the frequency cap counts these)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="sends")
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("automated send")
        verbose_name_plural = _("automated sends")
        indexes = [models.Index(fields=["workspace", "person", "sent_at"], name="asend_ws_person_at")]


class InsightKind(models.TextChoices):
    INTEREST = "interest", _("Interest")
    DOUBT = "doubt", _("Doubt")
    OBJECTION = "objection", _("Objection")
    QUESTION = "question", _("Question")


class Insight(WorkspaceScopedModel):
    """What sales hears, for marketing: one topic, one kind, at one moment."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="insights")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="insights")
    interaction = models.ForeignKey(Interaction, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="insights")
    kind = models.CharField(_("kind"), max_length=10, choices=InsightKind.choices)
    topic = models.CharField(_("topic"), max_length=80)
    note = models.CharField(_("note"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("when"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("insight")
        verbose_name_plural = _("insights")
        indexes = [
            models.Index(fields=["workspace", "occurred_at"], name="insight_ws_at"),
            models.Index(fields=["workspace", "topic", "kind"], name="insight_ws_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.topic}"


STAGE_CHOICES = DealStage.choices
