"""Start page, language switch and the completeness of the Dutch catalogue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import DealFactory, RelationshipFactory, SignalFactory

CATALOGUE = Path(__file__).resolve().parents[2] / "trustfunnel/locale/nl/LC_MESSAGES/django.po"


@pytest.mark.django_db
def test_home_lists_my_relationships_by_latest_activity_and_my_open_deals(
    client_for, sales_user, workspace, crm
):
    quiet = RelationshipFactory(workspace=workspace, owner=sales_user)
    busy = RelationshipFactory(workspace=workspace, owner=sales_user)
    SignalFactory(relationship=busy, occurred_at=timezone.now() - timedelta(minutes=5))
    DealFactory(workspace=workspace, relationship=quiet, stage="won", owner=sales_user)
    page = client_for(sales_user).get("/")
    rels = page.context["recent_relationships"]
    assert [r.pk for r in rels] == [busy.pk, crm["rel"].pk, quiet.pk]
    assert [d.pk for d in page.context["open_deals"]] == [crm["deal"].pk]
    assert "nothing logged yet" in page.content.decode()


@pytest.mark.django_db
def test_home_says_what_to_do_when_empty(client_for, sales_user, viewer_user):
    body = client_for(sales_user).get("/").content.decode()
    assert "You do not own any relationship yet." in body and "/relationships/new/" in body
    body = client_for(viewer_user).get("/").content.decode()
    assert "/relationships/new/" not in body


@pytest.mark.django_db
def test_language_switch_shows_dutch(client_for, sales_user, crm):
    client = client_for(sales_user)
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert response.status_code == 302
    body = client.get(f"/relationships/{crm['rel'].pk}/").content.decode()
    assert '<html lang="nl">' in body
    assert "Tijdlijn" in body and "Belofte nagekomen" in body and "Relaties" in body


@pytest.mark.django_db
def test_service_errors_are_translated(client_for, sales_user, crm):
    client = client_for(sales_user)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    data = {"exchange-giver": "us", "exchange-kind": "advice", "exchange-value": "-1",
            "exchange-occurred_at": "2024-01-01T10:00"}
    body = client.post(f"/relationships/{crm['rel'].pk}/log/exchange/", data,
                       HTTP_HX_REQUEST="true").content.decode()
    assert "Geschatte waarde: een waarde kan niet negatief zijn." in body


def _entries(text: str):
    """(msgid, msgstr, fuzzy) of each entry of a .po file (plural forms joined)."""
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        msgid, msgstrs, current = [], [], None
        for line in lines:
            if line.startswith("msgid "):
                current = msgid
            elif line.startswith("msgid_plural"):
                current = None
            elif line.startswith("msgstr"):
                current = []
                msgstrs.append(current)
            if current is not None and '"' in line:
                current.append(line[line.index('"') + 1 : line.rindex('"')])
        if msgid:
            yield "".join(msgid), ["".join(s) for s in msgstrs], fuzzy


def test_dutch_catalogue_translates_every_msgid():
    entries = list(_entries(CATALOGUE.read_text(encoding="utf-8")))
    assert len(entries) > 100
    untranslated = [mid for mid, strs, _ in entries if mid and not all(strs)]
    fuzzy = [mid for mid, _, is_fuzzy in entries if mid and is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_dutch_catalogue_is_compiled():
    """The committed .mo holds the .po's translations (run msgfmt after editing)."""
    import gettext

    with CATALOGUE.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for msgid, msgstrs, _ in _entries(CATALOGUE.read_text(encoding="utf-8")):
        if msgid and len(msgstrs) == 1:
            assert compiled.gettext(_unescape(msgid)) == _unescape(msgstrs[0]), msgid


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")


def test_every_template_string_is_in_the_dutch_catalogue():
    """A {% translate "..." %} added after the last makemessages run fails here."""
    import re

    package = CATALOGUE.parents[3]
    msgids = {mid for mid, _, _ in _entries(CATALOGUE.read_text(encoding="utf-8"))}
    pattern = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1""")
    missing = []
    for template in package.glob("**/templates/**/*.html"):
        for _, text in pattern.findall(template.read_text(encoding="utf-8")):
            escaped = text.replace('"', '\\"')
            # makemessages writes a template's "%" as "%%" (python-format).
            if escaped not in msgids and escaped.replace("%", "%%") not in msgids:
                missing.append(f"{template.relative_to(package)}: {text}")
    assert missing == []
