"""The privacy panel on the relationship page: the counterpart's lawful basis at a glance."""

from __future__ import annotations

from trustfunnel.privacy.models import ErasureRecord
from trustfunnel.privacy.services import current_bases


def panel_context(request, relationship, membership) -> dict:
    """Two queries: the person's latest event per purpose, and whether they were erased."""
    person = relationship.person if relationship.person_id else None
    if person is None:
        return {"privacy_person": None}
    return {
        "privacy_person": person,
        "privacy_bases": sorted(current_bases(person).values(), key=lambda e: e.purpose),
        "privacy_erased": ErasureRecord.objects.filter(person_id=person.pk).exists(),
    }
