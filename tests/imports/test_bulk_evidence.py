"""Deals and interactions CSV imports are set-based: the same result as writing the rows
one by one through the one-row services, in a number of queries that does not grow
with the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import _member
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
    WorkspaceFactory,
)
from tests.imports.conftest import NOW
from trustfunnel.crm import services as crm_services
from trustfunnel.crm.models import Deal, DealStageChange, Relationship
from trustfunnel.imports.models import ImportStatus
from trustfunnel.imports.services import create_run, execute_run
from trustfunnel.marketing.models import AutomatedSend
from trustfunnel.scoring.models import TrustState
from trustfunnel.timeline import services as timeline_services
from trustfunnel.timeline.models import Interaction
from trustfunnel.workspaces.models import AuditEntry
from trustfunnel.workspaces.roles import Role

DEALS_HEADER = "Deal Name;Company;Email;Stage;Amount;Close Date;External Id\n"
INTERACTIONS_HEADER = "email;organization;type;direction;date;subject;external_id\n"


def _world(workspace):
    """Two organisations (one with a relationship, one without), two people (one with a
    relationship, one without) and an automated mail to a person, 25 days ago."""
    noord = OrganizationFactory(workspace=workspace, name="Kaasmakerij Noord B.V.",
                                normalized_name="kaasmakerij noord")
    OrganizationFactory(workspace=workspace, name="Zuid Bakkerij", normalized_name="zuid bakkerij")
    owner = _member(workspace, Role.SALES, f"sam-{workspace.slug}")
    RelationshipFactory(workspace=workspace, owner=owner, person=None, organization=noord)
    known = RelationshipFactory(workspace=workspace, owner=owner,
                                person=PersonFactory(workspace=workspace, email="anna@noord.nl", organization=noord))
    PersonFactory(workspace=workspace, email="bert@zuid.nl", organization=None)
    AutomatedSend.objects.create(workspace=workspace, person=known.person, sent_at=NOW - timedelta(days=25))


def _deals_csv(n: int) -> bytes:
    stages = ["Lead", "Proposal", "Closed Won", "negotiation", "Closed Lost"]
    lines = [DEALS_HEADER]
    for i in range(n):
        who = [("Kaasmakerij Noord B.V.", ""), ("Zuid Bakkerij", ""), ("", "anna@noord.nl"),
               ("", "bert@zuid.nl")][i % 4]
        lines.append(f"Deal {i};{who[0]};{who[1]};{stages[i % 5]};{1000 + i},00;31-01-2027;D{i}\n")
    return "".join(lines).encode()


def _interactions_csv(n: int) -> bytes:
    kinds = [("email", "inbound"), ("phone", "outbound"), ("meeting", "mutual"), ("email", "outbound")]
    lines = [INTERACTIONS_HEADER]
    for i in range(n):
        who = [("anna@noord.nl", ""), ("", "Zuid Bakkerij"), ("bert@zuid.nl", ""),
               ("", "Kaasmakerij Noord B.V.")][i % 4]
        kind, direction = kinds[(i // 4) % 4]
        lines.append(f"{who[0]};{who[1]};{kind};{direction};2026-11-{1 + i % 20:02d} 10:00;Talk {i};I{i}\n")
    return "".join(lines).encode()


def _import(workspace, actor, tmp_path, kind, data, name):
    source = tmp_path / f"{workspace.slug}-{name}"
    source.write_bytes(data)
    with source.open("rb") as handle:
        run = create_run(workspace, actor=actor, kind=kind, file_name=name, source=handle)
    return execute_run(run, now=NOW, actor=actor)


def _relationship_key(rel: Relationship) -> tuple:
    return (rel.person.email if rel.person_id else "", rel.organization.name if rel.organization_id else "",
            rel.owner.username.split("-")[0])


def _state(workspace) -> dict:
    """Everything the imports write and derive, without ids and workspace names."""
    deals = sorted(
        (d.title, d.stage, str(d.value), d.currency, d.expected_close, d.first_contact_at, d.closed_at,
         d.owner.username.split("-")[0], _relationship_key(d.relationship))
        for d in Deal.objects.for_workspace(workspace).select_related("relationship__person", "owner")
    )
    changes = sorted((c.deal.title, c.from_stage, c.to_stage, c.at)
                     for c in DealStageChange.objects.for_workspace(workspace).select_related("deal"))
    interactions = sorted(
        (i.subject, i.kind, i.direction, i.occurred_at, i.external_id, i.topics,
         _relationship_key(i.relationship))
        for i in Interaction.objects.for_workspace(workspace).select_related("relationship__person")
    )
    relationships = sorted(_relationship_key(r) for r in Relationship.objects.for_workspace(workspace))
    audit = sorted((a.action, a.object_type, str(a.data)) for a in AuditEntry.objects.for_workspace(workspace)
                   .exclude(action__startswith="imports."))
    trust = sorted(
        (_relationship_key(t.relationship), round(t.ours_score, 6), round(t.theirs_score, 6), t.ours_label,
         t.theirs_label)
        for t in TrustState.objects.for_workspace(workspace).select_related("relationship__person")
    )
    signals = sorted((s.kind, s.actor, s.occurred_at, _relationship_key(s.relationship))
                     for s in workspace_signals(workspace))
    return {"deals": deals, "changes": changes, "interactions": interactions,
            "relationships": relationships, "audit": audit, "trust": trust, "signals": signals}


def workspace_signals(workspace):
    from trustfunnel.timeline.models import Signal

    return Signal.objects.for_workspace(workspace).select_related("relationship__person")


def _row_by_row(workspace, actor, tmp_path, kind, data, name, monkeypatch):
    """The same import with every row written through the one-row service (the way the
    importers worked before they were set-based)."""
    def deals_one_by_one(ws, *, actor, rows, now=None):
        return [crm_services.do_save_deal(ws, actor=actor, fields=row, now=now) for row in rows]

    def interactions_one_by_one(ws, *, actor, rows):
        return [timeline_services.do_log_interaction(row.pop("relationship"), actor=actor, **row)
                for row in (dict(r) for r in rows)]

    with monkeypatch.context() as patch:
        patch.setattr(crm_services, "do_create_deals_bulk", deals_one_by_one)
        patch.setattr(timeline_services, "do_log_interactions_bulk", interactions_one_by_one)
        return _import(workspace, actor, tmp_path, kind, data, name)


@pytest.mark.parametrize("kind, make, name", [
    ("deals", _deals_csv, "deals.csv"), ("interactions", _interactions_csv, "log.csv"),
])
def test_set_based_import_equals_the_row_by_row_result(kind, make, name, workspace, owner_user, tmp_path,
                                                       monkeypatch):
    other = WorkspaceFactory(name="Twin", slug="twin")
    other_owner = _member(other, Role.OWNER, "olga-twin")
    _world(workspace)
    _world(other)
    data = make(24)
    bulk = _import(workspace, owner_user, tmp_path, kind, data, name)
    single = _row_by_row(other, other_owner, tmp_path, kind, data, name, monkeypatch)
    assert bulk.status == single.status == ImportStatus.DONE, (bulk.errors, single.errors)
    assert bulk.counts == single.counts
    assert bulk.counts["created"] == 24
    mine, theirs = _state(workspace), _state(other)
    assert mine == theirs
    if kind == "interactions":
        # The reply after the automated mail became evidence, in both.
        assert any(s[0] == "reply" for s in mine["signals"])
        assert mine["trust"]
    # A re-run is idempotent.
    again = _import(workspace, owner_user, tmp_path, kind, data, name)
    assert again.counts["unchanged"] == 24 and again.counts.get("created", 0) == 0


def test_errors_name_line_and_field_and_nothing_is_written(workspace, owner_user, tmp_path):
    _world(workspace)
    data = _deals_csv(6) + b"Deal X;Nobody B.V.;;Lead;1,00;31-01-2027;DX\nDeal Y;Zuid Bakkerij;;Maybe;1,00;;DY\n"
    run = _import(workspace, owner_user, tmp_path, "deals", data, "deals.csv")
    assert run.status == ImportStatus.FAILED
    errors = [(e["index"], e["field"]) for e in run.errors if e["severity"] == "error"]
    assert errors == [(8, "organization"), (9, "stage")]
    assert not Deal.objects.for_workspace(workspace).exists()


@pytest.fixture
def only_bulk_listeners(monkeypatch):
    """The stage and interaction listeners that have a bulk form (per-row-only listeners
    run per row by design: their own queries are theirs to batch)."""
    monkeypatch.setattr(crm_services, "stage_listeners",
                        [x for x in crm_services.stage_listeners if x in crm_services.bulk_stage_listeners])
    monkeypatch.setattr(timeline_services, "interaction_listeners",
                        [x for x in timeline_services.interaction_listeners
                         if x in timeline_services.bulk_interaction_listeners])


@pytest.mark.parametrize("kind, make, name, pinned", [
    # per database: PostgreSQL writes the import records through a COPY the count does not see
    ("deals", _deals_csv, "deals.csv", {"sqlite": 23, "postgresql": 22}),
    ("interactions", _interactions_csv, "log.csv", {"sqlite": 32, "postgresql": 29}),
])
def test_query_count_does_not_grow_with_the_rows(kind, make, name, pinned, tmp_path, db, only_bulk_listeners):
    counts = []
    for n, slug in ((8, "small"), (80, "large")):
        workspace = WorkspaceFactory(name=slug, slug=slug)
        owner = _member(workspace, Role.OWNER, f"olga-{slug}")
        _world(workspace)
        with CaptureQueriesContext(connection) as queries:
            run = _import(workspace, owner, tmp_path, kind, make(n), name)
        assert run.status == ImportStatus.DONE, run.errors
        assert run.counts["created"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1] == pinned[connection.vendor], counts


def test_a_listener_without_bulk_form_still_sees_every_row(workspace, owner_user, tmp_path, monkeypatch):
    _world(workspace)
    seen_stages, seen_interactions, bulk_calls = [], [], []
    monkeypatch.setattr(crm_services, "stage_listeners", [lambda deal, old: seen_stages.append(deal.title)])

    def per_row(interaction):
        seen_interactions.append(interaction.subject)

    def bulk(workspace_id, interactions):
        bulk_calls.append(len(interactions))

    monkeypatch.setattr(timeline_services, "interaction_listeners", [per_row])
    monkeypatch.setattr(timeline_services, "bulk_interaction_listeners", {per_row: bulk})
    _import(workspace, owner_user, tmp_path, "deals", _deals_csv(5), "deals.csv")
    _import(workspace, owner_user, tmp_path, "interactions", _interactions_csv(7), "log.csv")
    assert sorted(seen_stages) == [f"Deal {i}" for i in range(5)]
    assert seen_interactions == [] and bulk_calls == [7]


# ---------------------------------------------------------------- mail and calendar imports


def _pending_send(workspace, person):
    """A pending automated send to ``person`` in a campaign being reviewed."""
    from trustfunnel.marketing.models import (
        Campaign,
        CampaignStatus,
        Content,
        GateDecision,
        Segment,
    )

    content = Content.objects.create(workspace=workspace, kind="newsletter", title="News", point="...")
    campaign = Campaign.objects.create(
        workspace=workspace, name="November", content=content, planned_at=NOW,
        segment=Segment.objects.create(workspace=workspace, name="All", filters={}),
        status=CampaignStatus.REVIEWED)
    return GateDecision.objects.create(workspace=workspace, campaign=campaign, person=person, decision=1)


def _mbox(n: int) -> bytes:
    """``n`` mails with Anna, from her and to her in turn (a reply first)."""
    parts = []
    for i in range(n):
        sender, to = ("anna@noord.nl", "me@ourfirm.nl") if i % 2 == 0 else ("me@ourfirm.nl", "anna@noord.nl")
        parts.append(
            f"From {sender} Mon Nov 02 10:00:00 2026\n"
            f"From: <{sender}>\nTo: {to}\nSubject: Re: offerte {i}\n"
            f"Date: Mon, {2 + i % 20:02d} Nov 2026 10:{i % 60:02d}:00 +0100\n"
            f"Message-ID: <m{i}@noord.nl>\n\nDank u, we spreken elkaar.\n\n")
    return "".join(parts).encode()


def _ics(n: int) -> bytes:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:ev{i}@ourfirm.nl\r\nDTSTAMP:20261101T090000Z\r\n"
        f"DTSTART:202611{2 + i % 20:02d}T{9 + i % 8:02d}0000Z\r\nDTEND:202611{2 + i % 20:02d}T{10 + i % 8:02d}0000Z\r\n"
        f"SUMMARY:Gesprek {i}\r\nORGANIZER:mailto:me@ourfirm.nl\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:anna@noord.nl\r\nEND:VEVENT\r\n"
        for i in range(n))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n".encode()


def test_an_imported_reply_withdraws_pending_sends_and_is_audited(workspace, owner_user, tmp_path):
    from trustfunnel.marketing.models import DecisionStatus
    from trustfunnel.timeline.models import Signal

    workspace.domains = ["ourfirm.nl"]
    workspace.save()
    _world(workspace)
    anna = Relationship.objects.for_workspace(workspace).get(person__email="anna@noord.nl").person
    pending = _pending_send(workspace, anna)
    run = _import(workspace, owner_user, tmp_path, "mail", _mbox(1), "inbox.mbox")
    assert run.status == ImportStatus.DONE, run.errors
    assert run.counts["created"] == 1
    pending.refresh_from_db()
    assert pending.status == DecisionStatus.WITHDRAWN
    # The reply after the automated mail (25 days before) is evidence, and audited.
    assert Signal.objects.for_workspace(workspace).filter(kind="reply").count() == 1
    actions = set(AuditEntry.objects.for_workspace(workspace).values_list("action", flat=True))
    assert {"timeline.interaction.logged", "timeline.signal.recorded"} <= actions
    # Idempotent: the same file again writes nothing.
    again = _import(workspace, owner_user, tmp_path, "mail", _mbox(1), "inbox.mbox")
    assert again.counts["unchanged"] == 1 and again.counts.get("created", 0) == 0


def test_imported_meetings_are_audited(workspace, owner_user, tmp_path):
    _world(workspace)
    run = _import(workspace, owner_user, tmp_path, "ics", _ics(3), "agenda.ics")
    assert run.status == ImportStatus.DONE, run.errors
    assert run.counts["created"] == 3
    assert AuditEntry.objects.for_workspace(workspace).filter(action="timeline.interaction.logged").count() == 3
    again = _import(workspace, owner_user, tmp_path, "ics", _ics(3), "agenda.ics")
    assert again.counts.get("created", 0) == 0


def test_a_deals_import_moving_a_deal_to_negotiation_withdraws_pending_sends(workspace, owner_user, tmp_path):
    from trustfunnel.marketing.models import DecisionStatus

    _world(workspace)
    anna = Relationship.objects.for_workspace(workspace).get(person__email="anna@noord.nl").person
    bert = PersonFactory(workspace=workspace, email="bart@noord.nl")
    pending, untouched = _pending_send(workspace, anna), _pending_send(workspace, bert)
    data = (DEALS_HEADER + "Deal A;;anna@noord.nl;negotiation;1000,00;31-01-2027;DA\n"
            "Deal B;;bart@noord.nl;Lead;1000,00;31-01-2027;DB\n").encode()
    run = _import(workspace, owner_user, tmp_path, "deals", data, "deals.csv")
    assert run.status == ImportStatus.DONE, run.errors
    pending.refresh_from_db()
    untouched.refresh_from_db()
    assert pending.status == DecisionStatus.WITHDRAWN
    assert untouched.status == DecisionStatus.PENDING


@pytest.mark.parametrize("kind, make, name", [("mail", _mbox, "inbox.mbox"), ("ics", _ics, "agenda.ics")])
def test_mail_and_calendar_query_counts_do_not_grow_with_the_rows(kind, make, name, tmp_path, db):
    counts = []
    for n, slug in ((8, "small"), (80, "large")):
        workspace = WorkspaceFactory(name=slug, slug=slug, domains=["ourfirm.nl"])
        owner = _member(workspace, Role.OWNER, f"olga-{slug}")
        _world(workspace)
        with CaptureQueriesContext(connection) as queries:
            run = _import(workspace, owner, tmp_path, kind, make(n), name)
        assert run.status == ImportStatus.DONE, run.errors
        assert run.counts["created"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
