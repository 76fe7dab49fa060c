"""Who reaches which page: login, membership, workspace isolation, roles."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST_URLS = ["/", "/organizations/", "/people/", "/relationships/", "/deals/"]


def _detail_urls(crm):
    return [
        f"/organizations/{crm['org'].pk}/",
        f"/organizations/{crm['org'].pk}/edit/",
        f"/people/{crm['person'].pk}/",
        f"/people/{crm['person'].pk}/edit/",
        f"/relationships/{crm['rel'].pk}/",
        f"/relationships/{crm['rel'].pk}/edit/",
        f"/relationships/{crm['rel'].pk}/timeline/",
        f"/deals/{crm['deal'].pk}/edit/",
    ]


@pytest.mark.parametrize("url", [*LIST_URLS, "/organizations/new/", "/deals/new/"])
def test_pages_redirect_to_login_when_anonymous(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_detail_pages_redirect_to_login_when_anonymous(client, crm):
    for url in _detail_urls(crm):
        assert client.get(url).status_code == 302, url


def test_pages_refused_when_user_has_no_membership(client_for, db):
    client = client_for(UserFactory(username="loner"))
    assert client.get("/relationships/").status_code == 403


def test_login_page_renders_and_logs_in(client, owner_user):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content
    response = client.post("/accounts/login/", {"username": "olga", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_logout_requires_post(client_for, owner_user):
    client = client_for(owner_user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_other_workspace_detail_pages_are_not_found(client_for, owner_user, crm, other_crm):
    client = client_for(owner_user)
    for url in _detail_urls(other_crm):
        assert client.get(url).status_code == 404, url


def test_other_workspace_rows_never_appear_in_lists(client_for, owner_user, crm, other_crm):
    client = client_for(owner_user)
    for url in LIST_URLS:
        body = client.get(url).content.decode()
        assert "Geheim" not in body, url
    assert "Noordkust Logistiek" in client.get("/organizations/").content.decode()
    assert "Visser" in client.get("/people/").content.decode()


def test_other_workspace_cannot_be_logged_to(client_for, other_user, crm):
    client = client_for(other_user)
    url = f"/relationships/{crm['rel'].pk}/log/signal/"
    response = client.post(url, {"signal-kind": "promise_kept", "signal-actor": "them",
                                 "signal-occurred_at": "2024-01-01T10:00", "signal-strength": 1})
    assert response.status_code == 404


def test_viewer_sees_no_edit_buttons(client_for, viewer_user, crm):
    client = client_for(viewer_user)
    rel_page = client.get(f"/relationships/{crm['rel'].pk}/").content.decode()
    assert f"/relationships/{crm['rel'].pk}/edit/" not in rel_page
    assert "log-form-signal" not in rel_page
    assert "/organizations/new/" not in client.get("/organizations/").content.decode()
    assert f"/people/{crm['person'].pk}/edit/" not in client.get(
        f"/people/{crm['person'].pk}/").content.decode()


@pytest.mark.parametrize(
    "url_of",
    [
        lambda c: "/organizations/new/",
        lambda c: f"/organizations/{c['org'].pk}/edit/",
        lambda c: "/people/new/",
        lambda c: "/relationships/new/",
        lambda c: f"/relationships/{c['rel'].pk}/edit/",
        lambda c: "/deals/new/",
        lambda c: f"/relationships/{c['rel'].pk}/log/signal/",
        lambda c: f"/relationships/{c['rel'].pk}/log/interaction/",
        lambda c: f"/relationships/{c['rel'].pk}/log/exchange/",
    ],
)
def test_viewer_gets_403_on_post(client_for, viewer_user, crm, url_of):
    assert client_for(viewer_user).post(url_of(crm), {"name": "x"}).status_code == 403


def test_marketing_cannot_edit_relationships_or_log(client_for, marketing_user, crm):
    client = client_for(marketing_user)
    assert client.post(f"/relationships/{crm['rel'].pk}/edit/", {}).status_code == 403
    assert client.post(f"/relationships/{crm['rel'].pk}/log/signal/", {}).status_code == 403
    page = client.get(f"/relationships/{crm['rel'].pk}/").content.decode()
    assert "Secret about budget" not in page


def test_private_notes_shown_to_the_account_owner(client_for, sales_user, crm):
    page = client_for(sales_user).get(f"/relationships/{crm['rel'].pk}/").content.decode()
    assert "Secret about budget" in page


def test_not_found_and_forbidden_pages_explain_what_happened(client_for, viewer_user, crm):
    client = client_for(viewer_user)
    missing = client.get("/relationships/999999/")
    assert missing.status_code == 404
    assert "This page does not exist" in missing.content.decode()
    forbidden = client.get("/organizations/new/")
    assert forbidden.status_code == 403
    assert "Your role does not allow this" in forbidden.content.decode()
