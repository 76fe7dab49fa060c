"""Sorting and filtering lists of relationships by trust (for the relationships API/pages).

Usage (the relationships viewset)::

    queryset = annotate_trust(Relationship.objects.all())
    class RelationshipFilterSet(TrustFilterSetMixin, django_filters.FilterSet): ...
    ordering_fields = [..., *TRUST_ORDERING_FIELDS]

One LEFT JOIN on the cached state; no query per row. Relationships without a state yet
have null scores in ``ours_trust_score``/``theirs_trust_score``; the sort keys
``ours_trust_sort``/``theirs_trust_sort`` put them at the base rate instead (no evidence
yet, the score a state would show), so a keyset cursor never meets a NULL. The API's
trust orderings (:data:`TRUST_KEYSET_ORDERINGS`) tie-break on the id.
"""

from __future__ import annotations

import django_filters
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from trustfunnel.core.params import Params
from trustfunnel.scoring.models import ReciprocityClass, TrustLabel

#: Annotation names usable in ``ordering_fields`` and serializers.
TRUST_ORDERING_FIELDS = (
    "ours_trust_score", "theirs_trust_score", "ours_trust_label", "theirs_trust_label",
    "reciprocity_balance",
)

#: Keyset orderings (for ``KeysetPagination``) by the stored trust scores, both ways:
#: the sort key, then the id so that equal scores keep one stable order.
TRUST_KEYSET_ORDERINGS: dict[str, tuple[str, ...]] = {
    "ours_score": ("ours_trust_sort", "id"),
    "-ours_score": ("-ours_trust_sort", "-id"),
    "theirs_score": ("theirs_trust_sort", "id"),
    "-theirs_score": ("-theirs_trust_sort", "-id"),
}


def annotate_trust(queryset: QuerySet, *, base_rate: float | None = None) -> QuerySet:
    """``queryset`` of relationships with the cached trust figures as annotations.

    ``base_rate`` (default: the engine default) is the sort key of relationships without
    a state yet; pass the workspace's own (``params_for(workspace).trust.base_rate``).
    """
    if base_rate is None:
        base_rate = Params().trust.base_rate
    return queryset.annotate(
        ours_trust_score=F("trust_state__ours_score"),
        ours_trust_uncertainty=F("trust_state__ours_uncertainty"),
        ours_trust_label=F("trust_state__ours_label"),
        theirs_trust_score=F("trust_state__theirs_score"),
        theirs_trust_uncertainty=F("trust_state__theirs_uncertainty"),
        theirs_trust_label=F("trust_state__theirs_label"),
        reciprocity_balance=F("trust_state__reciprocity_balance"),
        reciprocity_classification=F("trust_state__reciprocity_classification"),
        ours_trust_sort=Coalesce(F("trust_state__ours_score"), Value(base_rate), output_field=FloatField()),
        theirs_trust_sort=Coalesce(F("trust_state__theirs_score"), Value(base_rate), output_field=FloatField()),
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
