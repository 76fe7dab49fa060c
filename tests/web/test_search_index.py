"""People search: same answers and order, and on PostgreSQL the trigram indexes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from tests.factories import PersonFactory
from trustfunnel.crm.models import Person
from trustfunnel.crm.search import SEARCH_INDEX, search_people
from trustfunnel.web.keyset import keyset_order, sort_matches_apart

pytestmark = pytest.mark.django_db


def _people(workspace):
    for i in range(12):
        PersonFactory(workspace=workspace, last_name=f"Yamamoto{i % 3}", first_name=f"K{i:02d}",
                      email=f"k{i}@example.jp")
        PersonFactory(workspace=workspace, last_name=f"Bakker{i}", first_name="Yama",
                      email=f"b{i}@example.nl")


def test_marked_search_keeps_the_order_and_the_pages(client_for, sales_user, workspace):
    _people(workspace)
    base = Person.objects.for_workspace(workspace).filter(last_name__icontains="yama")
    order = ["last_name", "first_name", "id"]
    plain = list(base.order_by(*order).values_list("id", flat=True))
    marked = sort_matches_apart(base, ["yama"])
    assert list(marked.order_by(*keyset_order(marked, order)).values_list("id", flat=True)) == plain
    # through the page (20 rows a page is not set: walk with the API instead)
    client = client_for(sales_user)
    seen, url = [], "/api/v1/people/?q=yama&ordering=name&page_size=5"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    expected = list(
        Person.objects.for_workspace(workspace)
        .filter(first_name__icontains="yama") | base
    )
    expected_ids = [p.pk for p in sorted(expected, key=lambda p: (p.last_name, p.first_name, p.pk))]
    assert seen == expected_ids
    body = client.get("/people/?q=Yamamoto1").content.decode()
    assert body.count("Yamamoto1, K") == 4


def test_sqlite_keeps_the_index_walk(workspace):
    qs = sort_matches_apart(Person.objects.for_workspace(workspace), ["abc"])
    marked = keyset_order(qs, ["last_name", "id"]) != ["last_name", "id"]
    assert marked == (connection.vendor == "postgresql")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="marks only on PostgreSQL")
def test_short_words_are_not_marked(workspace):
    qs = Person.objects.for_workspace(workspace)
    assert keyset_order(sort_matches_apart(qs, ["ab"]), ["last_name", "id"]) == ["last_name", "id"]
    assert keyset_order(sort_matches_apart(qs, ["abc", "d"]), ["-last_name"]) == ["-last_name"]
    assert keyset_order(sort_matches_apart(qs, ["abc"]), ["-id"]) == ["-id"]
    assert keyset_order(sort_matches_apart(qs, ["abc"]), ["last_name", "id"])[1:] == ["id"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram index: PostgreSQL only")
@pytest.mark.parametrize("word", ["Yamamoto", "example.jp", "K03"])
def test_postgresql_search_uses_the_one_trigram_index(workspace, word):
    """The index expression (crm 0005) is exactly what Django writes for the search."""
    _people(workspace)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = search_people(Person.objects.all(), [word]).explain()
    assert SEARCH_INDEX in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="indexes: PostgreSQL")
def test_person_keeps_only_the_indexes_it_needs():
    """Each index costs every imported row (decision 78): a new one is a choice."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'crm_person'")
        names = {name for (name,) in cursor.fetchall()}
    assert {n for n in names if not n.startswith("crm_person_organization_id")} == {
        "crm_person_pkey", "person_ws_name", "person_ws_id", "person_ws_email_lower", SEARCH_INDEX}
    assert len(names) == 6


def test_search_matches_one_column_per_word_and_phrases_across(workspace):
    """A word matches in the first name, the last name or the e-mail, as three
    icontains did; every word must match; a phrase may span first and last name."""
    _people(workspace)
    people = Person.objects.for_workspace(workspace)

    def found(*words):
        return set(search_people(people, words).values_list("pk", flat=True))

    def either(word):
        return set(people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                                 | Q(email__icontains=word)).values_list("pk", flat=True))

    for word in ("yama", "K0", "EXAMPLE.NL", "b1@", "moto2", "zzz"):
        assert found(word) == either(word), word
    assert found("yama", "example.jp") == either("yama") & either("example.jp")
    assert found("K03 Yamamoto0") == set(people.filter(first_name="K03").values_list("pk", flat=True))
    assert not found("K03Yamamoto0")
