"""The shell: navigation from the registry, workspace switcher, language switch, page costs."""

from __future__ import annotations

import re

import pytest

from tests.factories import MembershipFactory, SignalFactory
from trustfunnel.web.registry import NavItem, nav_items

pytestmark = pytest.mark.django_db


def test_registered_nav_items_show_only_with_the_capability(client_for, sales_user, viewer_user):
    item = NavItem(key="reliability-test", title="Reliability list", url_name="crm:deal-list",
                   icon="shield-check", order=50, capability="see_reliability")
    broken = NavItem(key="not-served", title="Not served", url_name="nowhere:page", order=60)
    nav_items.extend([item, broken])
    try:
        sales_body = client_for(sales_user).get("/").content.decode()
        viewer_body = client_for(viewer_user).get("/").content.decode()
    finally:
        nav_items.remove(item)
        nav_items.remove(broken)
    assert "Reliability list" in sales_body and "bi-shield-check" in sales_body
    assert "Reliability list" not in viewer_body
    assert "Not served" not in sales_body  # an unknown url name is skipped, not a 500


def test_navigation_marks_the_current_page(client_for, sales_user):
    body = client_for(sales_user).get("/people/").content.decode()
    assert re.search(r'href="/people/"\s+aria-current="page"', body)
    assert not re.search(r'href="/deals/"\s+aria-current="page"', body)


def test_workspace_switcher_changes_the_data_shown(client_for, owner_user, other_workspace,
                                                   crm, other_crm):
    MembershipFactory(workspace=other_workspace, user=owner_user, role="viewer")
    client = client_for(owner_user)
    body = client.get("/organizations/").content.decode()
    assert "Noordkust" in body and "Other Firm" in body  # both workspaces in the switcher
    response = client.post("/workspace/switch/", {"workspace": other_workspace.pk})
    assert response.status_code == 302
    body = client.get("/organizations/").content.decode()
    assert "Geheim Concurrent" in body and "Noordkust" not in body
    # A workspace the user is not a member of is refused.
    assert client.post("/workspace/switch/", {"workspace": 999999}).status_code == 403


def test_relationship_page_query_count_does_not_grow_with_the_timeline(
    client_for, sales_user, crm
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(sales_user)
    url = f"/relationships/{crm['rel'].pk}/"
    client.get(url)  # warm caches (learned paces, sessions)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for _ in range(40):
        SignalFactory(relationship=crm["rel"])
    # The shell's own queries (session, user, membership, switcher, relationship, deals,
    # three timeline tables, the exchange form's options) plus a bounded number per
    # registered panel: the same with 40 more signals.
    assert count() == few
    assert few <= 60


def test_pages_link_stylesheets_and_scripts_from_static_only(client_for, sales_user, crm):
    body = client_for(sales_user).get(f"/relationships/{crm['rel'].pk}/").content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in body
    assert "/static/vendor/htmx/htmx.min.js" in body
    assert "http://" not in body.replace("http://testserver", "")
    assert "https://" not in body
    assert 'class="visually-hidden-focusable tf-skip-link" href="#main"' in body
    assert 'media="print"' in body
