"""GET /api/v1/relationships/{id}/trust/ and /reciprocity/: scoped, explained, in the schema."""

from __future__ import annotations

from tests.factories import RelationshipFactory


def test_trust_endpoint_returns_both_directions_with_reasons(api_for, sales_user, relationship, record):
    for days in (3, 20, 40):
        record(relationship, "no_show", days=days)
    record(relationship, "delivered", actor_side="us", days=5)
    response = api_for(sales_user).get(f"/api/v1/relationships/{relationship.pk}/trust/")
    assert response.status_code == 200
    body = response.json()
    ours = body["ours_in_them"]
    reliability = next(c for c in ours["components"] if c["component"] == "reliability")
    assert reliability["label"] == "low"
    assert ours["top_signals"][0]["kind"] == "no_show"
    assert abs(sum(s["share"] for s in ours["top_signals"]) - 1) < 1e-9
    assert any(s["code"] == "negative_reliability" for s in ours["suggestions"])
    theirs = body["theirs_in_us"]
    assert theirs["trend"]["label"] in {"rising", "steady", "falling"}
    assert any("care" in s["message"] for s in theirs["suggestions"])


def test_reciprocity_endpoint_returns_classification_and_alerts(api_for, viewer_user, relationship, give):
    for days in (5, 15, 25, 35):
        give(relationship, "us", value=200, kind="advice", days=days)
    response = api_for(viewer_user).get(f"/api/v1/relationships/{relationship.pk}/reciprocity/")
    assert response.status_code == 200
    body = response.json()
    assert body["classification"] == "matcher" or body["classification"] in {"taker", "unknown"}
    assert body["given_by_us"] > 700
    codes = {a["code"] for a in body["alerts"]}
    assert {"unsolicited_giving", "giving_without_return", "cannot_give_back"} <= codes
    alert = next(a for a in body["alerts"] if a["code"] == "giving_without_return")
    assert alert["reason"] and alert["action"] and len(alert["exchange_ids"]) == 4


def test_relationship_of_another_workspace_is_not_found(api_for, other_user, relationship):
    for suffix in ("trust", "reciprocity"):
        response = api_for(other_user).get(f"/api/v1/relationships/{relationship.pk}/{suffix}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_anonymous_caller_is_refused(api_for, relationship):
    assert api_for(None).get(f"/api/v1/relationships/{relationship.pk}/trust/").status_code in (401, 403)


def test_trust_endpoint_query_count_does_not_grow_with_the_timeline(
    api_for, sales_user, relationship, record, django_assert_max_num_queries
):
    for days in range(1, 40):
        record(relationship, "promise_kept", days=days)
    other = RelationshipFactory(workspace=relationship.workspace, owner=sales_user)
    record(other, "promise_kept")
    client = api_for(sales_user)
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/relationships/{relationship.pk}/trust/").status_code == 200


def test_endpoints_are_in_the_openapi_schema(db):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "/api/v1/relationships/{id}/trust/" in paths
    schema = paths["/api/v1/relationships/{id}/reciprocity/"]["get"]["responses"]["200"]
    assert "Reciprocity" in str(schema)
