"""Relationship lists can sort and filter by the cached trust figures (one JOIN)."""

from __future__ import annotations

import django_filters

from tests.factories import RelationshipFactory
from trustfunnel.crm.models import Relationship
from trustfunnel.scoring.selectors import TrustFilterSetMixin, annotate_trust


class RelationshipFilterSet(TrustFilterSetMixin, django_filters.FilterSet):
    class Meta:
        model = Relationship
        fields = ["kind"]


def _setup(workspace, owner_user, record):
    good = RelationshipFactory(workspace=workspace, owner=owner_user)
    bad = RelationshipFactory(workspace=workspace, owner=owner_user)
    blank = RelationshipFactory(workspace=workspace, owner=owner_user)
    for days in range(1, 12):
        for kind in ("promise_kept", "disclosure", "competence_shown", "care_shown"):
            record(good, kind, days=days)
        for kind in ("promise_broken", "hedging", "competence_doubted", "care_lacking"):
            record(bad, kind, days=days)
    return good, bad, blank


def test_annotate_trust_sorts_by_score_in_one_query(workspace, owner_user, record, django_assert_num_queries):
    good, bad, blank = _setup(workspace, owner_user, record)
    queryset = annotate_trust(Relationship.objects.for_workspace(workspace)).filter(ours_trust_score__isnull=False)
    with django_assert_num_queries(1):
        rows = list(queryset.order_by("-ours_trust_score").values_list("id", "ours_trust_label"))
    assert rows == [(good.pk, "strong"), (bad.pk, "low")]


def test_trust_filterset_filters_by_label_and_score(workspace, owner_user, record):
    good, bad, blank = _setup(workspace, owner_user, record)
    base = Relationship.objects.for_workspace(workspace)
    by_label = RelationshipFilterSet({"ours_label": ["low"]}, queryset=base).qs
    assert list(by_label) == [bad]
    by_score = RelationshipFilterSet({"ours_score_min": "0.6"}, queryset=base).qs
    assert list(by_score) == [good]
    invalid = RelationshipFilterSet({"ours_label": ["excellent"]}, queryset=base)
    assert not invalid.is_valid() and "ours_label" in invalid.errors
