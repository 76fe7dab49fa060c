"""A workspace's own culture scores, loaded with ``trustfunnel culture load FILE``.

The shipped table (trustfunnel/data/hofstede.csv) is read-only and the same for every
workspace. A firm that has licensed data of its own, or disagrees with a score, loads a
file: its rows extend the shipped table (overriding the same countries) or replace it
entirely (:attr:`CultureSource.replaces_shipped`). Missing values stay NULL, never 0.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustfunnel.workspaces.models import WorkspaceScopedModel


class CultureSource(WorkspaceScopedModel):
    """Where a workspace's own scores came from, and whether they replace the shipped ones."""

    name = models.CharField(_("source"), max_length=300)
    replaces_shipped = models.BooleanField(_("replaces the shipped table"), default=False)
    loaded_at = models.DateTimeField(_("loaded"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("culture data source")
        verbose_name_plural = _("culture data sources")
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="culturesource_one_per_ws")
        ]


class CultureScore(WorkspaceScopedModel):
    country = models.CharField(_("country"), max_length=2)
    name = models.CharField(_("name"), max_length=200, blank=True)
    pdi = models.FloatField(_("power distance"), null=True, blank=True)
    idv = models.FloatField(_("individualism"), null=True, blank=True)
    mas = models.FloatField(_("masculinity"), null=True, blank=True)
    uai = models.FloatField(_("uncertainty avoidance"), null=True, blank=True)
    lto = models.FloatField(_("long-term orientation"), null=True, blank=True)
    ivr = models.FloatField(_("indulgence"), null=True, blank=True)
    provenance = models.CharField(_("provenance"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("culture score")
        verbose_name_plural = _("culture scores")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "country"], name="culturescore_ws_country")
        ]

    def __str__(self) -> str:
        return self.country
