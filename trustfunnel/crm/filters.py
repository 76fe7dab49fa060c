"""API filters for organisations, people, relationships and deals.

Related objects are filtered by id (``?organization=12``) on the already scoped
queryset, so an id of another workspace simply matches nothing. ``?q=`` searches
names and e-mail (case-insensitive substring).
"""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from trustfunnel.crm.models import (
    Deal,
    DealStage,
    DecisionAuthority,
    Language,
    Organization,
    OrganizationSize,
    Person,
    Relationship,
    RelationshipKind,
)
from trustfunnel.crm.search import search_people
from trustfunnel.scoring.selectors import TrustFilterSetMixin
from trustfunnel.web.keyset import sort_matches_apart

COUNTRY_CHOICES = list(countries)


def _share_choices(field_class):
    """``field_class`` whose copies share the (never mutated) choice list.

    Django deep-copies a form's fields for every form, and a ChoiceField its choices:
    for ~250 countries that was most of the cost of building a FilterSet.
    """

    class SharedChoices(field_class):
        def __deepcopy__(self, memo):
            return forms.Field.__deepcopy__(self, memo)

    SharedChoices.__name__ = f"Shared{field_class.__name__}"
    return SharedChoices


class CountriesFilter(django_filters.MultipleChoiceFilter):
    field_class = _share_choices(django_filters.MultipleChoiceFilter.field_class)


class CountryFilter(django_filters.ChoiceFilter):
    field_class = _share_choices(django_filters.ChoiceFilter.field_class)


def _copy_filter(base):
    """A filter for one FilterSet: its own attributes and ``extra``, shared choice lists.

    django-filter deep-copies every filter of the class for every request; the country
    filter's ~250 choices made that a quarter of a search request's CPU. The copy holds
    everything a request may change (``extra``, the form field, ``model``, ``parent``,
    the method bound to its FilterSet); only the values of ``extra`` (choice lists,
    never changed in place) are shared.
    """
    copied = copy.copy(base)
    copied.extra = dict(base.extra)
    copied.__dict__.pop("_field", None)
    if getattr(base, "_method", None) is not None:
        copied.method = base._method  # a FilterMethod bound to the copy, not the base
    return copied


class SearchFilterSet(django_filters.FilterSet):
    """``q``: every word must appear in one of ``search_fields``."""

    def __init__(self, *args, **kwargs):
        self.base_filters = {}  # nothing for django-filter's deep copy: ours follows
        try:
            super().__init__(*args, **kwargs)
        finally:
            del self.base_filters
        model = self.queryset.model
        self.filters = {name: _copy_filter(f) for name, f in type(self).base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = model
            filter_.parent = self

    search_fields: tuple[str, ...] = ()
    #: The search fields have trigram indexes: sort the matches apart (keyset.py).
    indexed_search = False
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))

    def filter_q(self, queryset, name, value):
        words = value.split()[:5]
        queryset = self.search(queryset, words)
        return sort_matches_apart(queryset, words) if self.indexed_search else queryset

    def search(self, queryset, words):
        for word in words:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset


class OrganizationFilter(SearchFilterSet):
    search_fields = ("name", "vat_number", "chamber_number")
    country = CountriesFilter(choices=COUNTRY_CHOICES)
    sector = django_filters.CharFilter(lookup_expr="iexact")
    size = django_filters.ChoiceFilter(choices=OrganizationSize.choices)

    class Meta:
        model = Organization
        fields: list[str] = []


class PersonFilter(SearchFilterSet):
    search_fields = ("first_name", "last_name", "email")
    indexed_search = True  # one trigram index on PostgreSQL (crm 0005)
    organization = django_filters.NumberFilter(field_name="organization_id")
    country = CountriesFilter(choices=COUNTRY_CHOICES)
    language = django_filters.ChoiceFilter(choices=Language.choices)
    decision_authority = django_filters.ChoiceFilter(choices=DecisionAuthority.choices)
    marketing_consent = django_filters.BooleanFilter()

    def search(self, queryset, words):
        # The same matches as the three fields one by one, through one index.
        return search_people(queryset, words)

    class Meta:
        model = Person
        fields: list[str] = []


class RelationshipFilter(TrustFilterSetMixin, SearchFilterSet):
    search_fields = ("person__first_name", "person__last_name", "person__email", "organization__name")
    kind = django_filters.MultipleChoiceFilter(choices=RelationshipKind.choices)
    owner = django_filters.NumberFilter(field_name="owner_id")
    person = django_filters.NumberFilter(field_name="person_id")
    organization = django_filters.NumberFilter(field_name="organization_id")
    country = CountryFilter(
        choices=COUNTRY_CHOICES, method="filter_country", label=_("Country")
    )

    class Meta:
        model = Relationship
        fields: list[str] = []

    def filter_country(self, queryset, name, value):
        return queryset.filter(Q(organization__country=value) | Q(person__country=value))


class DealFilter(SearchFilterSet):
    search_fields = ("title",)
    stage = django_filters.MultipleChoiceFilter(choices=DealStage.choices)
    owner = django_filters.NumberFilter(field_name="owner_id")
    relationship = django_filters.NumberFilter(field_name="relationship_id")
    expected_close_after = django_filters.DateFilter(field_name="expected_close", lookup_expr="gte")
    expected_close_before = django_filters.DateFilter(field_name="expected_close", lookup_expr="lte")
    value_min = django_filters.NumberFilter(field_name="value", lookup_expr="gte")
    value_max = django_filters.NumberFilter(field_name="value", lookup_expr="lte")

    class Meta:
        model = Deal
        fields: list[str] = []
