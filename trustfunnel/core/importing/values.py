"""Reading dates, times and amounts as people type them in spreadsheets."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation

from trustfunnel.core.importing.records import Text, TextError

__all__ = ["parse_date", "parse_datetime", "parse_amount"]

_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%Y", "%d-%m-%y")


def parse_date(text: str) -> date:
    """ISO first, then the European day-first forms; ``ValueError`` names the value."""
    value = text.strip()
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})[T ]", value)
    if iso:
        value = iso.group(1)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise TextError(Text("{value!r} is not a date (use YYYY-MM-DD or DD-MM-YYYY).", value=text))


def parse_datetime(text: str, *, zone: tzinfo = UTC) -> datetime:
    """ISO 8601 (with or without zone), or a date (taken as 09:00) in ``zone``."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for fmt in ("%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"):
            try:
                parsed = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        else:
            parsed = datetime.combine(parse_date(value), time(9, 0))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def parse_amount(text: str) -> Decimal:
    """"1.234,50", "1,234.50", "€ 1234" and "1234.5" all read; the last separator
    followed by one or two digits is the decimal one."""
    value = re.sub(r"[^\d,.\-]", "", text.strip())
    if not value or value in "-.,":
        raise TextError(Text("{value!r} is not an amount.", value=text))
    match = re.search(r"[.,](\d{1,2})$", value)
    if match:
        whole = re.sub(r"[.,]", "", value[: match.start()])
        value = f"{whole}.{match.group(1)}"
    else:
        value = re.sub(r"[.,]", "", value)
    try:
        return Decimal(value)
    except InvalidOperation:
        raise TextError(Text("{value!r} is not an amount.", value=text)) from None
