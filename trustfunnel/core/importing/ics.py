"""iCalendar (.ics) events to :class:`MeetingRecord` occurrences.

Uses ``icalendar`` to parse and ``recurring-ical-events`` to expand a series into its
occurrences up to ``now`` (overrides by RECURRENCE-ID and cancelled occurrences are
respected). Before parsing, the text is repaired where real exports break the RFC:
Latin-1 bytes, spaces inside RRULE values (Exchange's ``BYDAY=MO, TU``), and spaces
left inside ``mailto:`` addresses by indented continuation lines. Time zones that
``icalendar`` cannot resolve fall back to the VTIMEZONE's offsets or to UTC, with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from trustfunnel.core.importing.records import (
    Attendee,
    ImportFileError,
    Issue,
    Location,
    MeetingRecord,
    Text,
)
from trustfunnel.core.importing.text import decode_text

__all__ = ["parse_calendar", "CalendarResult"]

#: How far back a series is expanded (a calendar from 1990 with a daily rule).
EARLIEST = datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class CalendarResult:
    meetings: tuple[MeetingRecord, ...]
    issues: tuple[Issue, ...]


def _repair(text: str) -> str:
    text = re.sub(r"\r\n|\r", "\n", text)
    text = re.sub(r"\n[ \t]", "", text)  # unfold
    fixed = []
    for line in text.split("\n"):
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        if name in ("RRULE", "EXRULE"):
            line = re.sub(r"\s+", "", line)
        elif name in ("ATTENDEE", "ORGANIZER") and ":" in line:
            head, _, value = _split_value(line)
            line = head + ":" + re.sub(r"\s+", "", value)
        fixed.append(line)
    return "\r\n".join(_fold(line) for line in fixed)


def _split_value(line: str) -> tuple[str, str, str]:
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:i], ":", line[i + 1 :]
    return line, "", ""


def _fold(line: str) -> str:
    return line  # icalendar accepts long lines


def parse_calendar(data: bytes, file: str, *, now: datetime, zone: tzinfo | None = None) -> CalendarResult:
    """Occurrences that started before ``now``; cancelled ones are returned marked.
    Floating times and all-day events are read in ``zone`` (default: ``now``'s zone)."""
    zone = zone or now.tzinfo or UTC
    import icalendar
    import recurring_ical_events

    text, _encoding = decode_text(data)
    if "BEGIN:VCALENDAR" not in text.upper():
        raise ImportFileError(Location(file, "line", 1), Text("no BEGIN:VCALENDAR found: not an iCalendar file."))
    try:
        calendar = icalendar.Calendar.from_ical(_repair(text))
    except (ValueError, KeyError) as exc:
        raise ImportFileError(Location(file, "line", None), Text("not a readable calendar ({detail}).", detail=str(exc))) from None
    issues: list[Issue] = []
    events = list(calendar.walk("VEVENT"))
    if not events:
        issues.append(Issue(Location(file, "event", None), Text("the calendar holds no events."), "note"))
    broken = _broken_events(events, file)
    if broken:
        issues.extend(issue for _, issue in broken)
        skip = {id(event) for event, _ in broken}
        calendar.subcomponents = [c for c in calendar.subcomponents if id(c) not in skip]
        events = [e for e in events if id(e) not in skip]
    until = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
    try:
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).between(EARLIEST, until)
    except Exception as exc:  # noqa: BLE001 - the library raises many kinds; name the file
        raise ImportFileError(Location(file, "event", None), Text("the recurrence rules cannot be expanded ({detail}).", detail=str(exc))) from None
    # recurring-ical-events drops cancelled occurrences of a series only when EXDATE'd;
    # overrides with STATUS:CANCELLED come back and are marked below.
    order = {id(e): i for i, e in enumerate(events, start=1)}
    meetings = []
    for occurrence in occurrences:
        index = _event_index(occurrence, events, order)
        location = Location(file, "event", index)
        try:
            meetings.append(_meeting(occurrence, location, zone))
        except ImportFileError as exc:
            issues.append(exc.as_issue())
    meetings.sort(key=lambda m: (m.starts_at, m.uid))
    return CalendarResult(tuple(meetings), tuple(issues))


def _broken_events(events, file: str) -> list[tuple[object, Issue]]:
    """Events whose start, end or rule cannot be read: reported with their number, so
    nothing is dropped silently (the library would skip them or fail the file)."""
    broken = []
    for index, event in enumerate(events, start=1):
        errors = list(getattr(event, "errors", []) or [])
        start = event.get("DTSTART")
        if start is None:
            errors.append(("DTSTART", Text("the event has no start")))
        for name in ("DTSTART", "DTEND", "RRULE", "RECURRENCE-ID", "DURATION"):
            value = event.get(name)
            if value is not None and type(value).__name__ == "vBroken" and not any(e[0] == name for e in errors):
                errors.append((name, Text("unreadable value {value!r}", value=str(value)[:40])))
        if errors:
            field, problem = errors[0]
            broken.append((event, Issue(Location(file, "event", index, str(field)),
                                        Text("{summary} — {problem}; the event is not imported.",
                                             summary=str(event.get('SUMMARY', ''))[:60], problem=problem))))
    return broken


def _event_index(occurrence, events, order) -> int | None:
    uid = str(occurrence.get("UID", ""))
    for event in events:
        if str(event.get("UID", "")) == uid and str(event.get("SUMMARY", "")) == str(occurrence.get("SUMMARY", "")):
            return order[id(event)]
    return None


def _as_datetime(value, location: Location, field: str, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating time: the firm's own zone
            return value.replace(tzinfo=zone)
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(9, 0), tzinfo=zone)
    raise ImportFileError(location.with_field(field), Text("not a date or time."))


def _meeting(event, location: Location, zone: tzinfo) -> MeetingRecord:
    start_prop = event.get("DTSTART")
    if start_prop is None:
        raise ImportFileError(location.with_field("DTSTART"), Text("the event has no start."))
    starts = _as_datetime(start_prop.dt, location, "DTSTART", zone)
    end_prop = event.get("DTEND")
    ends = _as_datetime(end_prop.dt, location, "DTEND", zone) if end_prop is not None else None
    if ends is None and event.get("DURATION") is not None:
        duration = event.get("DURATION").dt
        ends = starts + duration if isinstance(duration, timedelta) else None
    uid = str(event.get("UID") or "")
    recurrence = event.get("RECURRENCE-ID")
    recurrence_id = ""
    if recurrence is not None or event.get("RRULE") is not None:
        recurrence_id = starts.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if not uid:
        # No UID (Thunderbird exports): a stable key from what the event says.
        uid = f"nouid:{starts.isoformat()}:{event.get('SUMMARY', '')}"
    attendees = tuple(_attendee(a) for a in _as_list(event.get("ATTENDEE")))
    organizer = _address(event.get("ORGANIZER"))
    status = str(event.get("STATUS") or "").upper()
    return MeetingRecord(
        location=location,
        uid=uid,
        starts_at=starts,
        ends_at=ends,
        summary=str(event.get("SUMMARY") or ""),
        description=str(event.get("DESCRIPTION") or ""),
        organizer=organizer,
        attendees=attendees,
        cancelled=status == "CANCELLED",
        recurrence_id=recurrence_id,
    )


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _address(value) -> str:
    if value is None:
        return ""
    return re.sub(r"^mailto:", "", str(value).strip(), flags=re.IGNORECASE).lower()


def _attendee(value) -> Attendee:
    params = getattr(value, "params", {})
    return Attendee(
        email=_address(value),
        name=str(params.get("CN", "")),
        partstat=str(params.get("PARTSTAT", "")).upper(),
    )
