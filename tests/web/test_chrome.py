"""The page chrome is rendered once per set of inputs (trustfunnel.web.chrome): the
memoized text must equal a plain render, and every input must reach the next request."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from trustfunnel.web import chrome
from trustfunnel.workspaces.models import Membership

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def fresh_chrome():
    chrome.clear()
    chrome.enabled = True
    yield
    chrome.enabled = True
    chrome.clear()


def _page(client, url: str) -> str:
    return CSRF.sub(r"\1TOKEN", client.get(url).content.decode())


@pytest.mark.parametrize("language", ["en", "nl"])
def test_memoized_chrome_equals_a_plain_render(client_for, owner_user, sales_user,
                                               other_workspace, language):
    Membership.objects.create(workspace=other_workspace, user=owner_user, role="viewer")
    for user in (owner_user, sales_user):
        client = client_for(user)
        client.cookies["django_language"] = language
        for url in ("/people/", "/deals/?q=x", "/"):
            chrome.enabled = False
            plain = _page(client, url)
            chrome.enabled = True
            first, again = _page(client, url), _page(client, url)
            assert first == plain and again == plain


def test_each_request_gets_its_own_next_url_and_a_working_csrf_token(owner_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner_user)
    client.get("/people/")  # fills the memo
    body = client.get("/people/?q=Visser&country=NL").content.decode()
    assert 'name="next" value="/people/?q=Visser&amp;country=NL"' in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]
    assert "\ue000" not in body
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/people/",
                                              "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_changed_role_name_or_workspace_shows_on_the_next_request(client_for, owner_user,
                                                                    workspace):
    client = client_for(owner_user)
    assert "Hoetmer Training" in client.get("/people/").content.decode()
    workspace.name = "Hoetmer Academie"
    workspace.save()
    owner_user.first_name, owner_user.last_name = "Olga", "Jansen"
    owner_user.save()
    Membership.objects.filter(user=owner_user).update(role="viewer")
    body = client.get("/people/").content.decode()
    assert "Hoetmer Academie" in body and "Hoetmer Training" not in body
    assert "Olga Jansen" in body
    assert "Viewer" in body and "New person" not in body


def test_the_memo_is_bounded(client_for, owner_user, monkeypatch):
    monkeypatch.setattr(chrome, "MAX_ENTRIES", 2)
    client = client_for(owner_user)
    for url in ("/", "/people/", "/deals/", "/organizations/"):
        client.get(url)
    assert len(chrome._rendered) == 2
