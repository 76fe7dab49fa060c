"""API: countries, distance, relationship pace and the paced list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.culture.helpers import deal_in, relationship_in, touch


@pytest.mark.django_db
def test_country_detail_gives_dimensions_prior_and_learned(api_for, sales_user, workspace):
    response = api_for(sales_user).get("/api/v1/countries/de/")
    assert response.status_code == 200
    body = response.json()
    assert body["country"] == "DE"
    assert body["scores"]["dimensions"]["uai"] == 65
    assert body["prior"]["heuristic"] is True
    assert body["learned"]["deals"] == 0 and body["learned"]["prior_weight"] == 1
    assert body["distance_from_home"]["a"] == "NL"
    assert body["pair"]["buyer_finds_us"] == "slow"
    assert "non-commercial" in body["notice"]


@pytest.mark.django_db
def test_country_without_scores_answers_with_a_neutral_prior(api_for, sales_user):
    body = api_for(sales_user).get("/api/v1/countries/LI/").json()
    assert body["prior"]["neutral"] is True
    assert body["scores"]["available"] == []
    assert body["distance_from_home"]["kogut_singh"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/countries/QQ/", "/api/v1/countries/NL/distance/XYZ/"])
def test_unknown_country_code_is_a_clear_error(api_for, sales_user, url):
    response = api_for(sales_user).get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_country"
    assert ("QQ" if "QQ" in url else "XYZ") in body["message"]


@pytest.mark.django_db
def test_distance_is_symmetric_through_the_api(api_for, sales_user):
    client = api_for(sales_user)
    ab = client.get("/api/v1/countries/NL/distance/UA/").json()
    ba = client.get("/api/v1/countries/UA/distance/NL/").json()
    assert ab["kogut_singh"] == ba["kogut_singh"] and ab["dimensions_used"] == 4


@pytest.mark.django_db
def test_country_api_needs_login(api_for):
    assert api_for(None).get("/api/v1/countries/DE/").status_code in (401, 403)


@pytest.mark.django_db
def test_relationship_pace_of_another_workspace_is_not_found(api_for, sales_user, other_workspace, other_user):
    theirs = relationship_in(other_workspace, "DE", owner=other_user)
    assert api_for(sales_user).get(f"/api/v1/relationships/{theirs.pk}/pace/").status_code == 404


@pytest.mark.django_db
def test_relationship_pace_gives_next_contact_and_warnings(api_for, sales_user, workspace):
    rel = relationship_in(workspace, "DE", owner=sales_user)
    today = timezone.localdate()
    deal_in(workspace, rel, stage="proposal", first_contact=today - timedelta(days=30))
    touch(rel, kind="email", direction="inbound", at=timezone.now() - timedelta(days=10))
    body = api_for(sales_user).get(f"/api/v1/relationships/{rel.pk}/pace/").json()
    assert body["paced"] is True
    assert "slow_reply" in body["warnings"]
    assert body["next_contact"] >= today.isoformat()
    assert any(r["code"] == "slow_reply" for r in body["reasons"])


@pytest.mark.django_db
def test_pace_list_is_keyset_paginated_with_pinned_queries(
    api_for, sales_user, workspace, django_assert_max_num_queries
):
    today = timezone.localdate()
    for i in range(7):
        rel = relationship_in(workspace, ["DE", "UA", "NL"][i % 3], owner=sales_user)
        deal_in(workspace, rel, stage="lead", first_contact=today - timedelta(days=5 + i))
    client = api_for(sales_user)
    with django_assert_max_num_queries(12):
        first = client.get("/api/v1/pace/?page_size=5").json()
    assert len(first["results"]) == 5 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    ids = [r["relationship"] for r in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 7


@pytest.mark.django_db
def test_pace_list_filters_by_warning(api_for, sales_user, workspace):
    today = timezone.localdate()
    cold = relationship_in(workspace, "DE", owner=sales_user)
    deal_in(workspace, cold, stage="needs_explored", first_contact=today - timedelta(days=90))
    touch(cold, kind="meeting", direction="mutual", at=timezone.now() - timedelta(days=80))
    warm = relationship_in(workspace, "DE", owner=sales_user)
    deal_in(workspace, warm, stage="needs_explored", first_contact=today - timedelta(days=10))
    touch(warm, kind="meeting", direction="mutual", at=timezone.now() - timedelta(days=2))
    body = api_for(sales_user).get("/api/v1/pace/?warning=going_cold").json()
    assert [r["relationship"] for r in body["results"]] == [cold.pk]


@pytest.mark.django_db
def test_pace_list_rejects_unknown_warning(api_for, sales_user):
    response = api_for(sales_user).get("/api/v1/pace/?warning=too_slow")
    assert response.status_code == 400 and response.json()["data"]["field"] == "warning"


def test_openapi_schema_lists_the_culture_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ("/api/v1/countries/{code}/", "/api/v1/countries/{a}/distance/{b}/",
                 "/api/v1/relationships/{id}/pace/", "/api/v1/pace/"):
        assert path in paths, path


@pytest.mark.django_db
def test_country_detail_by_sector_learns_from_that_sector_only(api_for, sales_user, workspace):
    today = timezone.localdate()
    legal = relationship_in(workspace, "DE", owner=sales_user, sector="legal")
    it = relationship_in(workspace, "DE", owner=sales_user, sector="it")
    for rel, n in ((legal, 3), (it, 5)):
        for _ in range(n):
            deal_in(workspace, rel, stage="won", first_contact=today - timedelta(days=60),
                    closed=today - timedelta(days=30))  # fmt: skip
    client = api_for(sales_user)
    assert client.get("/api/v1/countries/DE/?sector=legal").json()["learned"]["deals"] == 3
    assert client.get("/api/v1/countries/DE/").json()["learned"]["deals"] == 8
