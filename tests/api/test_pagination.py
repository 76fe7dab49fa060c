"""Lists are keyset-paginated: cursors link the pages, and a page costs a fixed number
of queries however many rows there are (no COUNT, no OFFSET, no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.conftest import url
from tests.factories import (
    DealFactory,
    ExchangeFactory,
    InteractionFactory,
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)
from trustfunnel.timeline.services import do_retract_signal


def _walk(client, first_url, params=None):
    """Every row id through the next links, and the pages' sizes."""
    ids, sizes = [], []
    response = client.get(first_url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        sizes.append(len(body["results"]))
        if not body["next"]:
            return ids, sizes
        response = client.get(body["next"])


def test_cursor_walks_people_by_name_without_gaps_or_repeats(owner_user, workspace, api_for):
    # Equal last names force the first_name and id tie-breakers.
    people = [
        PersonFactory(workspace=workspace, last_name=last, first_name=first, organization=None)
        for last in ("Bakker", "Jansen", "de Vries")
        for first in ("Anna", "Anna", "Piet")
    ]
    client = api_for(owner_user)
    ids, sizes = _walk(client, url("people"), {"ordering": "name", "page_size": 4})
    expected = sorted(people, key=lambda p: (p.last_name, p.first_name, p.pk))
    assert ids == [p.pk for p in expected]
    assert sizes == [4, 4, 1]


def test_previous_link_returns_the_page_before(owner_user, workspace, api_for):
    orgs = [OrganizationFactory(workspace=workspace) for _ in range(7)]
    client = api_for(owner_user)
    first = client.get(url("organizations"), {"page_size": 3}).json()
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [o["id"] for o in back["results"]] == [o["id"] for o in first["results"]]
    by_name = sorted(orgs, key=lambda o: (o.name, o.pk))  # organisations list by name
    assert [o["id"] for o in first["results"]] == [o.pk for o in by_name][:3]
    assert back["next"] is not None


def test_descending_name_order_and_filters_combine(owner_user, workspace, api_for):
    for name in ("Amsterdam", "Berlin", "Gent"):
        PersonFactory(workspace=workspace, last_name=name, country="NL", organization=None)
    PersonFactory(workspace=workspace, last_name="Lyon", country="FR", organization=None)
    client = api_for(owner_user)
    ids, _ = _walk(client, url("people"), {"ordering": "-name", "country": "NL", "page_size": 2})
    names = [client.get(url("people", pk)).json()["last_name"] for pk in ids]
    assert names == ["Gent", "Berlin", "Amsterdam"]


def test_search_q_matches_names_and_email(owner_user, workspace, api_for):
    PersonFactory(workspace=workspace, last_name="Visser", email="j@visser.nl")
    PersonFactory(workspace=workspace, last_name="Smit", email="k@example.com")
    client = api_for(owner_user)
    found = client.get(url("people"), {"q": "VISSER"}).json()["results"]
    assert [p["last_name"] for p in found] == ["Visser"]


def test_signals_ordered_by_occurrence(owner_user, workspace, api_for):
    relationship = RelationshipFactory(workspace=workspace, owner=owner_user)
    signals = [SignalFactory(relationship=relationship) for _ in range(5)]
    client = api_for(owner_user)
    ids, _ = _walk(client, url("signals"), {"ordering": "occurred_at", "page_size": 2})
    expected = sorted(signals, key=lambda s: (s.occurred_at, s.pk))
    assert ids == [s.pk for s in expected]


def _make_rows(workspace, owner, n: int) -> None:
    for _ in range(n):
        relationship = RelationshipFactory(workspace=workspace, owner=owner)
        DealFactory(workspace=workspace, relationship=relationship)
        interaction = InteractionFactory(relationship=relationship)
        signal = SignalFactory(relationship=relationship, interaction=interaction)
        do_retract_signal(signal, actor=owner, reason="test")
        ExchangeFactory(relationship=relationship)


#: Queries per list page, token-authenticated: the token with its user and memberships
#: (workspaces included; trustfunnel.workspaces.backends), the page of rows (with what
#: the rows show).
PINNED_QUERIES = {
    "organizations": 2,
    "people": 2,
    "relationships": 2,
    "deals": 2,
    "interactions": 2,
    "signals": 2,
    "exchanges": 2,
}


@pytest.mark.parametrize("name", sorted(PINNED_QUERIES))
def test_list_query_count_is_fixed_whatever_the_rows(owner_user, workspace, name):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner_user).key}")
    counts = []
    for new_rows in (2, 23):  # 2 rows, then 25
        _make_rows(workspace, owner_user, new_rows)
        for params in ({}, {"page_size": 10}):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url(name), params)
            assert response.status_code == 200
            assert len(response.json()["results"]) > 0
            sql = " ".join(q["sql"].upper() for q in ctx.captured_queries)
            assert "COUNT(" not in sql and "OFFSET" not in sql
            counts.append(len(ctx.captured_queries))
        # and a later page, through the cursor
        next_url = client.get(url(name), {"page_size": 3}).json()["next"]
        if next_url:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(next_url).status_code == 200
            counts.append(len(ctx.captured_queries))
    assert set(counts) == {PINNED_QUERIES[name]}, counts


def test_deal_stage_history_is_paginated_oldest_first(owner_user, workspace, api_for):
    client = api_for(owner_user)
    relationship = RelationshipFactory(workspace=workspace, owner=owner_user)
    deal = client.post(url("deals"), {"relationship": relationship.pk, "title": "Training"}).json()
    for stage in ("first_contact", "proposal", "won"):
        assert client.patch(url("deals", deal["id"]), {"stage": stage}).status_code == 200
    history = client.get(url("deals", deal["id"], "stage-history")).json()["results"]
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        ("", "lead"), ("lead", "first_contact"), ("first_contact", "proposal"), ("proposal", "won"),
    ]
    assert client.get(url("deals", deal["id"])).json()["closed_at"] is not None


