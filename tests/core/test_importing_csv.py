from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustfunnel.core.importing import (
    PRESETS,
    CsvRow,
    ImportFileError,
    Issue,
    apply_mapping,
    check_mapping,
    detect_encoding,
    guess_preset,
    iter_csv_rows,
    mapping_for,
    parse_amount,
    parse_date,
    sniff_csv,
)


def _rows(data: bytes):
    layout = sniff_csv(data, "f.csv")
    return layout, list(iter_csv_rows(io.BytesIO(data), layout, "f.csv"))


@pytest.mark.parametrize(("data", "encoding"), [
    (b"a,b\n1,2\n", "utf-8"),
    (b"\xef\xbb\xbfa,b\n\xc3\xa9,2\n", "utf-8-sig"),
    (b"a,b\ncaf\xe9,2\n", "cp1252"),
    (b"\xef\xbb\xbfa,b\ncaf\xe9,2\n", "cp1252"),
])
def test_detect_encoding(data, encoding):
    assert detect_encoding(data) == encoding


@pytest.mark.parametrize(("header", "delimiter"), [
    (b"Name,Email\n", ","), (b"Name;Email\n", ";"), (b"Name\tEmail\n", "\t"),
    (b'"Name, full";Email\n', ";"),
])
def test_sniff_delimiter_from_the_header(header, delimiter):
    assert sniff_csv(header + b"x" + delimiter.encode() + b"y\n", "f.csv").delimiter == delimiter


def test_quoted_fields_keep_cr_lf_tabs_and_quotes_with_start_line_numbers():
    data = b'a,b\r\n1,"x\ry"\r\n2,"p\nq"\r\n3,"""z"""\r\n'
    _, rows = _rows(data)
    assert [(r.line, r.values["b"]) for r in rows] == [(2, "x\ry"), (3, "p\nq"), (5, '"z"')]


def test_wrong_field_count_is_an_issue_with_the_line_and_reading_goes_on():
    _, rows = _rows(b"a;b\n1;2\n3;4;5\n6;7\n")
    assert isinstance(rows[1], Issue) and rows[1].location.index == 3
    assert isinstance(rows[2], CsvRow) and rows[2].values == {"a": "6", "b": "7"}


def test_repeated_column_names_are_refused():
    with pytest.raises(ImportFileError, match="repeats the name 'a'"):
        sniff_csv(b"a,b,a\n1,2,3\n", "f.csv")


def test_empty_file_is_refused():
    with pytest.raises(ImportFileError, match="empty"):
        sniff_csv(b"  \n", "f.csv")


def test_presets_are_guessed_from_the_columns():
    hubspot = ("Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name")
    assert guess_preset(hubspot, "people").key == "hubspot"
    google = ("Name", "Given Name", "Family Name", "E-mail 1 - Value")
    assert guess_preset(google, "people").key == "google"
    assert guess_preset(("Voornaam", "Achternaam", "E-mailadres"), "people").key == "generic"


def test_every_preset_maps_only_known_fields():
    for preset in PRESETS.values():
        for kind in ("people", "organisations", "deals", "interactions"):
            mapping = mapping_for(tuple(preset.columns), preset, kind)
            assert not [p for p in check_mapping(mapping, tuple(preset.columns), kind)
                        if "is not a field" in str(p) or "more than one" in str(p)]


def test_check_mapping_names_what_is_missing():
    assert [str(p) for p in check_mapping({"A": "sector"}, ("A",), "organisations")] == [
        "map a column to 'name'."]


def test_apply_mapping_strips_values():
    assert apply_mapping({"A": " x ", "B": "y"}, {"A": "name", "B": ""}) == {"name": "x"}


@pytest.mark.parametrize(("text", "value"), [
    ("1.234,50", "1234.50"), ("1,234.50", "1234.50"), ("€ 1234", "1234"), ("1234.5", "1234.5"),
    ("-12,00", "-12.00"),
])
def test_parse_amount(text, value):
    assert str(parse_amount(text)) == value


def test_parse_date_forms():
    assert parse_date("2026-11-23") == parse_date("23-11-2026") == parse_date("23.11.2026")
    with pytest.raises(ValueError, match="not a date"):
        parse_date("next week")


@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                         min_size=2, max_size=2), min_size=1, max_size=20),
       st.sampled_from([",", ";", "\t"]))
def test_written_csv_reads_back_the_same(rows, delimiter):
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["first", "second"])
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    layout = sniff_csv(data, "f.csv")
    read = list(iter_csv_rows(io.BytesIO(data), layout, "f.csv"))
    assert [[r.values["first"], r.values["second"]] for r in read] == rows


def test_payments_csv_in_dutch_with_a_bad_date():
    from trustfunnel.core.importing import PaymentRecord, iter_payments

    data = b"Factuurnummer;Betaaldatum;Bedrag\nF1;15-11-2026;1.210,00\nF2;gisteren;5\n"
    layout = sniff_csv(data, "bank.csv")
    items = list(iter_payments(io.BytesIO(data), layout, "bank.csv"))
    assert isinstance(items[0], PaymentRecord) and str(items[0].amount) == "1210.00"
    assert isinstance(items[1], Issue) and items[1].location.index == 3
    assert items[1].location.field == "Betaaldatum"


def test_payments_csv_without_an_invoice_column_is_refused():
    from trustfunnel.core.importing import iter_payments

    data = b"Datum;Bedrag\n15-11-2026;5\n"
    with pytest.raises(ImportFileError, match="no column for invoice_number"):
        list(iter_payments(io.BytesIO(data), sniff_csv(data, "bank.csv"), "bank.csv"))


def test_lone_cr_line_endings_of_excel_for_mac():
    data = b'Name;Email\rAnna;a@x.nl\r"Piet\nSmit";p@x.nl\r'
    layout, rows = _rows(data)
    assert layout.cr_lines and layout.delimiter == ";"
    assert [(r.line, r.values["Name"]) for r in rows] == [(2, "Anna"), (3, "Piet\nSmit")]
