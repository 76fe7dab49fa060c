"""People search: same answers and order, and on PostgreSQL the trigram indexes."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import PersonFactory
from trustfunnel.crm.models import Person
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes: PostgreSQL only")
@pytest.mark.parametrize("column", ["first_name", "last_name", "email"])
def test_postgresql_icontains_can_use_the_trigram_index(workspace, column):
    """The index expression is exactly what Django writes for icontains."""
    _people(workspace)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Person.objects.filter(**{f"{column}__icontains": "Yamamoto"}).explain()
    assert f"person_{column}_trgm" in plan, plan
