"""The people import's fast paths keep the slow paths' answers."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from trustfunnel.imports.readahead import read_ahead
from trustfunnel.imports.services import _PLAIN_EMAIL, _usable_email


@given(st.from_regex(_PLAIN_EMAIL, fullmatch=True))
def test_every_plain_address_passes_djangos_validator(email):
    if len(email) <= 254:
        validate_email(email)  # raises if the fast path accepted something Django would not


@given(st.emails().map(str.lower) | st.text(max_size=40))
def test_usable_email_agrees_with_djangos_validator(email):
    try:
        validate_email(email)
        expected = True
    except ValidationError:
        expected = False
    assert _usable_email(email) == expected


def test_read_ahead_keeps_order_and_raises_the_producers_error_in_place():
    def produce():
        yield from range(5)
        raise OSError("disk gone")

    seen = []
    with pytest.raises(OSError, match="disk gone"):
        for item in read_ahead(produce):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def test_read_ahead_stops_the_producer_when_the_consumer_stops():
    produced = []

    def produce():
        for n in range(10_000):
            produced.append(n)
            yield n

    before = threading.active_count()
    with pytest.raises(RuntimeError):
        for item in read_ahead(produce, depth=1):
            if item == 3:
                raise RuntimeError("write failed")
    assert threading.active_count() == before
    assert len(produced) < 10


@pytest.fixture
def small_batches(monkeypatch):
    from trustfunnel.imports.services import ContactImporter

    monkeypatch.setattr(ContactImporter, "batch_size", 3)


def _people_csv(broken_at: set[int], rows: int = 10) -> bytes:
    lines = ["First Name;Last Name;Email;Company\n"]
    for n in range(rows):
        lines.append(f"Anna;Jansen {n};a{n}@example.nl;Bedrijf {n % 2} B.V.\n" if n not in broken_at
                     else f"Anna;Jansen {n}\n")
    return "".join(lines).encode()


def test_people_in_many_batches_count_and_report_in_file_order(run_import, workspace, small_batches):
    from trustfunnel.crm.models import Person
    from trustfunnel.imports.models import ImportStatus

    run = run_import("people", _people_csv({1, 7}), name="people.csv")
    assert run.status == ImportStatus.FAILED
    assert [e["index"] for e in run.errors if e["severity"] == "error"] == [3, 9]
    assert run.counts["rows"] == 8 and run.counts["errors"] == 2
    assert not Person.objects.for_workspace(workspace).exists()

    resumable = run_import("people", _people_csv({1, 7}), name="people.csv", atomic=False)
    assert resumable.status == ImportStatus.DONE
    assert (resumable.counts["created"], resumable.counts["errors"]) == (8, 2)
    assert Person.objects.for_workspace(workspace).count() == 8
    again = run_import("people", _people_csv(set()), name="people.csv")
    assert (again.counts["unchanged"], again.counts["created"]) == (8, 2)


def test_people_dry_run_in_many_batches_writes_nothing(run_import, workspace, small_batches):
    from trustfunnel.crm.models import Organization, Person

    run = run_import("people", _people_csv(set()), name="people.csv", dry_run=True)
    assert run.counts["created"] == 10 and run.counts["organisations_created"] == 2
    assert run.progress_done == run.progress_total
    assert not Person.objects.for_workspace(workspace).exists()
    assert not Organization.objects.for_workspace(workspace).exists()


def test_a_concurrent_import_of_the_same_keys_fails_cleanly(run_import, workspace, monkeypatch):
    from django.db import IntegrityError

    from trustfunnel.crm.models import Person
    from trustfunnel.imports import services
    from trustfunnel.imports.models import ImportStatus

    def clash(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "insert_recorded", clash)
    run = run_import("people", _people_csv(set()), name="people.csv")
    assert run.status == ImportStatus.FAILED
    assert "another import wrote the same records" in run.errors[0]["message"]
    assert not Person.objects.for_workspace(workspace).exists()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises writers: no other run writes between look-up and insert")
def test_a_real_key_clash_in_the_database_is_reported_as_such(run_import, workspace, monkeypatch):
    """The unique index itself (not a stand-in) stops a key another run recorded after
    this run's look-up; the database's error arrives as Django's IntegrityError."""
    from trustfunnel.crm.models import Person
    from trustfunnel.imports import services
    from trustfunnel.imports.models import ImportStatus

    first = run_import("people", _people_csv(set()), name="people.csv")
    assert first.status == ImportStatus.DONE
    before = Person.objects.for_workspace(workspace).count()
    monkeypatch.setattr(services.ContactImporter, "known_keys", lambda self, kind, keys: {})
    monkeypatch.setattr(services.ContactImporter, "existing_people", lambda self, rows: ({}, {}))
    run = run_import("people", _people_csv(set()), name="people.csv")
    assert run.status == ImportStatus.FAILED
    assert "another import wrote the same records" in run.errors[0]["message"]
    assert Person.objects.for_workspace(workspace).count() == before


