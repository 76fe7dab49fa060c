"""The relationships list carries the cached trust figures and filters by them."""

from datetime import timedelta

from django.utils import timezone

from tests.factories import RelationshipFactory
from trustfunnel.timeline import services


def test_relationships_list_shows_and_filters_by_trust(api_for, workspace, sales_user):
    trusted = RelationshipFactory(workspace=workspace, owner=sales_user)
    RelationshipFactory(workspace=workspace, owner=sales_user)  # no evidence: unknown
    for days in range(1, 9):
        services.do_record_signal(trusted, actor=sales_user, kind="promise_kept",
                                  actor_side="them", occurred_at=timezone.now() - timedelta(days=days))
    client = api_for(sales_user)
    rows = client.get("/api/v1/relationships/").json()["results"]
    by_id = {row["id"]: row for row in rows}
    assert by_id[trusted.pk]["ours_trust_score"] > 0.5
    filtered = client.get("/api/v1/relationships/?ours_score_min=0.51").json()["results"]
    assert [row["id"] for row in filtered] == [trusted.pk]


def test_a_time_filter_with_an_offset_beyond_postgresqls_range_is_compared_in_utc(
    api_for, sales_user
):
    url = "/api/v1/signals/?occurred_after=2026-08-25T19:56:01-19:16"
    assert api_for(sales_user).get(url).status_code == 200
