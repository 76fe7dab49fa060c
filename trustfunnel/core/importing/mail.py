"""Mail (.eml and mbox) to :class:`MailRecord`.

Parsed with the stdlib ``email`` package in ``compat32`` mode, which never raises on
access, and every header is decoded by hand: RFC 2047 words in any charset (GB2312 read
as its superset GB18030), raw 8-bit bytes (UTF-8, else cp1252), folded lines with blank
continuations. A body part whose declared charset lies (UTF-8 labelled GB2312) is read
as UTF-8 when it is valid UTF-8. mbox files are split while streaming, so a 100 MB
mailbox is read in constant memory.
"""

from __future__ import annotations

import email
import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import UTC
from email import policy
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from trustfunnel.core.importing.records import ImportFileError, Location, MailRecord, Text
from trustfunnel.core.importing.text import decode_8bit

__all__ = ["is_mbox", "split_mbox", "parse_message", "iter_messages"]

_SURROGATES = re.compile("[\udc80-\udcff]")
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "ks_c_5601-1987": "cp949"}
_MAX_BODY = 20_000


def is_mbox(head: bytes) -> bool:
    return head.startswith(b"From ")


def split_mbox(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Raw messages of an mbox, split on ``From `` lines that follow a blank line."""
    current: list[bytes] = []
    previous_blank = True
    for line in lines:
        if line.startswith(b"From ") and previous_blank:
            if current:
                yield b"".join(current)
            current = []
        else:
            current.append(line[1:] if line.startswith(b">From ") else line)
        previous_blank = not line.strip()
    if current:
        yield b"".join(current)


def iter_messages(lines: Iterable[bytes], file: str, *, first_line: bytes) -> Iterator[tuple[int, bytes]]:
    """(message number, raw bytes) for an mbox or a single .eml."""
    if is_mbox(first_line):
        yield from enumerate(split_mbox(lines), start=1)
    else:
        yield 1, b"".join(lines)


def _charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip('"').lower()
    return _CHARSET_ALIASES.get(name, name)


def header_text(message: Message, name: str) -> str:
    # raw_items gives the header as parsed (8-bit bytes kept as surrogates), where
    # get() would hand back a Header that turns them into replacement characters.
    value = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    if value is None:
        return ""
    value = str(value)
    if not value.isascii() and _SURROGATES.search(value):  # raw 8-bit bytes in a header
        value = decode_8bit(value.encode("ascii", "surrogateescape"))
    value = re.sub(r"\s*\r?\n\s*", " ", value).strip()
    try:
        parts = decode_header(value)
    except Exception:  # noqa: BLE001 - a malformed encoded word: keep the raw text
        return value
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            chunk = decode_8bit(chunk, _charset(charset))
        out.append(chunk)
    return "".join(out).strip()


_HEADER_LINE = re.compile(rb"^[!-9;-~]+:|^[ \t]")


def _drop_broken_header_lines(raw: bytes) -> tuple[bytes, list[str]]:
    """Header lines that are neither ``Name: value`` nor a continuation would end the
    header block early (and take Date, Subject ... into the body): drop them."""
    match = re.search(rb"\r?\n\r?\n", raw)
    head, rest = (raw[: match.start()], raw[match.start():]) if match else (raw, b"")
    lines = re.split(rb"(?<=\n)", head)
    kept, dropped = [], []
    for line in lines:
        if not line or _HEADER_LINE.match(line) or not line.strip():
            kept.append(line)
        else:
            dropped.append(line.strip().decode("ascii", "replace")[:80])
    return b"".join(kept) + rest, dropped


def _message_ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


def _body(message: Message, notes: list[str]) -> str:
    plain = html = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001
            notes.append(Text("a body part could not be decoded."))
            continue
        text = _decode_body(payload, _charset(part.get_content_charset()))
        if ctype == "text/plain" and plain is None:
            plain = text
        elif ctype == "text/html" and html is None:
            html = re.sub(r"<[^>]+>", " ", text)
    return (plain if plain is not None else html or "")[:_MAX_BODY]


def _decode_body(payload: bytes, charset: str | None) -> str:
    if not payload.isascii():
        try:
            return payload.decode("utf-8")  # a lying label: valid UTF-8 is UTF-8
        except UnicodeDecodeError:
            pass
    return decode_8bit(payload, charset)


def parse_message(raw: bytes, location: Location) -> MailRecord:
    if not raw.strip():
        raise ImportFileError(location, Text("the message is empty."))
    raw, dropped = _drop_broken_header_lines(raw)
    message = email.message_from_bytes(raw, policy=policy.compat32)
    if not message.keys():
        raise ImportFileError(location, Text("no mail headers found: not an e-mail message."))
    notes: list[str] = [f"header line {line!r} is not a header; ignored." for line in dropped]
    for defect in message.defects:
        notes.append(Text("malformed message: {defect}.", defect=type(defect).__name__))
    sender_name, sender = parseaddr(header_text(message, "From"))
    recipients = tuple(
        addr.lower()
        for _, addr in getaddresses([header_text(message, "To"), header_text(message, "Cc")])
        if "@" in addr
    )
    sent_at = None
    date_text = header_text(message, "Date")
    if date_text:
        try:
            sent_at = parsedate_to_datetime(date_text)
            if sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            notes.append(Text("unreadable Date header {value!r}.", value=date_text))
    subject = header_text(message, "Subject")
    body = _body(message, notes)
    ids = _message_ids(header_text(message, "Message-ID"))
    message_id = ids[0] if ids else _fallback_id(sender, date_text, subject, body)
    references = _message_ids(header_text(message, "References"))
    reply_to = _message_ids(header_text(message, "In-Reply-To"))
    thread_key = (references or reply_to or [message_id])[0]
    return MailRecord(
        location=location,
        message_id=message_id,
        sent_at=sent_at,
        subject=subject,
        sender=sender.lower(),
        sender_name=sender_name,
        recipients=recipients,
        body=body,
        thread_key=thread_key,
        notes=tuple(notes),
    )


def _fallback_id(sender: str, date_text: str, subject: str, body: str) -> str:
    digest = hashlib.sha256("\0".join([sender, date_text, subject, body[:2000]]).encode())
    return f"sha256:{digest.hexdigest()[:40]}"


