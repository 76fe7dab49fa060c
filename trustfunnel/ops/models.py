"""Installation-level state of the background machinery (not workspace data).

The scheduler remembers when it last enqueued each periodic job here, so a restart
(or a second scheduler on another machine) neither skips nor doubles a run.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJobState(models.Model):
    name = models.CharField(_("job"), max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    last_result_id = models.CharField(_("last task result"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled job state")
        verbose_name_plural = _("scheduled job states")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_enqueued_at}"
