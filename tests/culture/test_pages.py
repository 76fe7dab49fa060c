"""Country pages, the pipeline by country, the relationship panel and the nav item."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from tests.culture.helpers import deal_in, relationship_in, touch
from trustfunnel.culture.panels import pace_panel_context
from trustfunnel.web.registry import nav_items, relationship_panels


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _deals(workspace, owner, country, n, *, won_after, open_n=0):
    today = timezone.localdate()
    rel = relationship_in(workspace, country, owner=owner)
    for i in range(n):
        start = today - timedelta(days=200 + i)
        deal_in(workspace, rel, stage="won", first_contact=start, closed=start + timedelta(days=won_after + i % 5))
    for i in range(open_n):
        deal_in(workspace, rel, stage="proposal", first_contact=today - timedelta(days=10 + i))
    return rel


@pytest.mark.django_db
def test_country_page_compares_dimensions_and_shows_pace(sales_user, workspace, django_assert_max_num_queries):
    _deals(workspace, sales_user, "DE", 8, won_after=70, open_n=30)
    client = _client(sales_user)
    client.get("/countries/DE/?compare=UA")  # warm caches (session, content types)
    with django_assert_max_num_queries(20):
        response = client.get("/countries/DE/?compare=UA")
    assert response.status_code == 200
    html = response.content.decode()
    chart = json.loads(response.context["chart"] and json.dumps(response.context["chart"]))
    assert [d["code"] for d in chart["datasets"]] == ["NL", "DE", "UA"]
    assert chart["datasets"][2]["data"][1] is None  # Ukraine's individualism: missing, not 0
    assert "vendor/chartjs/chart.umd.js" in html
    assert "heuristic" in html and "non-commercial" in html
    assert response.context["learned"]["deals"] == 38
    assert len(response.context["deals"]) == 25 and response.context["next_before"]


@pytest.mark.django_db
def test_country_page_with_unknown_code_is_404_naming_it(sales_user):
    response = _client(sales_user).get("/countries/QQ/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_country_page_reports_bad_compare_codes(sales_user):
    response = _client(sales_user).get("/countries/DE/?compare=UA,QQ")
    assert response.status_code == 200
    assert [d["code"] for d in response.context["chart"]["datasets"]] == ["NL", "DE", "UA"]
    assert "QQ" in response.content.decode()


@pytest.mark.django_db
def test_country_page_lists_only_own_workspace_deals(sales_user, workspace, other_workspace, other_user):
    _deals(other_workspace, other_user, "DE", 3, won_after=10)
    response = _client(sales_user).get("/countries/DE/")
    assert response.context["deals"] == [] and response.context["learned"]["deals"] == 0


@pytest.mark.django_db
def test_country_pages_need_login(client):
    assert client.get("/countries/").status_code == 302
    assert client.get("/countries/DE/").status_code == 302


@pytest.mark.django_db
def test_country_index_lists_countries_with_our_deals_first(
    sales_user, workspace, django_assert_max_num_queries
):
    _deals(workspace, sales_user, "UA", 2, won_after=10)
    _deals(workspace, sales_user, "DE", 1, won_after=10)
    client = _client(sales_user)
    with django_assert_max_num_queries(8):
        response = client.get("/countries/")
    assert response.status_code == 200
    assert response.context["rows"][0]["code"] == "UA"


@pytest.mark.django_db
def test_pipeline_by_country_shows_slow_countries(
    sales_user, workspace, django_assert_max_num_queries
):
    rel = _deals(workspace, sales_user, "DE", 5, won_after=20)
    deal_in(workspace, rel, stage="negotiation", first_contact=timezone.localdate() - timedelta(days=300))
    _deals(workspace, sales_user, "UA", 3, won_after=20, open_n=2)
    client = _client(sales_user)
    with django_assert_max_num_queries(10):  # 9, and a SET work_mem on PostgreSQL
        response = client.get("/countries/pipeline/")
    assert response.status_code == 200
    row = response.context["rows"][0]["row"]
    assert (row.country, row.open_deals, row.slower) == ("DE", 1, 1)


@pytest.mark.django_db
def test_relationship_panel_shows_next_contact_and_warnings(sales_user, workspace):
    rel = relationship_in(workspace, "UA", owner=sales_user)
    deal_in(workspace, rel, stage="proposal", first_contact=timezone.localdate() - timedelta(days=40))
    touch(rel, kind="email", direction="inbound", at=timezone.now() - timedelta(days=8))
    membership = sales_user.memberships.get()
    context = pace_panel_context(None, rel, membership)
    assert "slow_reply" in context["pace"]["warnings"]
    assert context["pair"]["buyer_finds_us"] == "slow"
    html = render_to_string("culture/panel_pace.html", context)
    assert "Next contact" in html and "⚠" in html


def test_panel_and_nav_are_registered():
    assert any(p.key == "pace" for p in relationship_panels)
    assert any(i.key == "countries" and i.url_name == "culture:index" for i in nav_items)


@pytest.mark.django_db
def test_home_country_page_shows_each_country_once(sales_user):
    response = _client(sales_user).get("/countries/NL/?compare=DE,UA,NL")
    assert [d["code"] for d in response.context["chart"]["datasets"]] == ["NL", "DE", "UA"]
    assert [d["b"] for d in response.context["distances"]] == ["DE", "UA"]
