"""The pipelined people import (PostgreSQL, one transaction) matches each batch against
the batch before in Python, while that batch's COPY runs: the answers must be those of
the batch-by-batch path (a resumable run, and SQLite), which asks the database."""

from __future__ import annotations

import pytest

MAPPING = {"id": "external_id", "first": "first_name", "last": "last_name", "email": "email",
           "phone": "phone", "company": "organization"}

# Batches of three rows: duplicates of the batch just before (invisible to the look-ups
# while its COPY runs) and of the one before that (written by then).
ROWS = [
    "1;Anna;Jansen;anna@x.nl;;Acme",           # batch 1: created
    "2;;Bakker;;;",                            # created, matched by name only
    "3;Piet;de Vries;piet@x.nl;;",             # created
    "4;;Jansen;ANNA@x.nl;+31612345678;",       # batch 2: row 1 by e-mail, phone filled
    "5;;Bakker;;+31687654321;",                # row 2 by name, phone filled
    "1;Anna;Jansen;anna@x.nl;;",               # row 1's key: unchanged
    "7;Piet;de Vries;piet@x.nl;;Beta",         # batch 3: row 3, two batches back, organisation filled
    "8;;Jansen;anna@x.nl;;Gamma",              # row 1 again (merged in batch 2): keeps Acme
    "9;Fleur;Smit;fleur@x.nl;;",               # created
]


def _csv() -> bytes:
    return ("id;first;last;email;phone;company\n" + "\n".join(ROWS) + "\n").encode()


@pytest.fixture
def small_batches(monkeypatch):
    from trustfunnel.imports.services import ContactImporter

    monkeypatch.setattr(ContactImporter, "batch_size", 3)


@pytest.fixture(params=["filter", "crowded-filter"])
def seen_filter(request, monkeypatch):
    """The first-import filter as built, and one of 64 bits (nearly every row a false
    hit, so looked up): the answers must not depend on it."""
    if request.param == "crowded-filter":
        from trustfunnel.imports import services

        original = services._Seen.__init__
        monkeypatch.setattr(services._Seen, "__init__", lambda self, bits=64: original(self, bits))


@pytest.mark.parametrize("atomic", [True, False], ids=["one-transaction", "resumable"])
def test_duplicates_across_batches_merge_as_batch_by_batch(run_import, workspace, small_batches, atomic,
                                                          monkeypatch, seen_filter):
    from django.db import connection

    from trustfunnel.crm.models import Person
    from trustfunnel.imports import readahead
    from trustfunnel.imports.models import ImportedRecord, ImportStatus

    started = []
    real = readahead.in_background
    monkeypatch.setattr(readahead, "in_background", lambda call: started.append(1) or real(call))
    run = run_import("people", _csv(), name="people.csv", mapping=MAPPING, atomic=atomic)
    # PostgreSQL in one transaction: batches 1 and 2 were written while the next was matched.
    assert len(started) == (2 if atomic and connection.vendor == "postgresql" else 0)
    assert run.status == ImportStatus.DONE, run.errors
    assert {k: run.counts.get(k, 0) for k in ("created", "merged", "unchanged")} == {
        "created": 4, "merged": 4, "unchanged": 1}
    people = {p.last_name: p for p in Person.objects.for_workspace(workspace).select_related("organization")}
    assert sorted(people) == ["Bakker", "Jansen", "Smit", "de Vries"]
    anna, bakker, piet = people["Jansen"], people["Bakker"], people["de Vries"]
    assert (anna.first_name, anna.email, anna.phone, anna.organization.name) == (
        "Anna", "anna@x.nl", "+31612345678", "Acme")
    assert bakker.phone == "+31687654321"
    assert piet.organization.name == "Beta"
    records = dict(ImportedRecord.objects.filter(workspace=workspace, source_kind="people")
                   .values_list("key", "target_id"))
    assert records == {"id:1": anna.pk, "id:2": bakker.pk, "id:3": piet.pk, "id:4": anna.pk,
                       "id:5": bakker.pk, "id:7": piet.pk, "id:8": anna.pk, "id:9": people["Smit"].pk}

    again = run_import("people", _csv(), name="people.csv", mapping=MAPPING, atomic=atomic)
    assert (again.counts.get("unchanged"), again.counts.get("created", 0)) == (9, 0)
    assert Person.objects.for_workspace(workspace).count() == 4


