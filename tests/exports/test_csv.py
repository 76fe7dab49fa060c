"""CSV exports of the lists: filtered, streamed, Excel-friendly, one query."""

from __future__ import annotations

import codecs
import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import DealFactory, OrganizationFactory, PersonFactory, RelationshipFactory
from trustfunnel.workspaces.models import AuditEntry


def read_csv(response, delimiter=","):
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8):].decode()), delimiter=delimiter))


@pytest.fixture
def people(workspace):
    org = OrganizationFactory(workspace=workspace, name="Müller & Zoon GmbH", country="DE")
    return [
        PersonFactory(workspace=workspace, organization=org, first_name="Jürgen", last_name="Weiß",
                      email="jw@example.de", country="DE"),
        PersonFactory(workspace=workspace, organization=org, first_name="Anouk", last_name="Bos",
                      email="anouk@example.nl", country="NL", phone="+31612345678"),
    ]


def test_people_csv_has_bom_header_and_accents(client, owner_user, people):
    client.force_login(owner_user)
    response = client.get(reverse("exports:list-csv", args=["people"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert rows[0][:3] == ["id", "first name", "last name"]
    names = {(r[1], r[2], r[3]) for r in rows[1:]}
    assert ("Jürgen", "Weiß", "Müller & Zoon GmbH") in names


def test_people_csv_respects_filters(client, viewer_user, people):
    client.force_login(viewer_user)
    response = client.get(reverse("exports:list-csv", args=["people"]), {"country": "NL"})

    rows = read_csv(response)
    assert [r[2] for r in rows[1:]] == ["Bos"]


def test_csv_semicolon_uses_decimal_comma(client, sales_user, workspace):
    rel = RelationshipFactory(workspace=workspace, owner=sales_user)
    DealFactory(workspace=workspace, relationship=rel, value=Decimal("1234.50"),
                title="Leiderschap; deel 1")
    client.force_login(sales_user)
    response = client.get(reverse("exports:list-csv", args=["deals"]), {"delimiter": "semicolon"})

    rows = read_csv(response, delimiter=";")
    header, row = rows[0], rows[1]
    assert row[header.index("title")] == "Leiderschap; deel 1"
    assert row[header.index("value")] == "1234,50"


def test_csv_neutralises_formulas(client, owner_user, people):
    client.force_login(owner_user)
    rows = read_csv(client.get(reverse("exports:list-csv", args=["people"]), {"q": "anouk"}))
    header = rows[0]
    assert rows[1][header.index("phone")] == "'+31612345678"


def test_csv_bad_filter_names_the_field(client, owner_user, people):
    client.force_login(owner_user)
    response = client.get(reverse("exports:list-csv", args=["people"]), {"organization": "x"})

    assert response.status_code == 400
    assert response.content.decode().startswith("organization:")


def test_csv_only_the_members_workspace(client, other_user, people):
    client.force_login(other_user)
    rows = read_csv(client.get(reverse("exports:list-csv", args=["people"])))
    assert rows[1:] == []


def test_csv_requires_login(client, people):
    response = client.get(reverse("exports:list-csv", args=["people"]))
    assert response.status_code == 302


def test_csv_is_audited(client, owner_user, people):
    client.force_login(owner_user)
    client.get(reverse("exports:list-csv", args=["people"]), {"country": "DE"})
    entry = AuditEntry.objects.get(action="exports.people.csv")
    assert entry.data == {"filters": {"country": ["DE"]}}


@pytest.mark.parametrize("key", ["organizations", "people", "relationships", "deals", "interactions"])
def test_csv_query_count_does_not_grow_with_rows(client, owner_user, workspace, key,
                                                 django_assert_max_num_queries):
    for _ in range(30):
        DealFactory(workspace=workspace,
                    relationship=RelationshipFactory(workspace=workspace, owner=owner_user))
    client.force_login(owner_user)
    # session, user, membership, audit entry, the rows: a fixed number, not one per row
    with django_assert_max_num_queries(6):
        response = client.get(reverse("exports:list-csv", args=[key]))
        rows = read_csv(response)
    assert response.status_code == 200
    assert len(rows) >= 1


def test_api_csv_export_with_semicolon(api_for, owner_user, people):
    response = api_for(owner_user).get("/api/v1/exports/people.csv?delimiter=semicolon",
                                       HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    rows = read_csv(response, delimiter=";")
    assert len(rows) == 3


def test_api_csv_unknown_list_is_404(api_for, owner_user):
    response = api_for(owner_user).get("/api/v1/exports/nothing.csv")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
