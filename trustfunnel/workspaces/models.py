"""Workspaces (one firm each), memberships with a role, and the scoping base.

Every domain row belongs to exactly one workspace. Scoping is one mechanism:
:class:`WorkspaceScopedModel` gives each model a ``workspace`` foreign key and a
queryset with :meth:`WorkspaceQuerySet.for_workspace`; the page mixins and the API base
viewset call it with ``request.workspace`` (set by the middleware) and nothing else
filters by workspace by hand. The workspace id leads every composite index so the
tables can later be distributed by it (Citus, see docs/operations.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from trustfunnel.workspaces.roles import Capability, Role, role_can


class Workspace(models.Model):
    """One firm: the unit of tenancy."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    home_country = CountryField(_("home country"), default="NL")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    #: E-mail domains of the firm, to tell our mails from theirs in imports.
    domains = models.JSONField(_("e-mail domains"), default=list, blank=True)
    #: Overrides of the engine parameters (trustfunnel.core.params), nested mapping.
    params = models.JSONField(_("engine parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one workspace; a user may belong to several."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")
        ]
        indexes = [models.Index(fields=["user", "workspace"], name="membership_user_ws")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.role})"

    def can(self, capability: Capability) -> bool:
        return role_can(self.role, capability)


class WorkspaceQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace | int) -> WorkspaceQuerySet:
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        return self.filter(workspace_id=workspace_id)


class WorkspaceScopedModel(models.Model):
    """Base of every domain model: the row belongs to one workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditEntry(WorkspaceScopedModel):
    """Who changed what: every write through a service leaves one entry."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80)  # dotted key, e.g. "crm.person.created"
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["workspace", "at"], name="audit_ws_at"),
            models.Index(fields=["workspace", "object_type", "object_id"], name="audit_ws_object"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"