@pytest.mark.parametrize("atomic", [True, False], ids=["one-transaction", "resumable"])
def test_duplicates_across_batches_are_skipped_as_batch_by_batch(run_import, workspace, small_batches, atomic):
    from trustfunnel.crm.models import Person

    run = run_import("people", _csv(), name="people.csv", mapping=MAPPING, atomic=atomic,
                     on_duplicate="skip")
    assert {k: run.counts.get(k, 0) for k in ("created", "skipped", "unchanged")} == {
        "created": 4, "skipped": 4, "unchanged": 1}
    anna = Person.objects.for_workspace(workspace).get(last_name="Jansen")
    assert (anna.phone, anna.organization.name) == ("", "Acme")


def test_an_error_in_a_later_batch_leaves_nothing_written(run_import, workspace, small_batches):
    """The batch whose COPY was running when a later one failed is rolled back too."""
    from trustfunnel.crm.models import Organization, Person
    from trustfunnel.imports.models import ImportedRecord, ImportStatus

    rows = [*ROWS, "10;;;;;"]  # line 11: no name and no e-mail address
    data = ("id;first;last;email;phone;company\n" + "\n".join(rows) + "\n").encode()
    run = run_import("people", data, name="people.csv", mapping=MAPPING)
    assert run.status == ImportStatus.FAILED
    assert [(e["index"], e["severity"]) for e in run.errors] == [(11, "error")]
    assert not Person.objects.for_workspace(workspace).exists()
    assert not Organization.objects.for_workspace(workspace).exists()
    assert not ImportedRecord.objects.filter(workspace=workspace).exists()


def test_a_failing_copy_in_the_helper_thread_fails_the_run(run_import, workspace, small_batches, monkeypatch):
    """An error of a batch's COPY (whichever thread ran it) fails the run, nothing kept."""
    from django.db import IntegrityError

    from trustfunnel.crm.models import Person
    from trustfunnel.imports import services
    from trustfunnel.imports.models import ImportStatus

    real = services.insert_recorded
    calls = []

    def second_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "insert_recorded", second_fails)
    run = run_import("people", _csv(), name="people.csv", mapping=MAPPING)
    assert run.status == ImportStatus.FAILED
    assert "another import wrote the same records" in run.errors[0]["message"]
    assert not Person.objects.for_workspace(workspace).exists()


def test_search_finds_imported_people_right_after_the_import(run_import, workspace, small_batches):
    """People written by the pipelined COPYs (the trigram index on PostgreSQL) are found
    by the people search as soon as the run is done, in every batch."""
    from trustfunnel.crm.models import Person
    from trustfunnel.crm.search import search_people

    run = run_import("people", _csv(), name="people.csv", mapping=MAPPING)
    assert run.counts["created"] == 4
    people = Person.objects.for_workspace(workspace)
    found = {word: sorted(p.last_name for p in search_people(people, [word]))
             for word in ("jansen", "BAKK", "vries", "fleur@x", "Smit")}
    assert found == {"jansen": ["Jansen"], "BAKK": ["Bakker"], "vries": ["de Vries"],
                     "fleur@x": ["Smit"], "Smit": ["Smit"]}
    assert [p.last_name for p in search_people(people, ["anna", "x.nl"])] == ["Jansen"]


def test_a_first_import_looks_up_only_rows_an_earlier_batch_may_hold(run_import, workspace, small_batches,
                                                                     monkeypatch):
    """No people and no import records yet: a row is looked up only when its key, its
    e-mail address or (without one) its last name was seen in an earlier batch."""
    from trustfunnel.imports import services

    asked = []
    real = services.select_in

    def spy(model, columns, *, values, **kwargs):
        asked.extend(values)
        return real(model, columns, values=values, **kwargs)

    monkeypatch.setattr(services, "select_in", spy)
    run_import("people", _csv(), name="people.csv", mapping=MAPPING)
    # Batch 2 repeats row 1's e-mail and key and row 2's last name; batch 3 repeats
    # rows 1 and 3's e-mail addresses. Row 9 is new: never asked about.
    assert "email:fleur@x.nl" not in asked and "fleur@x.nl" not in asked
    assert {"id:1", "anna@x.nl", "piet@x.nl"} <= set(asked)

    asked.clear()
    again = run_import("people", _csv(), name="people.csv", mapping=MAPPING)
    assert again.counts["unchanged"] == 9
    assert {"id:9", "fleur@x.nl"} <= set(asked)  # not a first import: every row is looked up
