"""The marketing API, and the gate endpoint an external mailing tool asks before it sends."""

import pytest

from tests.factories import DealFactory, PersonFactory, RelationshipFactory
from trustfunnel.marketing.models import Content, ContentVersion

GATE = "/api/v1/gate/check"


@pytest.fixture
def people(workspace, sales_user):
    early = PersonFactory(workspace=workspace, email="Early@Example.nl", marketing_consent=True)
    RelationshipFactory(workspace=workspace, owner=sales_user, person=early)
    late = PersonFactory(workspace=workspace, email="late@example.nl", marketing_consent=True)
    rel = RelationshipFactory(workspace=workspace, owner=sales_user, person=late)
    DealFactory(workspace=workspace, relationship=rel, stage="negotiation", owner=sales_user)
    return early, late


def test_gate_check_answers_each_recipient_by_email_or_id_in_order(api_for, sales_user, people):
    early, late = people
    response = api_for(sales_user).post(
        GATE, {"recipients": [{"email": "early@example.nl"}, {"id": late.pk},
                              {"email": "nobody@example.com"}]}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["decision"] for r in results] == ["send", "personal", "suppress"]
    assert results[1]["rules"] == ["advanced_stage"]
    assert results[2]["rules"] == ["unknown_recipient"]
    assert results[0]["person_id"] == early.pk


def test_gate_check_uses_the_contents_stages_and_languages(api_for, workspace, sales_user, people):
    content = Content.objects.create(workspace=workspace, kind="case_study", title="Clients only",
                                     target_stages=["won"])
    ContentVersion.objects.create(workspace=workspace, content=content, language="en",
                                  subject="x", body="y")
    response = api_for(sales_user).post(
        GATE, {"recipients": [{"id": people[0].pk}], "content": content.pk}, format="json")
    assert response.json()["results"][0]["rules"] == ["stage_mismatch"]


def test_gate_check_rejects_a_wrong_payload_naming_the_field(api_for, sales_user):
    response = api_for(sales_user).post(GATE, {"recipients": [{"email": "not-an-email"}]},
                                        format="json")
    assert response.status_code == 400
    assert response.json()["data"]["field"].startswith("recipients")


def test_gate_check_needs_a_login(api_for):
    assert api_for(None).post(GATE, {"recipients": [{"id": 1}]}, format="json").status_code in (401, 403)


def test_gate_check_never_answers_for_another_workspaces_people(api_for, other_user, people):
    response = api_for(other_user).post(GATE, {"recipients": [{"id": people[0].pk}]}, format="json")
    assert response.json()["results"][0]["rules"] == ["unknown_recipient"]


def test_viewers_and_sales_cannot_create_campaign_objects(api_for, viewer_user, sales_user):
    for user in (viewer_user, sales_user):
        response = api_for(user).post("/api/v1/segments/", {"name": "x", "filters": {}},
                                      format="json")
        assert response.status_code == 403


def test_marketing_creates_a_segment_and_sees_its_count(api_for, marketing_user, people):
    client = api_for(marketing_user)
    created = client.post("/api/v1/segments/", {"name": "Negotiating",
                                                "filters": {"stages": ["negotiation"]}},
                          format="json")
    assert created.status_code == 201, created.content
    count = client.get(f"/api/v1/segments/{created.json()['id']}/count/")
    assert count.json() == {"count": 1}


def test_a_segment_with_an_unknown_filter_is_rejected_naming_it(api_for, marketing_user):
    response = api_for(marketing_user).post(
        "/api/v1/segments/", {"name": "x", "filters": {"colour": ["red"]}}, format="json")
    assert response.status_code == 400
    assert "filters" in response.json()["message"]
