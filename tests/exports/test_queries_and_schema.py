"""Query counts of the feed and the access report; the API schema covers our endpoints."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from tests.factories import DealFactory, InteractionFactory, RelationshipFactory
from trustfunnel.exports import services
from trustfunnel.privacy.services import build_subject_access_report
from trustfunnel.workspaces.models import Membership


def test_feed_query_count_does_not_grow_with_deals(client, workspace, owner_user,
                                                    django_assert_max_num_queries):
    membership = Membership.objects.get(user=owner_user)
    token = services.do_issue_feed_token(membership, actor=owner_user)
    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    for n in range(25):
        DealFactory(workspace=workspace, relationship=rel, owner=owner_user, stage="proposal",
                    expected_close=timezone.localdate() + timedelta(days=n))
    with django_assert_max_num_queries(4):
        response = client.get(f"/exports/calendar/{token}.ics")
    assert response.content.count(b"BEGIN:VEVENT") == 25


def test_access_report_query_count_does_not_grow(workspace, owner_user, django_assert_max_num_queries):
    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    for _ in range(20):
        InteractionFactory(relationship=rel)
    # One query per section: the report's own and one per other model that points at
    # a person or relationship (a new such model raises this by one, rows never do).
    with django_assert_max_num_queries(26):
        report = build_subject_access_report(rel.person)
    assert len(report["sections"]["interactions"]) == 20


def test_openapi_schema_lists_privacy_and_export_endpoints(api_for, owner_user):
    response = api_for(owner_user).get("/api/v1/openapi.json?format=json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for expected in (
        "/api/v1/exports/{key}.csv",
        "/api/v1/privacy/people/{id}/access-report/",
        "/api/v1/privacy/people/{id}/erase/",
        "/api/v1/privacy/people/{id}/consent/",
        "/api/v1/privacy/people/{id}/access-log/",
    ):
        assert expected in paths
