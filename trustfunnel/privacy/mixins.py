"""Logging who looked at a person, for pages and API endpoints owned by other apps.

Add :class:`LogPersonViewMixin` to a DetailView or a DRF viewset whose ``get_object``
returns a person (or something with a ``person``: set ``person_attribute``). Every
successful ``get_object`` then leaves a :class:`~trustfunnel.privacy.models.ViewLog`.
"""

from __future__ import annotations

from trustfunnel.privacy.services import log_person_view


class LogPersonViewMixin:
    #: Dotted attribute leading from the object to the person ("" = the object itself).
    person_attribute: str = ""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        person = obj
        for name in filter(None, self.person_attribute.split(".")):
            person = getattr(person, name, None)
        if person is not None:
            log_person_view(self.request, person)
        return obj
