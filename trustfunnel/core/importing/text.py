"""Decoding bytes of unknown encoding.

Decision (docs/decisions.md): no charset detector library. The files we meet are UTF-8
(with or without BOM) or Windows-1252/Latin-1; non-ASCII text that is valid UTF-8 is
almost never anything else, so "valid UTF-8, else Windows-1252" decides well. Bytes
Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are read as Latin-1.
"""

from __future__ import annotations

import codecs

__all__ = ["UTF8_BOM", "detect_encoding", "decode_text", "decode_line", "decode_8bit"]

UTF8_BOM = codecs.BOM_UTF8


def _cp1252_or_latin1(error: UnicodeDecodeError):
    chunk = error.object[error.start : error.end]
    return chunk.decode("latin-1"), error.end


codecs.register_error("tf_latin1", _cp1252_or_latin1)


def detect_encoding(sample: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp1252`` for a sample of a file's start."""
    if sample.startswith(UTF8_BOM):
        body = sample[len(UTF8_BOM) :]
        return "utf-8-sig" if _is_utf8(body) else "cp1252"
    return "utf-8" if _is_utf8(sample) else "cp1252"


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample cut in the middle of a multi-byte character is still UTF-8.
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"
    return True


def decode_line(raw: bytes, encoding: str) -> str:
    """One line in the file's encoding; a stray non-UTF-8 line falls back to cp1252."""
    if encoding.startswith("utf-8"):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="tf_latin1")
    return raw.decode("cp1252", errors="tf_latin1")


def decode_text(data: bytes) -> tuple[str, str]:
    """The whole text and the encoding used."""
    encoding = detect_encoding(data)
    if encoding == "utf-8-sig":
        return data[len(UTF8_BOM) :].decode("utf-8"), encoding
    if encoding == "utf-8":
        return data.decode("utf-8"), encoding
    return data[len(UTF8_BOM) :].decode("cp1252", errors="tf_latin1") if data.startswith(
        UTF8_BOM
    ) else data.decode("cp1252", errors="tf_latin1"), encoding


def decode_8bit(raw: bytes, charset: str | None = None) -> str:
    """Bytes with a declared (or no) charset: the declared one, then UTF-8, then cp1252.

    Used for quoted-printable vCard values without CHARSET (The Bat! writes cp1250 or
    Latin-1) and mail parts whose charset lies.
    """
    if charset:
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _looks_central_european(raw):
        return raw.decode("cp1250", errors="tf_latin1")
    return raw.decode("cp1252", errors="tf_latin1")


#: Bytes whose cp1250 reading is a Polish/Czech letter and whose Latin-1 reading is a
#: rare Spanish/Portuguese one inside a word (ñ between consonants is unusual).
_CP1250_HINTS = {0xB9, 0x9C, 0x9F, 0xEA, 0xB3, 0xA3, 0xF1, 0xE6, 0xBF, 0x8C, 0x8F, 0xAF, 0xEC, 0xF8, 0x9A, 0x9E, 0xE8}


def _looks_central_european(raw: bytes) -> bool:
    """Heuristic: a high byte between ASCII letters that is a cp1250 letter, in a word
    that is not a Spanish pattern ("ñ" is followed by a vowel in Spanish)."""
    for i, byte in enumerate(raw):
        if byte < 0x80 or byte not in _CP1250_HINTS:
            continue
        before = raw[i - 1 : i]
        after = raw[i + 1 : i + 2]
        if before.isalpha() and after.isalpha():
            if byte == 0xF1 and after.lower() in b"aeiou":
                continue  # Spanish: "niña", "España"
            return True
    return False
