"""Finding and removing a person's identifying values in free text and JSON.

Strong needles (full name, e-mail, phone) are removed wherever they occur, in any
letter case. Weak needles (first or last name alone) are removed only as whole words in
their own letter case, so "Mark" goes but "marketing" stays.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

REPLACEMENT = "[erased]"
MIN_WEAK_LENGTH = 4


@dataclass(frozen=True)
class Needles:
    strong: tuple[str, ...]
    weak: tuple[str, ...]

    @classmethod
    def for_person(cls, person) -> Needles:
        strong = {n.strip() for n in (person.full_name, person.email, person.phone) if n and len(n.strip()) >= 3}
        if person.first_name and person.last_name:
            strong.add(f"{person.last_name}, {person.first_name}")
        weak = {
            n.strip()
            for n in (person.first_name, person.last_name)
            if n and len(n.strip()) >= MIN_WEAK_LENGTH
        } - strong
        return cls(tuple(sorted(strong, key=len, reverse=True)), tuple(sorted(weak, key=len, reverse=True)))

    def all(self) -> tuple[str, ...]:
        return self.strong + self.weak

    def search_terms(self) -> set[str]:
        """What to look for with ``icontains``: as typed, and as JSON escapes it."""
        terms = set()
        for needle in self.all():
            terms.add(needle)
            terms.add(json.dumps(needle)[1:-1])
        return terms


def _pattern(needles: Needles) -> re.Pattern | None:
    parts = [f"(?i:{re.escape(n)})" for n in needles.strong]
    parts += [rf"\b{re.escape(n)}\b" for n in needles.weak]
    return re.compile("|".join(parts)) if parts else None


def scrub_text(text: str, needles: Needles) -> str:
    pattern = _pattern(needles)
    if not text or pattern is None:
        return text
    return pattern.sub(REPLACEMENT, text)


def scrub_json(value: Any, needles: Needles) -> Any:
    if isinstance(value, str):
        return scrub_text(value, needles)
    if isinstance(value, list):
        return [scrub_json(item, needles) for item in value]
    if isinstance(value, dict):
        return {scrub_text(str(k), needles): scrub_json(v, needles) for k, v in value.items()}
    return value
