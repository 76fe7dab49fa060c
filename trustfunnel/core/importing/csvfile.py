"""CSV files from other CRMs and spreadsheets: layout detection and streaming rows.

The file is read as bytes, line by line, so memory stays constant for a million rows;
each physical line is decoded on its own (see :mod:`.text`), then Python's ``csv``
joins quoted fields that span lines (an embedded LF, CR or CRLF stays in the value).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from trustfunnel.core.importing.records import ImportFileError, Issue, Location, Text
from trustfunnel.core.importing.text import UTF8_BOM, decode_line, detect_encoding

__all__ = ["CsvLayout", "CsvRow", "sniff_csv", "iter_csv_rows", "DELIMITERS"]

DELIMITERS = (",", ";", "\t", "|")
#: Bytes looked at to decide encoding and delimiter.
SAMPLE_BYTES = 1 << 20

csv.field_size_limit(10 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class CsvLayout:
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    #: Records end in a lone CR (Excel for Mac's "CSV (Macintosh)"), not LF or CRLF.
    cr_lines: bool = False

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[self.delimiter]


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    values: dict[str, str]


def sniff_csv(sample: bytes, file: str) -> CsvLayout:
    """Encoding, delimiter and header from the start of a file."""
    if not sample.strip():
        raise ImportFileError(Location(file, "line", 1), Text("the file is empty."))
    encoding = detect_encoding(sample)
    body = sample[len(UTF8_BOM) :] if sample.startswith(UTF8_BOM) else sample
    first_cr, first_lf = body.find(b"\r"), body.find(b"\n")
    cr_lines = first_cr != -1 and (first_lf == -1 or first_cr + 1 < first_lf)
    first_line = decode_line(re.split(rb"\r|\n", body, maxsplit=1)[0] if cr_lines
                             else body.split(b"\n", 1)[0], encoding).rstrip("\r")
    delimiter = _delimiter_of(first_line, decode_line(body[:65536], encoding))
    header_row = next(csv.reader([first_line], delimiter=delimiter), [])
    header = tuple(name.strip() for name in header_row)
    if not any(header):
        raise ImportFileError(Location(file, "line", 1), Text("the first line holds no column names."))
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name and name in seen:
            raise ImportFileError(
                Location(file, "line", 1, name), Text("column {position} repeats the name {name!r}.", position=position, name=name)
            )
        seen.add(name)
    return CsvLayout(encoding=encoding, delimiter=delimiter, header=header, cr_lines=cr_lines)


def _delimiter_of(header_line: str, sample_text: str) -> str:
    """The candidate that splits the header most often (outside quotes); the csv
    Sniffer decides when the header has none (one column) or ties."""
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(counts.values())
    winners = [d for d, n in counts.items() if n == best]
    if best > 0 and len(winners) == 1:
        return winners[0]
    try:
        return csv.Sniffer().sniff(sample_text, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return winners[0] if best > 0 else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def iter_csv_rows(
    lines: Iterable[bytes], layout: CsvLayout, file: str
) -> Iterator[CsvRow | Issue]:
    """Data rows as ``CsvRow`` (line = the physical line the record starts on), and an
    ``Issue`` for each broken record; reading goes on after a broken record."""
    counter = _LineCounter(_split_on_cr(lines) if layout.cr_lines else lines, layout.encoding)
    reader = csv.reader(counter, delimiter=layout.delimiter, strict=False)
    width = len(layout.header)
    try:
        next(reader)  # the header, already read by sniff_csv
    except (StopIteration, csv.Error):
        return
    while True:
        start = counter.count + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Issue(Location(file, "line", start), Text("unreadable record ({detail}).", detail=str(exc)))
            continue
        if not values or (len(values) == 1 and not values[0].strip()):
            continue  # blank line
        if len(values) != width:
            yield Issue(
                Location(file, "line", start),
                Text("{count} fields where the header has {width} (a delimiter or quote out of place?).",
                     count=len(values), width=width),
            )
            continue
        yield CsvRow(start, dict(zip(layout.header, values, strict=True)))


def _split_on_cr(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines of a file whose lines end in a lone CR, each with its CR kept."""
    rest = b""
    for chunk in chunks:
        rest += chunk
        *lines, rest = rest.split(b"\r")
        for line in lines:
            yield line + b"\r"
    if rest:
        yield rest


class _LineCounter:
    """Decodes and counts physical lines; a BOM at the file's start is dropped."""

    def __init__(self, lines: Iterable[bytes], encoding: str) -> None:
        self._lines = iter(lines)
        self._encoding = encoding
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        if self.count == 0 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        self.count += 1
        return decode_line(raw, self._encoding)
