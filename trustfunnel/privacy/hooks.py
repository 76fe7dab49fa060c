"""Extension points of the privacy app, for the other apps.

- Erasure: append ``fn(person, *, actor)`` to ``trustfunnel.web.registry.erasure_handlers``
  (see docs/privacy.md). It runs inside the erasure's transaction, *before* the person's
  own fields are blanked, so it can still find its rows by e-mail or name.
- Subject access: append ``fn(person) -> dict[str, list[dict]]`` to
  :data:`subject_access_sections`: each key is a section title, each value the rows the
  app holds on the person as JSON-ready dicts. The report includes them as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

subject_access_sections: list[Callable[[Any], dict[str, list[dict]]]] = []


def register_subject_access_section(fn: Callable[[Any], dict[str, list[dict]]]) -> None:
    if fn not in subject_access_sections:
        subject_access_sections.append(fn)
