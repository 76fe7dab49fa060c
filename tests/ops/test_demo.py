"""The demo firm: believable, deterministic, and showing the patterns the product needs."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.db import connection

from tests.ops.conftest import DEMO_NOW
from trustfunnel.core.evidence import SIGNAL_KINDS, direction_for
from trustfunnel.crm.models import (
    Deal,
    DealStage,
    DealStageChange,
    Organization,
    Person,
    Relationship,
)
from trustfunnel.crm.validators import normalize_phone, normalize_vat
from trustfunnel.demo.generator import build_demo
from trustfunnel.demo.patterns import PATTERNS, find_pattern
from trustfunnel.timeline.models import Exchange, Interaction, Signal
from trustfunnel.workspaces.models import AuditEntry, Membership, Workspace


def _fingerprint(workspace):
    return {
        "orgs": list(Organization.objects.for_workspace(workspace).order_by("id")
                     .values_list("name", "country", "vat_number")),
        "people": list(Person.objects.for_workspace(workspace).order_by("id")
                       .values_list("first_name", "last_name", "email", "phone")),
        "deals": list(Deal.objects.for_workspace(workspace).order_by("id")
                      .values_list("title", "stage", "value", "first_contact_at", "closed_at")),
        "signals": Counter(Signal.objects.for_workspace(workspace)
                           .values_list("kind", "actor", "occurred_at")),
        "exchanges": list(Exchange.objects.for_workspace(workspace).order_by("occurred_at", "id")
                          .values_list("giver", "kind", "value", "occurred_at")),
    }


def test_demo_is_deterministic_for_a_seed(db):
    first, counts_a = build_demo(seed=42, now=DEMO_NOW, slug="demo-a")
    second, counts_b = build_demo(seed=42, now=DEMO_NOW, slug="demo-b")
    assert counts_a == counts_b
    assert _fingerprint(first) == _fingerprint(second)


def test_demo_differs_for_another_seed(db):
    first, _ = build_demo(seed=42, now=DEMO_NOW, slug="demo-a")
    second, _ = build_demo(seed=43, now=DEMO_NOW, slug="demo-b")
    assert _fingerprint(first)["people"] != _fingerprint(second)["people"]


def test_demo_has_the_promised_size_and_spread(demo):
    workspace, counts = demo
    assert 55 <= counts["organisations"] <= 65
    assert 180 <= counts["people"] <= 230
    countries = set(Organization.objects.for_workspace(workspace).values_list("country", flat=True))
    assert countries == {"NL", "BE", "DE", "FR", "UA", "GB", "US", "PL", "JP"}
    assert workspace.home_country == "NL"
    assert counts["interactions"] > 2000 and counts["signals"] > 1500


def test_demo_identifiers_pass_the_product_validators(demo):
    workspace, _ = demo
    vats = Organization.objects.for_workspace(workspace).exclude(vat_number="")
    assert vats.count() > 25
    for vat in vats.values_list("vat_number", flat=True):
        assert normalize_vat(vat) == vat
    for phone in Person.objects.for_workspace(workspace).exclude(phone="").values_list("phone", flat=True):
        assert normalize_phone(phone) == phone
    for email in Person.objects.for_workspace(workspace).values_list("email", flat=True):
        validate_email(email)
        assert email.isascii()


def test_demo_users_one_per_role_with_the_owner_login(demo):
    workspace, _ = demo
    roles = dict(Membership.objects.filter(workspace=workspace)
                 .values_list("user__username", "role"))
    assert roles == {"demo": "owner", "demo-sales": "sales", "demo-marketing": "marketing",
                     "demo-viewer": "viewer"}
    owners = set(Relationship.objects.for_workspace(workspace).values_list("owner__username", flat=True))
    assert owners <= {"demo", "demo-sales"} and len(owners) == 2
    for username in roles:
        assert authenticate(username=username, password="demo-password-for-tests") is not None


def test_demo_covers_every_signal_kind_both_actors_and_every_stage(demo):
    workspace, _ = demo
    signals = Signal.objects.for_workspace(workspace)
    assert set(signals.values_list("kind", flat=True)) == set(SIGNAL_KINDS)
    assert set(signals.values_list("actor", flat=True)) == {"us", "them"}
    for kind, actor, direction in signals.values_list("kind", "actor", "direction").distinct():
        if kind != "retraction":
            assert direction == direction_for(kind, actor)
    assert signals.filter(kind="retraction", retracts__isnull=False).count() == 2
    assert set(Deal.objects.for_workspace(workspace).values_list("stage", flat=True)) == set(DealStage.values)
    assert not signals.filter(occurred_at__gt=DEMO_NOW).exists()


def test_demo_time_to_yes_differs_by_country(demo):
    workspace, _ = demo
    days = defaultdict(list)
    deals = Deal.objects.for_workspace(workspace).filter(stage="won").select_related(
        "relationship__organization")
    for deal in deals:
        days[deal.relationship.organization.country.code].append(
            (deal.closed_at - deal.first_contact_at).days)
    for country in ("NL", "DE", "FR", "UA", "GB"):
        assert len(days[country]) >= 5, country
    median = {c: statistics.median(v) for c, v in days.items()}
    assert median["DE"] > median["NL"] > median["UA"]
    assert median["DE"] > 1.5 * median["NL"] and median["NL"] > 2 * median["UA"]


def test_demo_deals_have_a_stage_history_ending_in_their_stage(demo):
    workspace, _ = demo
    last = {}
    for deal_id, to_stage in (DealStageChange.objects.for_workspace(workspace)
                              .order_by("deal_id", "at", "id").values_list("deal_id", "to_stage")):
        last[deal_id] = to_stage
    stages = dict(Deal.objects.for_workspace(workspace).values_list("id", "stage"))
    assert last == stages


def _signals(rel, kind, actor="them"):
    return Signal.objects.for_workspace(rel.workspace_id).filter(
        relationship=rel, kind=kind, actor=actor)


def _given(rel, giver):
    return Exchange.objects.for_workspace(rel.workspace_id).filter(relationship=rel, giver=giver)


def test_pattern_non_payer(demo):
    rel = find_pattern(demo[0], "non_payer")
    assert rel.organization.name == PATTERNS["non_payer"]
    assert _signals(rel, "no_show").count() >= 3
    assert _signals(rel, "invoice_unpaid").count() >= 3
    assert _signals(rel, "invoice_paid_on_time").count() == 0
    assert _given(rel, "us").filter(kind="free_participation").count() >= 3


def test_pattern_late_canceller_cancels_an_hour_before(demo):
    rel = find_pattern(demo[0], "late_canceller")
    cancellations = _signals(rel, "late_cancellation").select_related("interaction")
    assert cancellations.count() >= 4
    for signal in cancellations:
        assert signal.interaction.occurred_at - signal.occurred_at == timedelta(hours=1)


def test_pattern_extras_asker_takes_much_and_gives_little(demo):
    rel = find_pattern(demo[0], "extras_asker")
    assert _signals(rel, "reward_requested").count() >= 5
    ours = _given(rel, "us")
    assert ours.filter(solicited=True).count() >= 8
    given = sum(ours.values_list("value", flat=True), Decimal(0))
    received = sum(_given(rel, "them").values_list("value", flat=True), Decimal(0))
    assert given > 10 * received


def test_pattern_balanced_partner_gives_and_takes_both_ways(demo):
    rel = find_pattern(demo[0], "balanced_partner")
    assert rel.kind == "partner"
    assert (DEMO_NOW.date() - rel.started_at).days > 4 * 365
    for actor in ("us", "them"):
        assert _signals(rel, "promise_kept", actor).count() >= 10
        assert _signals(rel, "care_shown", actor).count() >= 3
        assert _signals(rel, "introduction", actor).count() >= 2
    assert _signals(rel, "referral").exists()
    negative = Signal.objects.filter(relationship=rel, actor="them", polarity=-1)
    assert not negative.exists()
    ours = sum(_given(rel, "us").values_list("value", flat=True), Decimal(0))
    theirs = sum(_given(rel, "them").values_list("value", flat=True), Decimal(0))
    assert abs(ours - theirs) <= Decimal("0.25") * max(ours, theirs)
    assert _given(rel, "them").filter(reciprocates__giver="us").exists()


def test_pattern_negotiation_receives_automated_mail(demo):
    rel = find_pattern(demo[0], "negotiation_automated")
    assert rel.kind == "prospect"
    assert Deal.objects.filter(relationship=rel, stage="negotiation").exists()
    recent = DEMO_NOW - timedelta(days=30)
    mails = Interaction.objects.filter(relationship=rel, kind="automated_email", occurred_at__gte=recent)
    assert mails.count() >= 2
    assert _signals(rel, "automated_send", "us").filter(occurred_at__gte=recent).count() >= 2


def test_demo_load_leaves_one_audit_entry(demo):
    workspace, counts = demo
    entries = AuditEntry.objects.for_workspace(workspace)
    assert list(entries.values_list("action", flat=True)) == ["demo.loaded"]
    assert entries.get().data["counts"] == counts


def test_demo_command_if_empty_does_nothing_on_a_non_empty_database(transactional_db, capsys):
    Workspace.objects.create(name="Existing firm", slug="existing")
    call_command("demo", "--if-empty", "--no-progress")
    assert list(Workspace.objects.values_list("slug", flat=True)) == ["existing"]
    assert Organization.objects.count() == 0
    assert "no demo loaded" in capsys.readouterr().out


def test_demo_command_loads_and_refuses_to_overwrite(transactional_db, capsys):
    call_command("demo", "--now", "2026-06-15", "--no-progress")
    out = capsys.readouterr().out
    assert "Log in as demo with password demo-password-for-tests" in out
    assert Workspace.objects.get(slug="demo").name.startswith("Kompas")
    with pytest.raises(CommandError, match="workspace"):
        call_command("demo", "--no-progress")
    call_command("demo", "--replace", "--now", "2026-06-15", "--no-progress")
    assert Workspace.objects.filter(slug="demo").count() == 1


def _constraints(table):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: (c["columns"], c["index"], bool(c["foreign_key"])) for name, c in found.items()}


def test_demo_bulk_rows_stream_into_the_workspace(transactional_db, monkeypatch):
    from trustfunnel.demo import bulk
    from trustfunnel.demo.bulk import load_bulk

    # Small enough to test, large enough to take the drop-and-rebuild path.
    monkeypatch.setattr(bulk, "REBUILD_THRESHOLD", 100)
    workspace, _ = build_demo(seed=1, now=DEMO_NOW)
    structure_before = _constraints("timeline_signal")
    before_people = Person.objects.for_workspace(workspace).count()
    before_signals = Signal.objects.for_workspace(workspace).count()
    stats = load_bulk(workspace, seed=1, now=DEMO_NOW, relationships=120, signals=3000,
                      interactions=400, progress=False)
    assert stats.rows["timeline_signal"] == 3000
    assert "timeline_signal" in stats.rebuild_seconds
    assert _constraints("timeline_signal") == structure_before
    assert Person.objects.for_workspace(workspace).count() == before_people + 120
    assert Relationship.objects.for_workspace(workspace).count() == 65 + 120
    signals = Signal.objects.for_workspace(workspace)
    assert signals.count() == before_signals + 3000
    for kind, actor, direction in signals.values_list("kind", "actor", "direction").distinct():
        if kind != "retraction":
            assert direction == direction_for(kind, actor)
    assert not signals.filter(occurred_at__gt=DEMO_NOW).exists()
    # The rows read back through the ORM like any other.
    person = Person.objects.for_workspace(workspace).order_by("-id").first()
    assert person.organization.workspace_id == workspace.pk and "@" in person.email