def test_read_ahead_shortens_the_switch_interval_only_while_it_runs():
    import sys

    from trustfunnel.imports import readahead

    before = sys.getswitchinterval()
    inside = [sys.getswitchinterval() for _ in read_ahead(lambda: iter(range(3)))]
    assert inside == [min(before, readahead.SWITCH_INTERVAL)] * 3
    assert sys.getswitchinterval() == before


ODD_KEYS = ["plain", "", "NULL", "with space", 'quote"inside', "back\\slash", "\\", '"', "{brace}", "a,b",
            "Iksiński", "tab\there", "new\nline", "email:p1@example1.nl"]


def test_text_array_quotes_every_element():
    from trustfunnel.imports.bulk import text_array

    assert text_array([]) == "{}"
    assert text_array(["a", "NULL", ""]) == '{"a","NULL",""}'
    assert text_array(['q"', "b\\"]) == '{"q\\"","b\\\\"}'


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the literal is PostgreSQL's array syntax")
@pytest.mark.django_db
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                        max_size=12), max_size=8))
def test_text_array_round_trips_through_postgresql(values):
    from trustfunnel.imports.bulk import text_array

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(array_agg(v ORDER BY n), '{}') FROM unnest(%s::text[]) "
                       "WITH ORDINALITY AS t(v, n)", [text_array(ODD_KEYS + values)])
        assert cursor.fetchone()[0] == ODD_KEYS + values


def test_a_person_added_by_hand_during_a_first_import_is_named_for_merging(
    run_import, workspace, small_batches, monkeypatch
):
    """A first import skips the look-ups of rows no earlier batch held (decision 109):
    someone adding a person by hand meanwhile is not matched, and the run says so."""
    from tests.factories import PersonFactory
    from trustfunnel.crm.models import Person
    from trustfunnel.imports import services
    from trustfunnel.imports.models import ImportStatus

    look_up, calls = services.ContactImporter.look_up, []

    def look_up_after_a_colleague_typed(self, asks):
        calls.append(1)
        if len(calls) == 2:  # between the first and the second batch
            PersonFactory(workspace=workspace, first_name="Anna", last_name="Jansen",
                          email="A7@example.nl")
        return look_up(self, asks)

    monkeypatch.setattr(services.ContactImporter, "look_up", look_up_after_a_colleague_typed)
    run = run_import("people", _people_csv(set()), name="people.csv")
    assert run.status == ImportStatus.DONE, run.errors
    assert run.counts["created"] == 10
    assert Person.objects.for_workspace(workspace).filter(email__iexact="a7@example.nl").count() == 2
    notes = [i["message"] for i in run.errors if i["severity"] == "note"]
    assert any("A7@example.nl" in note and "merge" in note for note in notes), notes
    assert sum("by hand" in note for note in notes) == 1
