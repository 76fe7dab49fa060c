"""The people search: one expression, one trigram index.

A search word must appear in the first name, the last name or the e-mail address. On
PostgreSQL that was three ``icontains`` conditions served by three trigram GIN
indexes, and every imported person paid for all three (decision 78). Now the three
columns are joined by a space into one text, :class:`PersonSearchText`, and the word is
looked for there: a word holds no space, so it matches inside one column exactly when
one of the three conditions did, and a phrase ("Anna de Vries") may now span first and
last name. Migration crm 0005 indexes ``UPPER(that text)`` with ``gin_trgm_ops``,
which is what Django writes for ``icontains`` on it; SQLite reads the rows as before.
"""

from __future__ import annotations

from django.db.models import F, Func, QuerySet, TextField

__all__ = ["PersonSearchText", "SEARCH_INDEX", "search_people"]

#: The trigram index on the search text (PostgreSQL with pg_trgm; crm 0005).
SEARCH_INDEX = "person_search_trgm"


class PersonSearchText(Func):
    """``(first_name || ' ' || last_name || ' ' || email)``, spelled exactly as the index
    expression of migration crm 0005 (the planner matches expressions, not meanings)."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self, prefix: str = "") -> None:
        super().__init__(F(f"{prefix}first_name"), F(f"{prefix}last_name"), F(f"{prefix}email"))


def search_people(queryset: QuerySet, words) -> QuerySet:
    """People of ``queryset`` whose search text contains every one of ``words``
    (case-insensitive)."""
    words = [word for word in words if word]
    if not words:
        return queryset
    queryset = queryset.alias(search_text=PersonSearchText())
    for word in words:
        queryset = queryset.filter(search_text__icontains=word)
    return queryset
