"""vCard 2.1, 3.0 and 4.0 to :class:`ContactRecord`.

Decision: an own parser rather than vobject, which rejects common 2.1 files (bare
parameters such as ``TEL;CELL``, quoted-printable soft breaks, 8-bit bytes without a
CHARSET). What it handles: folded lines (a continuation's first space or tab is
removed, a second one is data), quoted-printable with ``=`` soft breaks, CHARSET
parameters, 8-bit values without charset (UTF-8, else cp1250/cp1252 by a heuristic),
``\\,`` ``\\;`` ``\\n`` escapes, quoted parameter values, ``tel:`` URIs. Photos, logos,
sounds and keys are skipped with a note.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass

from trustfunnel.core.importing.records import ContactRecord, ImportFileError, Issue, Location, Text
from trustfunnel.core.importing.text import decode_8bit

__all__ = ["parse_vcards", "VCardResult"]

_BINARY_PROPERTIES = {"PHOTO", "LOGO", "SOUND", "KEY"}


@dataclass(frozen=True, slots=True)
class VCardResult:
    contacts: tuple[ContactRecord, ...]
    issues: tuple[Issue, ...]


@dataclass(frozen=True, slots=True)
class _Property:
    name: str
    params: dict[str, list[str]]
    raw_value: bytes
    line: int


def parse_vcards(data: bytes, file: str) -> VCardResult:
    if b"BEGIN:VCARD" not in data.upper():
        raise ImportFileError(Location(file, "line", 1), Text("no BEGIN:VCARD found: not a vCard file."))
    contacts: list[ContactRecord] = []
    issues: list[Issue] = []
    for number, (_start_line, props, unreadable) in enumerate(_cards(_logical_lines(data), file), start=1):
        location = Location(file, "card", number)
        record, notes = _contact(props, location)
        issues.extend(notes)
        issues.extend(Issue(location, Text("line {line}: not a vCard property; ignored.", line=line), "note")
                      for line in unreadable)
        if record is None:
            issues.append(Issue(location, Text("the card has no name, e-mail or organisation; skipped.")))
        else:
            contacts.append(record)
    return VCardResult(tuple(contacts), tuple(issues))


def _logical_lines(data: bytes):
    """(line number, bytes) with folding and quoted-printable soft breaks undone."""
    raw_lines = re.split(rb"\r\n|\n|\r(?!\n)", data)
    current: bytearray | None = None
    current_line = 0
    qp_continues = False
    for number, raw in enumerate(raw_lines, start=1):
        if current is not None and raw[:1] in (b" ", b"\t"):
            current += raw[1:]
            continue
        if current is not None and qp_continues:
            current += raw
            qp_continues = raw.endswith(b"=")
            if qp_continues:
                del current[-1]
            continue
        if current is not None:
            yield current_line, bytes(current)
        current, current_line = bytearray(raw), number
        head = raw.split(b":", 1)[0].upper()
        qp_continues = b"QUOTED-PRINTABLE" in head and raw.endswith(b"=") and b":" in raw
        if qp_continues:
            del current[-1]
    if current is not None:
        yield current_line, bytes(current)


def _cards(lines, file: str):
    props: list[_Property] | None = None
    unreadable: list[int] = []
    start = 0
    for number, line in lines:
        if not line.strip():
            continue
        upper = line.strip().upper()
        if upper == b"BEGIN:VCARD":
            props, start, unreadable = [], number, []
            continue
        if upper == b"END:VCARD":
            if props is not None:
                yield start, props, unreadable
            props = None
            continue
        if props is None:
            continue  # text between cards
        prop = _parse_property(line, number)
        if prop is not None:
            props.append(prop)
        else:
            unreadable.append(number)
    if props:
        yield start, props, unreadable  # a last card without END:VCARD


def _parse_property(line: bytes, number: int) -> _Property | None:
    head, sep, value = _split_outside_quotes(line, b":")
    if not sep:
        return None
    parts = _split_all_outside_quotes(head, b";")
    name = parts[0].decode("ascii", "replace").strip().upper().split(".")[-1]
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        text = part.decode("latin-1").strip()
        if not text:
            continue
        key, eq, val = text.partition("=")
        if not eq:  # vCard 2.1 bare parameter: TEL;CELL;PREF
            key, val = ("ENCODING", text) if text.upper() in ("QUOTED-PRINTABLE", "BASE64", "8BIT") else ("TYPE", text)
        values = [v.strip().strip('"') for v in val.strip('"').split(",")]
        params.setdefault(key.upper(), []).extend(v for v in values if v)
    return _Property(name, params, value, number)


def _split_outside_quotes(data: bytes, sep: bytes) -> tuple[bytes, bytes, bytes]:
    quoted = False
    for i in range(len(data)):
        char = data[i : i + 1]
        if char == b'"':
            quoted = not quoted
        elif char == sep and not quoted:
            return data[:i], sep, data[i + 1 :]
    return data, b"", b""


def _split_all_outside_quotes(data: bytes, sep: bytes) -> list[bytes]:
    parts = []
    rest = data
    while True:
        head, found, rest = _split_outside_quotes(rest, sep)
        parts.append(head)
        if not found:
            return parts


def _text(prop: _Property) -> str:
    encoding = " ".join(prop.params.get("ENCODING", [])).upper()
    charset = (prop.params.get("CHARSET") or [None])[0]
    raw = prop.raw_value
    if "QUOTED-PRINTABLE" in encoding:
        raw = quopri.decodestring(raw)
    return decode_8bit(raw, charset)


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\,;nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _components(value: str) -> list[str]:
    """Split a structured value (N, ADR, ORG) on unescaped semicolons."""
    return [_unescape(part).strip() for part in re.split(r"(?<!\\);", value)]


def _first(props: list[_Property], name: str) -> _Property | None:
    candidates = [p for p in props if p.name == name]
    preferred = [
        p for p in candidates
        if "PREF" in (t.upper() for t in p.params.get("TYPE", [])) or p.params.get("PREF") == ["1"]
    ]
    return (preferred or candidates or [None])[0]


def _contact(props: list[_Property], location: Location) -> tuple[ContactRecord | None, list[Issue]]:
    notes = []
    for prop in props:
        if prop.name in _BINARY_PROPERTIES and prop.raw_value.strip():
            notes.append(Issue(location.with_field(prop.name), Text("ignored (photos, logos, sounds and keys are not imported)."), "note"))
    values: dict[str, str] = {}
    n = _first(props, "N")
    if n is not None:
        parts = _components(_text(n)) + [""] * 5
        values["last_name"], values["first_name"] = parts[0], " ".join(p for p in parts[1:3] if p)
    fn = _first(props, "FN")
    if fn is not None and not (values.get("last_name") or values.get("first_name")):
        full = _unescape(_text(fn)).strip()
        first, _, last = full.rpartition(" ")
        values["first_name"], values["last_name"] = first, last
    email = _first(props, "EMAIL")
    if email is not None:
        values["email"] = _text(email).strip().removeprefix("mailto:")
    tel = _first(props, "TEL")
    if tel is not None:
        values["phone"] = _text(tel).strip().removeprefix("tel:").split(";")[0]
    org = _first(props, "ORG")
    if org is not None:
        values["organization"] = _components(_text(org))[0]
    title = _first(props, "TITLE")
    if title is not None:
        values["job_title"] = _unescape(_text(title)).strip()
    adr = _first(props, "ADR")
    if adr is not None:
        parts = _components(_text(adr)) + [""] * 7
        values["country"] = parts[6]
    url = _first(props, "URL")
    if url is not None:
        values["website"] = _text(url).strip()
    note = _first(props, "NOTE")
    if note is not None:
        values["notes"] = _unescape(_text(note)).strip()
    uid = _first(props, "UID")
    if uid is not None:
        values["uid"] = _text(uid).strip()
    record = ContactRecord(location=location, **values)
    if not (record.has_person or record.organization):
        return None, notes
    return record, notes
