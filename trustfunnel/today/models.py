"""What a user answered on the Today list: done, snoozed or not relevant, with why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustfunnel.workspaces.models import WorkspaceScopedModel


class FeedbackStatus(models.TextChoices):
    DONE = "done", _("Done")
    SNOOZED = "snoozed", _("Snoozed")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class TodayFeedback(WorkspaceScopedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=15, choices=FeedbackStatus.choices)
    until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("why"), max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Today feedback")
        verbose_name_plural = _("Today feedback")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user", "key"], name="todayfb_once_per_key")
        ]
        indexes = [models.Index(fields=["workspace", "user", "kind"], name="todayfb_ws_user_kind")]
