"""Each FilterSet gets its own filters (cheap copies), as django-filter's deep copy gave."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tests.factories import PersonFactory
from trustfunnel.crm.filters import PersonFilter, RelationshipFilter
from trustfunnel.crm.models import Person

pytestmark = pytest.mark.django_db


def test_filters_are_per_filterset_and_bound_to_it(workspace):
    first, second = PersonFilter(QueryDict("q=a")), PersonFilter(QueryDict("q=b"))
    base = PersonFilter.base_filters
    for name in base:
        assert first.filters[name] is not base[name]
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert first.filters[name].extra is not base[name].extra
    # The method filter calls its own FilterSet's method.
    assert first.filters["q"].filter.f is first.filters["q"]
    # Choice lists are shared, never copied.
    assert first.filters["country"].extra["choices"] is base["country"].extra["choices"]
    assert not hasattr(base["country"], "_field")


def test_filtering_gives_the_same_rows_as_before(workspace, other_workspace):
    anna = PersonFactory(workspace=workspace, last_name="Anderson", country="NL")
    PersonFactory(workspace=workspace, last_name="Anderson", country="BE")
    PersonFactory(workspace=workspace, last_name="Bakker", country="NL")
    scoped = Person.objects.for_workspace(workspace)
    for _ in range(2):  # a second FilterSet is not changed by the first
        found = PersonFilter(QueryDict("q=anders&country=NL"), queryset=scoped)
        assert found.is_valid()
        assert list(found.qs.values_list("pk", flat=True)) == [anna.pk]
    bad = PersonFilter(QueryDict("country=XX"), queryset=scoped)
    assert not bad.is_valid() and "country" in bad.errors


def test_relationship_filters_keep_their_methods(workspace):
    filterset = RelationshipFilter(QueryDict("country=NL"))
    assert filterset.filters["country"].filter.f is filterset.filters["country"]
    assert filterset.filters["country"].filter.method == filterset.filter_country
