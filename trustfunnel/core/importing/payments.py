"""A CSV of payments (invoice number, date paid, optional amount) to mark invoices paid."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from trustfunnel.core.importing.csvfile import CsvLayout, CsvRow, iter_csv_rows
from trustfunnel.core.importing.records import (
    ImportFileError,
    Issue,
    Location,
    PaymentRecord,
    Text,
    TextError,
)
from trustfunnel.core.importing.values import parse_amount, parse_date

__all__ = ["PAYMENT_COLUMNS", "payment_columns", "iter_payments"]

#: Accepted column names (lower case) per field, English and Dutch.
PAYMENT_COLUMNS = {
    "invoice_number": ("invoice", "invoice number", "invoice_number", "factuur", "factuurnummer", "number"),
    "paid_on": ("paid on", "paid_on", "date", "payment date", "betaaldatum", "datum", "betaald op"),
    "amount": ("amount", "bedrag", "paid amount"),
}


def payment_columns(layout: CsvLayout, file: str) -> dict[str, str]:
    """Field -> column; an error names what is missing."""
    lower = {name.lower(): name for name in layout.header}
    found = {}
    for field, names in PAYMENT_COLUMNS.items():
        column = next((lower[n] for n in names if n in lower), None)
        if column:
            found[field] = column
    for field in ("invoice_number", "paid_on"):
        if field not in found:
            raise ImportFileError(
                Location(file, "line", 1, field),
                Text("no column for {field}; expected one of {columns}.", field=field,
                     columns=", ".join(PAYMENT_COLUMNS[field])),
            )
    return found


def iter_payments(lines: Iterable[bytes], layout: CsvLayout, file: str) -> Iterator[PaymentRecord | Issue]:
    columns = payment_columns(layout, file)
    for item in iter_csv_rows(lines, layout, file):
        if isinstance(item, Issue):
            yield item
            continue
        yield _payment(item, columns, file)


def _payment(row: CsvRow, columns: dict[str, str], file: str) -> PaymentRecord | Issue:
    location = Location(file, "line", row.line)
    number = row.values[columns["invoice_number"]].strip()
    if not number:
        return Issue(location.with_field(columns["invoice_number"]), Text("the invoice number is empty."))
    try:
        paid_on = parse_date(row.values[columns["paid_on"]])
    except ValueError as exc:
        return Issue(location.with_field(columns["paid_on"]), _why(exc))
    amount = None
    if "amount" in columns and row.values[columns["amount"]].strip():
        try:
            amount = parse_amount(row.values[columns["amount"]])
        except ValueError as exc:
            return Issue(location.with_field(columns["amount"]), _why(exc))
    return PaymentRecord(location, number, paid_on, amount)


def _why(exc: ValueError) -> Text:
    return exc.text if isinstance(exc, TextError) else Text("{detail}.", detail=str(exc))
