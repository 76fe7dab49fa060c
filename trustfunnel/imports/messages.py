"""Import issues in the reader's language.

Core (`trustfunnel.core.importing`) words its issues as English templates with named
placeholders (:class:`~trustfunnel.core.importing.Text`); runs store the template and
its params with each issue, so a run is shown in the language of whoever reads it, not
of whoever ran it. :data:`CORE_TEMPLATES` lists core's templates for makemessages (a test
holds it to the source: regenerate when a template in core/importing changes); the
importers' own templates are marked with ``gettext_noop`` where they are written.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.core.importing import ImportFileError, Text, describe_place

CORE_TEMPLATES = [
    gettext_noop('line {index}'),
    gettext_noop('card {index}'),
    gettext_noop('event {index}'),
    gettext_noop('message {index}'),
    gettext_noop('document {index}'),
    gettext_noop('field {field!r}'),
    gettext_noop('(upload)'),
    gettext_noop('{place}: {problem}'),
    gettext_noop('{message}'),
    gettext_noop('the file is empty.'),
    gettext_noop('the first line holds no column names.'),
    gettext_noop('column {position} repeats the name {name!r}.'),
    gettext_noop('{count} fields where the header has {width} (a delimiter or quote out of place?).'),
    gettext_noop('unreadable record ({detail}).'),
    gettext_noop('not a date or time.'),
    gettext_noop('no BEGIN:VCALENDAR found: not an iCalendar file.'),
    gettext_noop('the event has no start.'),
    gettext_noop('not a readable calendar ({detail}).'),
    gettext_noop('the calendar holds no events.'),
    gettext_noop('the recurrence rules cannot be expanded ({detail}).'),
    gettext_noop('the event has no start'),
    gettext_noop('unreadable value {value!r}'),
    gettext_noop('{summary} — {problem}; the event is not imported.'),
    gettext_noop('the message is empty.'),
    gettext_noop('no mail headers found: not an e-mail message.'),
    gettext_noop('malformed message: {defect}.'),
    gettext_noop('a body part could not be decoded.'),
    gettext_noop('unreadable Date header {value!r}.'),
    gettext_noop('column {column!r} is not in the file.'),
    gettext_noop('{target!r} is not a field of {kind}.'),
    gettext_noop('more than one column maps to {target!r}.'),
    gettext_noop('map a column to {fields} or {last!r}.'),
    gettext_noop('map a column to {field!r}.'),
    gettext_noop('{detail}.'),
    gettext_noop('the invoice number is empty.'),
    gettext_noop('no column for {field}; expected one of {columns}.'),
    gettext_noop('the root element is {tag!r}, not a UBL 2.1 Invoice or CreditNote.'),
    gettext_noop('not well-formed XML ({detail}).'),
    gettext_noop('the document number is missing.'),
    gettext_noop('the due date {due} lies before the issue date {issued}.'),
    gettext_noop('the amount due is missing.'),
    gettext_noop('the currency is missing.'),
    gettext_noop('the seller is missing.'),
    gettext_noop('the buyer is missing.'),
    gettext_noop('the buyer has neither a VAT number nor a registration id to match.'),
    gettext_noop('street'),
    gettext_noop('city'),
    gettext_noop('post code'),
    gettext_noop('missing.'),
    gettext_noop('{value!r} is not a date (YYYY-MM-DD).'),
    gettext_noop('type code {code!r} is not a credit note code (381).'),
    gettext_noop('no due date; taken as {days} days after issue.'),
    gettext_noop("the credit note names no invoice it corrects; it is kept as a credit on the buyer's account."),
    gettext_noop("the seller's address has no {label} (NLCIUS rule BR-NL-3)."),
    gettext_noop('{value!r} is not an amount.'),
    gettext_noop('a negative amount due ({amount}); send it as a credit note.'),
    gettext_noop('{vat!r} is not a valid VAT number ({problem}); the buyer is matched by its registration ids instead.'),
    gettext_noop('{vat!r} is not a valid VAT number ({problem}) and the buyer has no other identifier to match.'),
    gettext_noop('{value!r} is not a date (use YYYY-MM-DD or DD-MM-YYYY).'),
    gettext_noop('no BEGIN:VCARD found: not a vCard file.'),
    gettext_noop('line {line}: not a vCard property; ignored.'),
    gettext_noop('the card has no name, e-mail or organisation; skipped.'),
    gettext_noop('ignored (photos, logos, sounds and keys are not imported).'),
]

#: An issue's severity, as the command line names it.
SEVERITIES = [gettext_noop("error"), gettext_noop("warning"), gettext_noop("note")]

#: The actions a preview row names (``Outcome.show``).
PREVIEW_ACTIONS = [
    gettext_noop("unchanged"),
    gettext_noop("skip (duplicate)"),
    gettext_noop("merge"),
    gettext_noop("create"),
    gettext_noop("meeting"),
    gettext_noop("e-mail"),
    gettext_noop("invoice"),
    gettext_noop("credit note"),
    gettext_noop("organisation"),
    gettext_noop("paid"),
]


def render(text: Text) -> str:
    """A text in the active language (English when the catalogue lacks it)."""
    return text.render(gettext)


def place(issue: dict[str, Any]) -> str:
    """"file, line 3, field 'email'" of a stored issue, in the active language."""
    return describe_place(issue.get("file", ""), issue.get("unit", "line"), issue.get("index"),
                          issue.get("field", ""), gettext)


def message(issue: dict[str, Any]) -> str:
    """The message of a stored issue in the active language; runs stored before issues
    kept their template show their English message."""
    if issue.get("template"):
        return render(Text.from_dict(issue))
    return issue.get("message", "")


def localized(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored issues with ``place`` and ``message`` in the active language."""
    return [{**issue, "place": place(issue), "message": message(issue)} for issue in issues]


def error_text(error: TrustfunnelError) -> str:
    """An error raised while importing, in the active language."""
    if isinstance(error, ImportFileError):
        return f"{error.location.describe(gettext)}: {render(error.text)}"
    from trustfunnel.web.errors import translated_message

    return translated_message(error)


def localized_preview(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Preview rows with ``action`` and ``place`` in the active language."""
    return [{**row, "action": gettext(row.get("action", "")) if row.get("action") else "",
             "place": place(row) if "unit" in row else row.get("place", "")} for row in rows]
