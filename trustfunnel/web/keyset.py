"""Keyset pagination for HTML list pages.

A page is "the next N rows after (sort key, id)" or "the N rows before" it: one
indexed range scan, whatever the depth. No COUNT(*) and no OFFSET, so the people list
costs the same on page 1 and page 2,000 of a 100,000-row table. Pages show "next" and
"previous", never a total.

The cursor is the sort key of the boundary row, JSON in URL-safe base64; a tampered
cursor is ignored (first page) rather than an error.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Concat

__all__ = [
    "KeysetPage",
    "decode_cursor",
    "encode_cursor",
    "keyset_order",
    "paginate_keyset",
    "sort_matches_apart",
]

_SORT_APART = "tf_sort_matches_apart"
#: Shorter search words match too many rows for sorting them apart to pay (and give
#: a trigram index nothing to work with).
SELECTIVE_WORD_LENGTH = 3


def sort_matches_apart(queryset: QuerySet, words) -> QuerySet:
    """Mark a searched ``queryset`` so its page is sorted after the search, not read in
    index order.

    With ``ORDER BY last_name ... LIMIT 51`` PostgreSQL walks the name index and tests
    every row until 51 match: fast for a common word, a whole-table walk for a rare one
    (180 ms for "Yamamoto" in 100,000 people). Ordering by an expression of the same
    value lets it fetch the matches through the trigram index (migration crm 0005)
    and sort those few instead (about 1 ms). Only on PostgreSQL and when every word has
    at least ``SELECTIVE_WORD_LENGTH`` characters; the order itself is the same.
    """
    words = list(words)
    if not words or any(len(word) < SELECTIVE_WORD_LENGTH for word in words):
        return queryset
    if connections[queryset.db].vendor != "postgresql":
        # No trigram index: walking the name index in order and stopping at the 51st
        # match is the best SQLite can do (sorting apart would read every row).
        return queryset
    queryset = queryset.all()
    setattr(queryset.query, _SORT_APART, True)  # Query.clone() keeps it
    return queryset


def keyset_order(queryset: QuerySet, ordering) -> list:
    """``order_by`` arguments for ``ordering``; the leading text field as an expression
    (same order, no index) for a queryset marked by :func:`sort_matches_apart`."""
    ordering = list(ordering)
    if not getattr(queryset.query, _SORT_APART, False) or not ordering:
        return ordering
    first = ordering[0].lstrip("-")
    if not isinstance(queryset.model._meta.get_field(first), CharField):
        return ordering
    expression = Concat(F(first), Value(""), output_field=CharField())
    lead = expression.desc() if ordering[0].startswith("-") else expression.asc()
    return [lead, *ordering[1:]]


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, width: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != width:
        return None
    if any(not isinstance(v, str | int | float) for v in values):
        return None
    return values


def _beyond(fields: list[str], values: list[Any], *, forward: bool) -> Q:
    """Rows strictly after ``values`` in the ordering ``fields`` (reversed if not forward).

    (a, b, c) > (x, y, z)  ==  a > x  OR  (a = x AND b > y)  OR  (a = x AND b = y AND c > z)
    """
    # The leading term repeats the first key as a plain range (a >= x), which lets the
    # database start an index range scan there instead of reading the OR from the top.
    first = fields[0]
    lead_op = "gte" if (not first.startswith("-")) == forward else "lte"
    condition = Q()
    for i, field in enumerate(fields):
        name = field.lstrip("-")
        ascending = not field.startswith("-")
        op = "gt" if ascending == forward else "lt"
        term = Q(**{f"{name}__{op}": values[i]})
        for prev_field, prev_value in zip(fields[:i], values[:i], strict=True):
            term &= Q(**{prev_field.lstrip("-"): prev_value})
        condition |= term
    return Q(**{f"{first.lstrip('-')}__{lead_op}": values[0]}) & condition


def _reverse(fields: list[str]) -> list[str]:
    return [f[1:] if f.startswith("-") else f"-{f}" for f in fields]


def _key(row, fields: list[str]) -> list[Any]:
    values = []
    for field in fields:
        name = field.lstrip("-")
        value = row[name] if isinstance(row, dict) else getattr(row, name)  # values() rows too
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return values


def paginate_keyset(
    queryset: QuerySet,
    ordering: list[str],
    *,
    after: str | None = None,
    before: str | None = None,
    page_size: int = 50,
) -> KeysetPage:
    """One page of ``queryset`` in ``ordering`` (whose last field must be unique, e.g. id).

    Sort fields must not be NULL (a NULL breaks the row-value comparison).
    """
    after_key = decode_cursor(after, len(ordering))
    before_key = None if after_key else decode_cursor(before, len(ordering))
    if before_key is not None:
        chunk = list(
            queryset.filter(_beyond(ordering, before_key, forward=False))
            .order_by(*keyset_order(queryset, _reverse(ordering)))[: page_size + 1]
        )
        has_previous = len(chunk) > page_size
        rows = list(reversed(chunk[:page_size]))
        has_next = True  # we came from there
    else:
        qs = queryset
        if after_key is not None:
            qs = qs.filter(_beyond(ordering, after_key, forward=True))
        chunk = list(qs.order_by(*keyset_order(qs, ordering))[: page_size + 1])
        has_next = len(chunk) > page_size
        rows = chunk[:page_size]
        has_previous = after_key is not None
    return KeysetPage(
        rows=rows,
        next_cursor=encode_cursor(_key(rows[-1], ordering)) if has_next and rows else None,
        previous_cursor=encode_cursor(_key(rows[0], ordering)) if has_previous and rows else None,
    )
