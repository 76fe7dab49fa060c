"""The evidence log: append-only, hash-chained, verified and exported."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from trustfunnel.core.errors import Conflict
from trustfunnel.events import services
from trustfunnel.events.evidence import NewEvidence, append_evidence, verify_workspace_chain
from trustfunnel.events.models import EvidenceEntry

pytestmark = pytest.mark.django_db


def _append(workspace, n, relationship=None):
    return append_evidence(workspace, [
        NewEvidence(kind="notice", subject=f"Notice {i}", body="Dear client, ...",
                    data={"n": i, "amount": "12.50"},
                    relationship_id=relationship.pk if relationship else None)
        for i in range(n)])


def test_entries_are_chained_with_gapless_numbers_per_workspace(workspace, other_workspace):
    first = _append(workspace, 3)
    _append(other_workspace, 2)
    more = _append(workspace, 2)
    assert [e.seq for e in first + more] == [1, 2, 3, 4, 5]
    assert first[0].prev_hash == "0" * 64
    assert more[0].prev_hash == first[-1].hash
    assert verify_workspace_chain(workspace.pk).ok
    assert verify_workspace_chain(workspace.pk).checked == 5
    assert verify_workspace_chain(other_workspace.pk).checked == 2


def test_entries_cannot_be_changed_or_deleted_through_the_app(workspace):
    (entry,) = _append(workspace, 1)
    entry.subject = "Something else"
    with pytest.raises(Conflict):
        entry.save()
    with pytest.raises(Conflict):
        entry.delete()
    with pytest.raises(Conflict):
        EvidenceEntry.objects.filter(pk=entry.pk).update(subject="x")
    with pytest.raises(Conflict):
        EvidenceEntry.objects.filter(pk=entry.pk).delete()


def test_tampered_entry_is_found_by_verify(workspace):
    entries = _append(workspace, 5)
    target = entries[2]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EvidenceEntry._meta.db_table} SET body = %s WHERE id = %s",
                       ["We never agreed to a fee.", target.pk])
    verdict = verify_workspace_chain(workspace.pk)
    assert not verdict.ok
    assert verdict.first_broken.entry_id == target.pk
    assert verdict.first_broken.seq == 3
    assert verdict.first_broken.problem == "payload_changed"  # the body no longer fits its digest
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("evidence", "verify", stdout=out)
    assert f"entry 3 (id {target.pk})" in out.getvalue()


def test_deleted_entry_is_found_by_verify(workspace):
    entries = _append(workspace, 4)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {EvidenceEntry._meta.db_table} WHERE id = %s", [entries[1].pk])
    verdict = verify_workspace_chain(workspace.pk)
    assert verdict.first_broken.seq == 3 and verdict.first_broken.problem == "sequence_gap"


def test_verify_command_reports_an_intact_chain(workspace):
    _append(workspace, 3)
    out = StringIO()
    call_command("evidence", "verify", stdout=out)
    assert f"workspace {workspace.pk}: 3 entries, chain intact" in out.getvalue()


def test_registration_writes_the_agreement_to_the_log(make_event, client_of, owner_user, now):
    _, session = make_event()
    person, relationship = client_of()
    registration = services.do_register(session, actor=owner_user, person=person, now=now).registration
    entry = EvidenceEntry.objects.get(relationship=relationship)
    assert entry.kind == "agreement"
    assert entry.data["registration"] == registration.pk
    assert entry.data["payment_due_at"] == (now + timedelta(days=7)).isoformat()
    assert "released" in entry.body


def test_export_writes_a_printable_html_bundle_of_the_record(
    make_event, client_of, owner_user, now, tmp_path
):
    _, session = make_event()
    person, relationship = client_of()
    registration = services.do_register(session, actor=owner_user, person=person, now=now).registration
    services.do_cancel_registration(registration, actor=owner_user,
                                    now=session.starts_at - timedelta(hours=1))
    output = tmp_path / "record.html"
    call_command("evidence", "export", "--relationship", str(relationship.pk), "--output",
                 str(output), stdout=StringIO())
    html = output.read_text()
    assert relationship.display_name in html
    assert "chain intact" in html or "is intact" in html
    assert "Late cancellation" in html
    assert EvidenceEntry.objects.filter(relationship=relationship).first().hash in html


def test_export_names_an_unknown_relationship(workspace):
    with pytest.raises(CommandError, match="--relationship: no relationship with id 999"):
        call_command("evidence", "export", "--relationship", "999")


def test_pdf_export_without_weasyprint_says_what_to_do(client_of, tmp_path):
    _, relationship = client_of()
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        with pytest.raises(CommandError, match="WeasyPrint"):
            call_command("evidence", "export", "--relationship", str(relationship.pk),
                         "--format", "pdf", "--output", str(tmp_path / "x.pdf"))
    else:
        pytest.skip("WeasyPrint is installed: the PDF path is used instead")


TRICKY = ["plain", 'quote " and \\ backslash', "line\nbreak\ttab\r\x08\x0c", "\x00\x01\x1f\x7f",
          "ümlaut € 日本 😀", "\u2028\u2029", "</script>", "", "{\"json\": [1, 2]}"]


def test_postgres_builds_the_same_canonical_text_as_python(workspace):
    """Verify on PostgreSQL lets the database build the canonical header and check the
    payload's digest; both must be byte for byte what Python hashed."""
    if connection.vendor != "postgresql":
        pytest.skip("the SQL canonical text is used on PostgreSQL only")
    from trustfunnel.core.evidence_chain import ERASED_PAYLOAD, canonical_entry
    from trustfunnel.events.evidence import CANONICAL_SQL, PAYLOAD_OK_SQL, utc_timestamp

    texts = [t.replace("\x00", "") for t in TRICKY]  # PostgreSQL text cannot hold NUL
    entries = append_evidence(workspace, [
        NewEvidence(kind=t[:14], subject=t, body=t[::-1], data={"t": t, "n": [1, None]})
        for t in texts])
    table = EvidenceEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {CANONICAL_SQL}, {PAYLOAD_OK_SQL} FROM {table} ORDER BY seq",
                       list(ERASED_PAYLOAD))
        from_sql = {pk: (canonical, ok) for pk, canonical, ok in cursor.fetchall()}
    for entry in entries:
        assert from_sql[entry.pk] == (canonical_entry(
            workspace=entry.workspace_id, seq=entry.seq, relationship=entry.relationship_id,
            kind=entry.kind, payload=entry.payload_digest,
            recorded_at=utc_timestamp(entry.recorded_at), recorded_by=entry.recorded_by_id), True)
    assert verify_workspace_chain(workspace.pk).checked == len(texts)


