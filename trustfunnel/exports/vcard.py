"""vCard 4.0 (RFC 6350) for people: escaping, folding, one card per person."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

MAX_OCTETS = 75


def escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character (RFC 6350 3.2)."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        limit = MAX_OCTETS if not out else MAX_OCTETS - 1  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def person_card(row: dict, *, workspace_slug: str) -> str:
    """``row`` has the Person fields plus ``organization__name`` (a values() row)."""
    first, last = row.get("first_name") or "", row.get("last_name") or ""
    full = f"{first} {last}".strip()
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"UID:urn:trustfunnel:{workspace_slug}:person:{row['id']}",
        f"FN:{escape(full)}",
        f"N:{escape(last)};{escape(first)};;;",
    ]
    if row.get("organization__name"):
        lines.append(f"ORG:{escape(row['organization__name'])}")
    if row.get("job_title"):
        lines.append(f"TITLE:{escape(row['job_title'])}")
    if row.get("email"):
        lines.append(f"EMAIL;TYPE=work:{escape(row['email'])}")
    if row.get("phone"):
        lines.append(f"TEL;TYPE=work;VALUE=uri:tel:{row['phone']}")
    if row.get("language"):
        lines.append(f"LANG:{row['language']}")
    if row.get("country"):
        lines.append(f"ADR;TYPE=work:;;;;;;{escape(str(row['country']))}")
    updated = row.get("updated_at")
    if isinstance(updated, datetime):
        lines.append(f"REV:{updated.astimezone(UTC):%Y%m%dT%H%M%SZ}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


VCARD_FIELDS = (
    "id", "first_name", "last_name", "organization__name", "job_title", "email", "phone",
    "language", "country", "updated_at",
)


def stream_vcards(rows: Iterable[dict], *, workspace_slug: str) -> Iterator[bytes]:
    for row in rows:
        yield person_card(row, workspace_slug=workspace_slug).encode()
