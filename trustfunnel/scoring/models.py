"""The cached trust and reciprocity state of a relationship.

A cache of the timeline, never the source of truth: the listeners fold each new signal
or exchange into it (O(1)), and ``trustfunnel score --all`` recomputes it from the whole
timeline. The fold state (decayed evidence and the moment it refers to) is kept as
compact float arrays; the scores and labels are denormalised beside it for sorting and
filtering lists (they are as of ``scored_at``: evidence decays, so they drift slowly
until the next write or recompute).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from trustfunnel.crm.models import Relationship
from trustfunnel.workspaces.models import WorkspaceScopedModel


class TrustLabel(models.TextChoices):
    UNKNOWN = "unknown", _("unknown")
    LOW = "low", _("low")
    FRAGILE = "fragile", _("fragile")
    SOLID = "solid", _("solid")
    STRONG = "strong", _("strong")


class ReciprocityClass(models.TextChoices):
    UNKNOWN = "unknown", _("not yet known")
    GIVER = "giver", _("giver")
    MATCHER = "matcher", _("matcher")
    TAKER = "taker", _("taker")


class TrustState(WorkspaceScopedModel):
    relationship = models.OneToOneField(
        Relationship, on_delete=models.CASCADE, related_name="trust_state",
        verbose_name=_("relationship"),
    )
    #: Trust fold: POSIX seconds the sums refer to, and 8 floats each (direction-major,
    #: component-minor; see trustfunnel.core.trust.TrustState).
    trust_ref = models.FloatField(null=True, blank=True)
    trust_r = models.JSONField(default=list)
    trust_s = models.JSONField(default=list)
    #: Reciprocity fold: POSIX seconds and 6 floats (trustfunnel.core.reciprocity).
    ledger_ref = models.FloatField(null=True, blank=True)
    ledger = models.JSONField(default=list)

    ours_score = models.FloatField(_("our trust in them"), default=0.5)
    ours_uncertainty = models.FloatField(default=1.0)
    ours_label = models.CharField(max_length=10, choices=TrustLabel.choices, default=TrustLabel.UNKNOWN)
    theirs_score = models.FloatField(_("their trust in us"), default=0.5)
    theirs_uncertainty = models.FloatField(default=1.0)
    theirs_label = models.CharField(max_length=10, choices=TrustLabel.choices, default=TrustLabel.UNKNOWN)
    reciprocity_balance = models.FloatField(_("give-and-take balance"), default=0.0)
    reciprocity_classification = models.CharField(
        max_length=10, choices=ReciprocityClass.choices, default=ReciprocityClass.UNKNOWN
    )
    #: The moment the denormalised figures were read at.
    scored_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trust state")
        verbose_name_plural = _("trust states")
        indexes = [
            models.Index(fields=["workspace", "ours_score", "relationship"], name="trust_ws_ours"),
            models.Index(fields=["workspace", "theirs_score", "relationship"], name="trust_ws_theirs"),
            # Labels follow from the scores: filtering by label uses the score indexes'
            # workspace prefix; fewer indexes keep `score --all`'s bulk UPDATE fast.
        ]

    def __str__(self) -> str:
        return f"trust of relationship {self.relationship_id}"
