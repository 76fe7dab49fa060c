"""Import issues are stored as English templates with params and shown in the reader's
language: every template core/importing can emit is in the catalogue, and a Dutch reader
sees a real error in Dutch (page, API, command line)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

import trustfunnel.core.importing as core_importing
from tests.imports.test_import_files import LATIN1_WITH_BROKEN_LINE
from trustfunnel.core.importing import ImportFileError, Location, Text, sniff_csv
from trustfunnel.core.importing.records import FIELD_TEMPLATE, UNIT_TEMPLATES, UPLOAD_NAME
from trustfunnel.imports import messages
from trustfunnel.imports.models import ImportStatus

CORE = Path(core_importing.__file__).resolve().parent
SERVICES = Path(messages.__file__).resolve().parent / "services.py"


def _text_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Text" and node.args:
            yield node


def test_every_core_template_is_in_the_catalogue_list():
    found = []
    for path in sorted(CORE.glob("*.py")):
        for call in _text_calls(path):
            template = call.args[0]
            assert isinstance(template, ast.Constant) and isinstance(template.value, str), (
                f"{path.name}:{call.lineno}: a Text template must be a literal")
            found.append(template.value)
    found += [*UNIT_TEMPLATES.values(), FIELD_TEMPLATE, UPLOAD_NAME, ImportFileError.template]
    assert len(found) > 50
    missing = sorted(set(found) - set(messages.CORE_TEMPLATES))
    assert not missing, missing


def test_core_importing_words_no_issue_outside_a_template():
    """No f-string message left in core/importing: issues, file errors and notes are Texts."""
    for path in sorted(CORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Issue", "ImportFileError"):
                assert not isinstance(node.args[1], ast.JoinedStr | ast.Constant), (
                    f"{path.name}:{node.lineno}: wrap the message in Text(...)")


def _marked(node) -> bool:
    if isinstance(node, ast.IfExp):
        return _marked(node.body) and _marked(node.orelse)
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "gettext_noop"


def test_every_importer_template_is_marked_for_translation():
    for call in _text_calls(SERVICES):
        template = call.args[0]
        # The one exception: an InvalidInput from another service keeps its own template.
        assert _marked(template) or ast.unparse(template) == "exc.message_template", (
            f"services.py:{call.lineno}: use Text(gettext_noop('...'), ...)")


def test_the_dutch_catalogue_holds_every_import_template():
    from tests.web.test_home_and_i18n import _entries

    po = Path(messages.__file__).resolve().parent.parent / "locale" / "nl" / "LC_MESSAGES" / "django.po"
    translated = {msgid: strs for msgid, strs, fuzzy in _entries(po.read_text(encoding="utf-8"))
                  if not fuzzy and all(strs)}
    wanted = [*messages.CORE_TEMPLATES, *messages.PREVIEW_ACTIONS, *messages.SEVERITIES]
    assert not [t for t in wanted if t not in translated]


def test_text_round_trips_through_json_with_nested_texts():
    text = Text("column mapping: {problems}",
                problems=(Text("column {column!r} is not in the file.", column="X"),
                          Text("map a column to {field!r}.", field="name")))
    stored = text.as_dict()
    assert Text.from_dict(stored) == text
    assert text.render() == "column mapping: column 'X' is not in the file. map a column to 'name'."
    with translation.override("nl"):
        assert messages.render(Text.from_dict(stored)) == (
            "kolomkoppeling: kolom 'X' staat niet in het bestand. koppel een kolom aan 'name'.")


def test_a_broken_csv_line_reads_in_dutch_for_a_dutch_reader(run_import, workspace):
    run = run_import("people", LATIN1_WITH_BROKEN_LINE, name="export.csv")
    assert run.status == ImportStatus.FAILED
    stored = next(e for e in run.errors if e["severity"] == "error")
    # Stored: the English rendering, and the template with its params for later readers.
    assert stored["message"] == ("6 fields where the header has 4 "
                                 "(a delimiter or quote out of place?).")
    assert stored["template"].startswith("{count} fields") and stored["params"] == {"count": 6, "width": 4}
    with translation.override("nl"):
        shown = run.issues[0]
    assert shown["place"] == "export.csv, regel 4"
    assert shown["message"] == ("6 velden waar de kopregel er 4 heeft "
                                "(een scheidingsteken of aanhalingsteken op de verkeerde plek?).")
    with translation.override("en"):
        assert run.issues[0]["place"] == "export.csv, line 4"
        assert run.issues[0]["message"] == stored["message"]


def test_old_runs_without_templates_show_their_message(run_import, workspace):
    old = {"file": "a.csv", "unit": "line", "index": 2, "field": "email", "message": "old words.",
           "severity": "error"}
    with translation.override("nl"):
        assert messages.localized([old])[0]["message"] == "old words."
        assert messages.localized([old])[0]["place"] == "a.csv, regel 2, veld 'email'"


def test_a_file_error_reads_in_dutch():
    with pytest.raises(ImportFileError) as caught:
        sniff_csv(b"  \n", "leeg.csv")
    assert caught.value.message == "leeg.csv, line 1: the file is empty."
    with translation.override("nl"):
        assert messages.error_text(caught.value) == "leeg.csv, regel 1: het bestand is leeg."
    assert Location("x.ics", "event", 3, "DTSTART").describe() == "x.ics, event 3, field 'DTSTART'"


def test_page_api_and_command_show_the_issue_in_dutch(client, pages, api_for, workspace, owner_user, run_import,
                                                      tmp_path, capsys):
    run = run_import("people", LATIN1_WITH_BROKEN_LINE, name="export.csv")
    client.force_login(owner_user)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "export.csv, regel 4: 6 velden waar de kopregel er 4 heeft" in page
    api = api_for(owner_user)
    body = api.get(f"/api/v1/imports/{run.pk}/", HTTP_ACCEPT_LANGUAGE="nl").json()
    assert body["errors"][0]["message"].startswith("6 velden waar de kopregel er 4 heeft")
    assert body["errors"][0]["template"].startswith("{count} fields")
    path = tmp_path / "export.csv"
    path.write_bytes(LATIN1_WITH_BROKEN_LINE)
    with translation.override("nl"), pytest.raises(CommandError):
        call_command("import", "people", str(path), "--workspace", workspace.slug, verbosity=0)
    assert "fout: export.csv, regel 4: 6 velden" in capsys.readouterr().out
