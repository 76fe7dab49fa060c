"""Sorting and filtering lists of relationships by trust (for the relationships API/pages).

Usage (the relationships viewset)::

    queryset = annotate_trust(Relationship.objects.all())
    class RelationshipFilterSet(TrustFilterSetMixin, django_filters.FilterSet): ...
    ordering_fields = [..., *TRUST_ORDERING_FIELDS]

One LEFT JOIN on the cached state; no query per row. Relationships without a state yet
have null scores and sort last in ascending order on PostgreSQL.
"""

from __future__ import annotations

import django_filters
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from trustfunnel.scoring.models import ReciprocityClass, TrustLabel

#: Annotation names usable in ``ordering_fields`` and serializers.
TRUST_ORDERING_FIELDS = (
    "ours_trust_score", "theirs_trust_score", "ours_trust_label", "theirs_trust_label",
    "reciprocity_balance",
)


def annotate_trust(queryset: QuerySet) -> QuerySet:
    """``queryset`` of relationships with the cached trust figures as annotations."""
    return queryset.annotate(
        ours_trust_score=F("trust_state__ours_score"),
        ours_trust_uncertainty=F("trust_state__ours_uncertainty"),
        ours_trust_label=F("trust_state__ours_label"),
        theirs_trust_score=F("trust_state__theirs_score"),
        theirs_trust_uncertainty=F("trust_state__theirs_uncertainty"),
        theirs_trust_label=F("trust_state__theirs_label"),
        reciprocity_balance=F("trust_state__reciprocity_balance"),
        reciprocity_classification=F("trust_state__reciprocity_classification"),
    )


class TrustFilterSetMixin(django_filters.FilterSet):
    """Trust filters for a relationships FilterSet (inherit it before FilterSet)."""

    ours_label = django_filters.MultipleChoiceFilter(
        field_name="trust_state__ours_label", choices=TrustLabel.choices, label=_("Our trust in them")
    )
    theirs_label = django_filters.MultipleChoiceFilter(
        field_name="trust_state__theirs_label", choices=TrustLabel.choices, label=_("Their trust in us")
    )
    ours_score_min = django_filters.NumberFilter(field_name="trust_state__ours_score", lookup_expr="gte")
    ours_score_max = django_filters.NumberFilter(field_name="trust_state__ours_score", lookup_expr="lte")
    theirs_score_min = django_filters.NumberFilter(field_name="trust_state__theirs_score", lookup_expr="gte")
    theirs_score_max = django_filters.NumberFilter(field_name="trust_state__theirs_score", lookup_expr="lte")
    reciprocity = django_filters.MultipleChoiceFilter(
        field_name="trust_state__reciprocity_classification", choices=ReciprocityClass.choices,
        label=_("Give and take"),
    )