def _raw_update(entry, **values):
    columns = ", ".join(f"{name} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EvidenceEntry._meta.db_table} SET {columns} WHERE id = %s",
                       [*values.values(), entry.pk])


def test_erased_payloads_keep_the_chain_verifiable(workspace):
    entries = _append(workspace, 5)
    assert EvidenceEntry.objects.filter(pk__in=[entries[1].pk, entries[3].pk]).erase_payloads(
        now=entries[0].recorded_at) == 2
    erased = EvidenceEntry.objects.get(pk=entries[1].pk)
    assert (erased.subject, erased.body, erased.data_json, erased.payload_salt) == ("[erased]", "", "{}", "")
    assert erased.payload_digest == entries[1].payload_digest and erased.hash == entries[1].hash
    verdict = verify_workspace_chain(workspace.pk)
    assert verdict.ok and (verdict.checked, verdict.erased) == (5, 2)


def test_after_erasure_a_changed_digest_is_still_found(workspace):
    entries = _append(workspace, 4)
    EvidenceEntry.objects.filter(pk=entries[1].pk).erase_payloads(now=entries[0].recorded_at)
    _raw_update(entries[1], payload_digest="f" * 64)
    verdict = verify_workspace_chain(workspace.pk)
    assert (verdict.first_broken.seq, verdict.first_broken.problem) == (2, "content_changed")


def test_after_erasure_a_changed_payload_that_was_not_erased_is_still_found(workspace):
    entries = _append(workspace, 4)
    EvidenceEntry.objects.filter(pk=entries[1].pk).erase_payloads(now=entries[0].recorded_at)
    _raw_update(entries[2], body="We never agreed to a fee.")
    verdict = verify_workspace_chain(workspace.pk)
    assert (verdict.first_broken.seq, verdict.first_broken.problem) == (3, "payload_changed")


def test_an_erased_entry_cannot_hide_a_forged_payload(workspace):
    entries = _append(workspace, 3)
    EvidenceEntry.objects.filter(pk=entries[0].pk).erase_payloads(now=entries[0].recorded_at)
    _raw_update(entries[0], subject="Something we never sent")
    verdict = verify_workspace_chain(workspace.pk)
    assert (verdict.first_broken.seq, verdict.first_broken.problem) == (1, "payload_changed")
