"""Import runs, the stable-key map that makes re-runs idempotent, saved column
mappings, and the promises proposed from imported mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustfunnel.core.evidence import Actor
from trustfunnel.crm.models import Relationship
from trustfunnel.timeline.models import Interaction, Signal
from trustfunnel.workspaces.models import Workspace, WorkspaceScopedModel


class ImportKind(models.TextChoices):
    PEOPLE = "people", _("People (CSV)")
    ORGANISATIONS = "organisations", _("Organisations (CSV)")
    DEALS = "deals", _("Deals (CSV)")
    INTERACTIONS = "interactions", _("Interactions (CSV)")
    VCARD = "vcard", _("Contacts (vCard)")
    ICS = "ics", _("Calendar (iCalendar)")
    MAIL = "mail", _("Mail (mbox or .eml)")
    UBL = "ubl", _("Invoice (UBL XML)")
    PAYMENTS = "payments", _("Payments (CSV)")


CSV_KINDS = (ImportKind.PEOPLE, ImportKind.ORGANISATIONS, ImportKind.DEALS, ImportKind.INTERACTIONS)


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed: nothing imported")


class OnDuplicate(models.TextChoices):
    MERGE = "merge", _("Merge into the existing record")
    SKIP = "skip", _("Skip the row")
    CREATE = "create", _("Create a new record anyway")


class ImportRun(WorkspaceScopedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    #: Where the uploaded bytes are kept until the run is done (under VAR_DIR/imports).
    source_path = models.CharField(max_length=500, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    preset = models.CharField(_("preset"), max_length=60, blank=True)
    on_duplicate = models.CharField(
        _("duplicates"), max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.MERGE
    )
    #: Atomic (one transaction) or resumable (a commit per batch; a re-run resumes).
    atomic = models.BooleanField(_("all or nothing"), default=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    #: Issues as dicts (file, unit, index, field, message, severity), the first 500.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    #: The first rows as they would be imported, for the preview.
    preview = models.JSONField(default=list, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["workspace", "created_at"], name="importrun_ws_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.FAILED) else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def issues(self) -> list[dict]:
        """The first 100 issues with ``place`` and ``message`` in the active language."""
        from trustfunnel.imports.messages import localized

        return localized(self.errors[:100])

    @property
    def preview_rows(self) -> list[dict]:
        """The preview with its actions and places in the active language."""
        from trustfunnel.imports.messages import localized_preview

        return localized_preview(self.preview)

    @property
    def error_count(self) -> int:
        return sum(1 for e in self.errors if e.get("severity") == "error")


class ImportedRecord(WorkspaceScopedModel):
    """(workspace, source kind, stable key) -> the object it became: re-runs skip it.

    One row per imported row, so its write cost is part of every import's: the
    workspace has no index of its own (the unique key starts with it), and workspace and
    run are references Django keeps (it deletes the records with their workspace and
    clears the run when a run is deleted) rather than foreign keys the database checks
    once per row at commit, which cost as much as writing the row (decision 61).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False,
                                  db_constraint=False)
    source_kind = models.CharField(max_length=20)
    key = models.CharField(max_length=300)
    target_type = models.CharField(max_length=60)  # e.g. "crm.person"
    target_id = models.BigIntegerField()
    # No index: nothing looks records up by run, and a run goes only with its workspace,
    # whose records go too; an index cost every imported row (decision 81).
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            db_constraint=False, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source_kind", "key"], name="imported_record_unique_key"
            )
        ]


class ColumnPreset(WorkspaceScopedModel):
    """A column mapping a firm saved for its own exports."""

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    mapping = models.JSONField(_("column mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("column preset")
        verbose_name_plural = _("column presets")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "name"], name="column_preset_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PromiseStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    KEPT = "kept", _("Kept")
    MISSED = "missed", _("Missed")


class PromiseProposal(WorkspaceScopedModel):
    """A sentence from a mail that reads as a commitment, waiting for a person's word."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="promise_proposals",
        verbose_name=_("relationship"),
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("interaction"),
    )
    text = models.TextField(_("promise"))
    actor = models.CharField(
        _("promised by"), max_length=4, choices=[(Actor.US, _("us")), (Actor.THEM, _("them"))]
    )
    due_date = models.DateField(_("due"))
    due_reason = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.PROPOSED
    )
    made_signal = models.ForeignKey(
        Signal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_signal = models.ForeignKey(
        Signal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("proposed promise")
        verbose_name_plural = _("proposed promises")
        indexes = [
            models.Index(fields=["workspace", "status", "due_date"], name="promise_ws_status_due"),
        ]

    def __str__(self) -> str:
        return self.text[:60]
