"""Roles and what each may change.

One table, read by the page mixins, the API permission and the services, so a rule is
written once. Reading is open to every member of a workspace; changing is not.
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    VIEWER = "viewer", _("Viewer")


class Capability(enum.StrEnum):
    EDIT_CONTACTS = "edit_contacts"  # organisations and people
    EDIT_RELATIONSHIPS = "edit_relationships"  # relationships and deals
    LOG_TIMELINE = "log_timeline"  # interactions, signals, exchanges
    EDIT_MARKETING = "edit_marketing"  # content, segments, campaigns
    SEE_RELIABILITY = "see_reliability"  # client reliability record
    MANAGE_WORKSPACE = "manage_workspace"  # members, settings


_ALL = frozenset(Capability)
CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL,
    Role.SALES: frozenset(
        {
            Capability.EDIT_CONTACTS,
            Capability.EDIT_RELATIONSHIPS,
            Capability.LOG_TIMELINE,
            Capability.SEE_RELIABILITY,
        }
    ),
    Role.MARKETING: frozenset({Capability.EDIT_CONTACTS, Capability.EDIT_MARKETING}),
    Role.VIEWER: frozenset(),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())
