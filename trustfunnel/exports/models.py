"""The secret behind a user's calendar feed URL.

Calendar apps cannot log in, so the feed URL itself carries a secret. It is per user and
workspace, separate from the API token (a leaked feed URL reveals follow-up dates, not
write access), stored only as a SHA-256 digest, and revocable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustfunnel.workspaces.models import WorkspaceScopedModel


class CalendarFeedToken(WorkspaceScopedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")
        indexes = [models.Index(fields=["workspace", "user"], name="feedtoken_ws_user")]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
