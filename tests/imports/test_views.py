from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trustfunnel.crm.models import Person
from trustfunnel.imports.models import ColumnPreset, ImportRun, ImportStatus, PromiseProposal

CSV = b"Naam;E-mailadres;Bedrijf\nAnna Jansen;anna@example.nl;Jansen BV\nPiet Smit;piet@example.nl;Smit\n"


def _upload(client, kind="people", data=CSV, name="contacten.csv"):
    return client.post(reverse("imports:upload"),
                       {"kind": kind, "file": SimpleUploadedFile(name, data, "text/csv")})


def test_upload_map_preview_confirm_imports_the_people(client, pages, workspace, owner_user):
    client.force_login(owner_user)
    response = _upload(client)
    run = ImportRun.objects.for_workspace(workspace).get()
    assert response.url == reverse("imports:map", args=[run.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"separated by semicolon" in page.content
    response = client.post(response.url, {"col_0": "full_name", "col_1": "email", "col_2": "organization",
                                          "on_duplicate": "merge", "save_as": "Onze export"})
    assert response.url == reverse("imports:run", args=[run.pk])
    run.refresh_from_db()
    assert run.dry_run and run.status == ImportStatus.DONE and run.counts["created"] == 2
    assert not Person.objects.for_workspace(workspace).exists()
    assert ColumnPreset.objects.for_workspace(workspace).get().name == "Onze export"
    result = client.get(response.url)
    assert b"Import now" in result.content
    response = client.post(reverse("imports:confirm", args=[run.pk]))
    final = ImportRun.objects.for_workspace(workspace).exclude(pk=run.pk).get()
    assert response.url == reverse("imports:run", args=[final.pk])
    assert final.status == ImportStatus.DONE
    assert Person.objects.for_workspace(workspace).count() == 2
    fragment = client.get(response.url, headers={"HX-Request": "true"})
    assert b"run-status" in fragment.content and b"<html" not in fragment.content


def test_viewer_cannot_reach_the_upload_page(client, pages, viewer_user):
    client.force_login(viewer_user)
    assert client.get(reverse("imports:upload")).status_code == 403


def test_runs_of_another_workspace_are_not_found(client, pages, workspace, owner_user, other_user):
    client.force_login(owner_user)
    _upload(client)
    run = ImportRun.objects.for_workspace(workspace).get()
    client.force_login(other_user)
    assert client.get(reverse("imports:run", args=[run.pk])).status_code == 404


def test_api_lists_runs_and_decides_promises(api_for, pages, workspace, owner_user, run_import,
                                             django_assert_max_num_queries):
    from tests.factories import PersonFactory
    from tests.imports.test_import_files import MBOX

    workspace.domains = ["ourfirm.nl"]
    workspace.save()
    PersonFactory(workspace=workspace, email="li@client.nl")
    run_import("mail", MBOX, name="inbox.mbox")
    api = api_for(owner_user)
    with django_assert_max_num_queries(6):
        listing = api.get("/api/v1/promise-proposals/?status=proposed")
    assert len(listing.json()["results"]) == 2
    proposal = PromiseProposal.objects.for_workspace(workspace).get(actor="them")
    decided = api.post(f"/api/v1/promise-proposals/{proposal.pk}/decide/", {"status": "confirmed"})
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    wrong = api.post(f"/api/v1/promise-proposals/{proposal.pk}/decide/", {"status": "rejected"})
    assert wrong.status_code == 400
    assert api.get("/api/v1/imports/").status_code == 200


def test_upload_page_query_count_is_pinned(client, pages, workspace, owner_user,
                                           django_assert_max_num_queries):
    client.force_login(owner_user)
    for _ in range(3):
        _upload(client)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("imports:upload"))
    assert response.content.count(b"contacten.csv") == 3


def test_old_uploads_are_removed_once_their_runs_are_done(pages, workspace, run_import):
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from trustfunnel.imports.tasks import clean_up_uploads

    run = run_import("people", CSV, name="contacten.csv", dry_run=True)
    path = Path(run.source_path)
    assert path.exists()
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert clean_up_uploads.call() == 1
    assert not path.exists()
    assert ImportRun.objects.get(pk=run.pk).source_path == ""


def test_promise_panel_confirm_then_kept_records_signals(client, pages, workspace, owner_user, run_import):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from tests.factories import PersonFactory
    from tests.imports.test_import_files import MBOX
    from trustfunnel.imports.views import promise_panel_context
    from trustfunnel.timeline.models import Signal
    from trustfunnel.workspaces.models import Membership

    workspace.domains = ["ourfirm.nl"]
    workspace.save()
    PersonFactory(workspace=workspace, email="li@client.nl")
    run_import("mail", MBOX, name="inbox.mbox")
    proposal = PromiseProposal.objects.for_workspace(workspace).get(actor="them")
    membership = Membership.objects.get(user=owner_user)
    request = RequestFactory().get("/relationships/1/")
    request.user = owner_user
    html = render_to_string("imports/_promise_panel.html",
                            promise_panel_context(request, proposal.relationship, membership), request)
    assert "signed contract on Friday" in html and "Confirm" in html
    client.force_login(owner_user)
    url = reverse("imports:decide-promise", args=[proposal.pk])
    assert client.post(url, {"status": "confirmed", "next": "/"}).url == "/"
    response = client.post(url, {"status": "kept"}, headers={"HX-Request": "true"})
    assert b"promise-panel" in response.content
    assert list(Signal.objects.for_workspace(workspace).values_list("kind", flat=True).order_by("id")) == [
        "promise_made", "promise_kept"]


def test_viewer_cannot_decide_promises(client, pages, workspace, viewer_user, run_import):
    from tests.factories import PersonFactory
    from tests.imports.test_import_files import MBOX

    workspace.domains = ["ourfirm.nl"]
    workspace.save()
    PersonFactory(workspace=workspace, email="li@client.nl")
    run_import("mail", MBOX, name="inbox.mbox")
    proposal = PromiseProposal.objects.for_workspace(workspace).first()
    client.force_login(viewer_user)
    assert client.post(reverse("imports:decide-promise", args=[proposal.pk]), {"status": "confirmed"}).status_code == 403