def test_stage_history_and_me_query_counts_are_fixed(owner_user, workspace, api_for):
    client = api_for(owner_user)  # forced authentication: no token query
    relationship = RelationshipFactory(workspace=workspace, owner=owner_user)
    deal = client.post(url("deals"), {"relationship": relationship.pk, "title": "T"}).json()
    counts = []
    for stage in ("first_contact", "proposal", "negotiation", "won"):
        client.patch(url("deals", deal["id"]), {"stage": stage})
        with CaptureQueriesContext(connection) as ctx:
            client.get(url("deals", deal["id"], "stage-history"))
        counts.append(len(ctx.captured_queries))
    # membership, the deal, its page of changes
    assert set(counts) == {3}, counts
    with CaptureQueriesContext(connection) as ctx:
        client.get(url("me"))
    # the memberships, the current one
    assert len(ctx.captured_queries) == 2


def _scored_relationships(workspace, owner):
    """Relationships with stored trust scores (ties on purpose) and two without a state."""
    from trustfunnel.scoring.models import TrustState

    scores = [(0.8, 0.1), (0.3, 0.7), (0.8, 0.7), (0.6, 0.2), (0.3, 0.9), (0.8, 0.1)]
    sort_keys = {}
    for ours, theirs in scores:
        relationship = RelationshipFactory(workspace=workspace, owner=owner)
        TrustState.objects.create(workspace=workspace, relationship=relationship, ours_score=ours, theirs_score=theirs)
        sort_keys[relationship.pk] = {"ours": ours, "theirs": theirs}
    for _ in range(2):  # no evidence yet: sorted at the base rate
        relationship = RelationshipFactory(workspace=workspace, owner=owner)
        sort_keys[relationship.pk] = {"ours": 0.5, "theirs": 0.5}
    return sort_keys


@pytest.mark.parametrize("side", ["ours", "theirs"])
@pytest.mark.parametrize("descending", [False, True])
def test_relationships_sort_by_trust_score_with_stable_cursor_pages(owner_user, workspace, api_for, side, descending):
    sort_keys = _scored_relationships(workspace, owner_user)
    client = api_for(owner_user)
    ordering = f"{'-' if descending else ''}{side}_score"
    ids, sizes = _walk(client, url("relationships"), {"ordering": ordering, "page_size": 3})
    expected = sorted(sort_keys, key=lambda pk: (sort_keys[pk][side], pk), reverse=descending)
    assert ids == expected  # ties broken by id, in the ordering's direction
    assert sizes == [3, 3, 2]
    # The score shown is the one sorted by (null while there is no state yet).
    first = client.get(url("relationships"), {"ordering": ordering, "page_size": 3}).json()
    assert [r[f"{side}_trust_score"] for r in first["results"]] == [
        None if sort_keys[pk][side] == 0.5 else sort_keys[pk][side] for pk in expected[:3]
    ]
    # Back from the third page is the second page again.
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]] == expected[3:6]


def test_relationships_without_state_sort_at_the_workspace_base_rate(owner_user, workspace, api_for):
    workspace.params = {"trust": {"base_rate": 0.9}}
    workspace.save(update_fields=["params"])
    sort_keys = _scored_relationships(workspace, owner_user)
    stateless = [pk for pk, keys in sort_keys.items() if keys["ours"] == 0.5]
    ids, _ = _walk(api_for(owner_user), url("relationships"), {"ordering": "-ours_score", "page_size": 4})
    assert ids[:2] == sorted(stateless, reverse=True)


def test_trust_ordering_combines_with_trust_filters(owner_user, workspace, api_for):
    sort_keys = _scored_relationships(workspace, owner_user)
    ids, _ = _walk(
        api_for(owner_user), url("relationships"), {"ordering": "-theirs_score", "theirs_score_min": "0.5", "page_size": 1}
    )
    with_state = {pk: keys for pk, keys in sort_keys.items() if keys["theirs"] >= 0.5 and keys["ours"] != 0.5}
    assert ids == sorted(with_state, key=lambda pk: (with_state[pk]["theirs"], pk), reverse=True)


@pytest.mark.parametrize("ordering", ["ours_score", "-ours_score", "theirs_score", "-theirs_score"])
def test_trust_ordering_query_count_is_pinned(owner_user, workspace, ordering):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner_user).key}")
    _scored_relationships(workspace, owner_user)
    _make_rows(workspace, owner_user, 5)
    counts = []
    next_url = url("relationships")
    params = {"ordering": ordering, "page_size": 4}
    while next_url:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(next_url, params)
        assert response.status_code == 200
        sql = " ".join(q["sql"].upper() for q in ctx.captured_queries)
        assert "COUNT(" not in sql and "OFFSET" not in sql
        counts.append(len(ctx.captured_queries))
        next_url, params = response.json()["next"], None
    assert len(counts) == 4 and set(counts) == {PINNED_QUERIES["relationships"]}, counts


def test_a_tampered_trust_cursor_is_a_named_error(owner_user, workspace, api_for):
    import base64
    import json

    _scored_relationships(workspace, owner_user)
    client = api_for(owner_user)
    for values in (["high", 3], [None, 3], [0.5], [float("nan"), 3], [float("inf"), 3]):
        raw = json.dumps({"o": "ours_score", "v": values, "p": 0}).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        response = client.get(url("relationships"), {"ordering": "ours_score", "cursor": cursor})
        assert response.status_code == 400, values
        assert response.json()["data"]["field"] == "cursor"
