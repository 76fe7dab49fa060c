"""The demo firm: a Dutch training and consultancy company and two years of its work.

:func:`build_demo` writes one workspace with ~60 organisations in nine countries, ~200
people, their relationships (owned by the demo users), deals in every stage with a
stage history whose pace differs by country, two years of interactions, signals and
exchanges, and the five patterns of :mod:`trustfunnel.demo.patterns`.

Deterministic: everything is drawn from ``random.Random(seed)`` and every time is
relative to ``now`` (the caller passes it; the command uses the start of today, UTC), so
the same seed and the same day give the same rows. Rows are demo data, written with
``bulk_create`` in batches; one audit entry records the load.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from trustfunnel.core.evidence import direction_for, spec_for
from trustfunnel.crm.models import (
    Deal,
    DealStage,
    DealStageChange,
    Organization,
    Person,
    Relationship,
)
from trustfunnel.crm.validators import normalize_name
from trustfunnel.demo import data
from trustfunnel.demo.credentials import DEMO_USERNAME, ROLE_USERNAMES, demo_password
from trustfunnel.demo.deals import HISTORY_DAYS, deals_for
from trustfunnel.demo.identifiers import ascii_slug, make_phone, make_vat
from trustfunnel.timeline.models import Exchange, Interaction, Signal, SignalSource
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Membership, Workspace
from trustfunnel.workspaces.roles import Role

BATCH = 1000

# Signal kind weights for the background timeline, by who shows the behaviour.
THEM_KINDS = {
    "promise_made": 1.5, "promise_kept": 4, "disclosure": 2, "weakness_admitted": 0.5,
    "competence_shown": 1.5, "delivered": 0.5, "care_shown": 1.5, "praise": 1, "reply": 2,
    "referral": 0.3, "introduction": 0.3, "promise_late": 0.6, "promise_broken": 0.3,
    "hedging": 0.5, "threat_to_stop": 0.1, "complaint": 0.3, "care_lacking": 0.2,
    "competence_doubted": 0.2, "reward_requested": 0.1,
}
NEGATIVE_KINDS = {k for k in THEM_KINDS if spec_for(k).polarity < 0}
US_KINDS = {
    "promise_made": 1.5, "promise_kept": 4, "delivered": 2, "competence_shown": 2,
    "care_shown": 2, "disclosure": 1, "weakness_admitted": 0.5, "introduction": 0.5,
    "praise": 0.3, "promise_late": 0.5, "promise_broken": 0.1, "competence_doubted": 0.2,
    "care_lacking": 0.1, "hedging": 0.1,
}
NEUTRAL_KINDS = {"promise_made": 1, "competence_shown": 1, "reply": 2, "disclosure": 1}
INTERACTION_MIX = {  # meeting, video, phone, email
    "NL": (0.35, 0.2, 0.2, 0.25), "BE": (0.35, 0.2, 0.2, 0.25), "DE": (0.35, 0.15, 0.2, 0.3),
    "FR": (0.35, 0.2, 0.2, 0.25), "UA": (0.15, 0.4, 0.2, 0.25), "GB": (0.25, 0.3, 0.2, 0.25),
    "US": (0.1, 0.5, 0.15, 0.25), "PL": (0.25, 0.3, 0.2, 0.25), "JP": (0.15, 0.45, 0.1, 0.3),
}
CONTACTS_PER_MONTH = {"client": 2.2, "partner": 2.5, "prospect": 1.3, "supplier": 0.8,
                      "trainer": 1.8}
EXCHANGE_VALUES = {
    "advice": (150, 600), "favour": (50, 300), "gift": (25, 75), "discount": (250, 2500),
    "referral": (1000, 5000), "introduction": (500, 2000), "extra_service": (300, 1500),
    "free_participation": (395, 795),
}


def reference_now(day: date | None = None) -> datetime:
    """The demo's "now": the start of ``day`` (default today) in UTC."""
    day = day or datetime.now(UTC).date()
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


@dataclass
class Rel:
    """A relationship being built, with what the timeline generator needs to know."""

    obj: Relationship
    country: str
    size: str
    people: list[Person]
    trustworthy: bool = True
    pattern: str | None = None
    consent: bool = False


@dataclass
class DemoBuild:
    rng: random.Random
    now: datetime
    workspace: Workspace
    users: dict[str, object]
    rels: list[Rel] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    deals: list[tuple[Deal, list[tuple[str, str, datetime]]]] = field(default_factory=list)

    # -- small helpers shared with the patterns -------------------------------------

    def at(self, days_ago: float, hour: int | None = None) -> datetime:
        """A weekday business-hours moment ``days_ago`` before now (never in the future)."""
        moment = self.now - timedelta(days=days_ago)
        day = moment.date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        hour = hour if hour is not None else self.rng.randint(7, 15)
        result = datetime.combine(day, time(hour, self.rng.choice((0, 15, 30, 45))), tzinfo=UTC)
        return min(result, self.now - timedelta(minutes=30))

    def interaction(self, rel: Rel, kind: str, when: datetime, subject: str,
                    direction: str = "mutual", topics: list[str] | None = None) -> Interaction:
        obj = Interaction(
            workspace=self.workspace, relationship=rel.obj, kind=kind, direction=direction,
            occurred_at=when, subject=subject, topics=topics or [],
            created_by=rel.obj.owner if kind != "automated_email" else None,
        )
        self.interactions.append(obj)
        return obj

    def signal(self, rel: Rel, kind: str, actor: str, when: datetime, *, note: str = "",
               interaction: Interaction | None = None, strength: float = 1.0) -> Signal:
        spec = spec_for(kind)
        obj = Signal(
            workspace=self.workspace, relationship=rel.obj, kind=kind, actor=actor,
            direction=direction_for(kind, actor), components=int(spec.components),
            polarity=spec.polarity, strength=strength, occurred_at=when,
            source=SignalSource.DEMO, note=note, interaction=interaction,
            created_by=rel.obj.owner,
        )
        self.signals.append(obj)
        return obj

    def exchange(self, rel: Rel, giver: str, kind: str, when: datetime, *,
                 value: float | None = None, solicited: bool = False, description: str = "",
                 reciprocates: Exchange | None = None) -> Exchange:
        if value is None:
            low, high = EXCHANGE_VALUES[kind]
            value = self.rng.randint(low, high)
        obj = Exchange(
            workspace=self.workspace, relationship=rel.obj, giver=giver, kind=kind,
            value=Decimal(int(value)), solicited=solicited, description=description,
            occurred_at=when, reciprocates=reciprocates, created_by=rel.obj.owner,
        )
        self.exchanges.append(obj)
        return obj

    def deal(self, rel: Rel, *, title: str, stage: str, first_contact: date,
             closed: date | None, value: int, history: list[tuple[str, str, datetime]],
             expected_close: date | None = None) -> Deal:
        obj = Deal(
            workspace=self.workspace, relationship=rel.obj, title=title, stage=stage,
            value=Decimal(value), currency=data.CURRENCY.get(rel.country, "EUR"),
            owner=rel.obj.owner, first_contact_at=first_contact, closed_at=closed,
            expected_close=expected_close,
        )
        self.deals.append((obj, history))
        return obj


# --- the steps ---------------------------------------------------------------------


def ensure_demo_users(workspace: Workspace) -> dict[str, object]:
    """The demo login (owner) and one login per other role, members of ``workspace``."""
    User = get_user_model()
    password = demo_password()
    wanted = {Role.OWNER: DEMO_USERNAME, **{Role(r): u for r, u in ROLE_USERNAMES.items()}}
    users = {}
    for role, username in wanted.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@{data.FIRM_DOMAIN}",
                        first_name=username.split("-")[-1].capitalize())
            user.set_password(password)
            user.save()
        Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": role})
        users[str(role)] = user
    return users


def build_demo(*, seed: int = 42, now: datetime, slug: str = data.FIRM_SLUG,
               name: str = data.FIRM_NAME) -> tuple[Workspace, dict[str, int]]:
    """Write the demo workspace; returns it and the number of rows per kind.

    The caller owns the transaction (the ``demo`` command opens it).
    """
    from trustfunnel.demo import patterns

    rng = random.Random(seed)
    workspace = Workspace.objects.create(
        name=name, slug=slug, home_country="NL", currency="EUR", domains=[data.FIRM_DOMAIN]
    )
    build = DemoBuild(rng=rng, now=now, workspace=workspace, users=ensure_demo_users(workspace))
    _organisations_people_relationships(build)
    for rel in build.rels:
        deals_for(build, rel)
        _timeline_for(build, rel)
    _events(build)
    _newsletters(build)
    patterns.add_patterns(build)
    _write(build)
    _retractions(build, build.signals)  # needs the written signals' ids
    counts = {
        "organisations": Organization.objects.for_workspace(workspace).count(),
        "people": Person.objects.for_workspace(workspace).count(),
        "relationships": len(build.rels),
        "deals": len(build.deals),
        "interactions": len(build.interactions),
        "signals": Signal.objects.for_workspace(workspace).count(),
        "exchanges": len(build.exchanges),
    }
    audit.record(workspace, "demo.loaded", workspace, actor=None,
                 data={"seed": seed, "now": now.isoformat(), "counts": counts})
    return workspace, counts


def _organisations_people_relationships(build: DemoBuild) -> None:
    rng, ws = build.rng, build.workspace
    orgs = []
    for name, country, sector, size, domain in data.ORGANISATIONS:
        vat = make_vat(country, rng) if rng.random() < 0.8 else ""
        orgs.append(Organization(
            workspace=ws, name=name, normalized_name=normalize_name(name), country=country,
            sector=sector, size=size, website=f"https://www.{domain}/", vat_number=vat,
            chamber_number=_chamber_number(country, vat, rng),
        ))
    Organization.objects.bulk_create(orgs, batch_size=BATCH)

    people_by_org: list[list[Person]] = []
    all_people: list[Person] = []
    for org, (_n, country, _s, size, domain) in zip(orgs, data.ORGANISATIONS, strict=True):
        language = "fr" if org.name.startswith("Dubois") else data.LANGUAGE[country]
        members = []
        for index in range(data.PEOPLE_PER_SIZE[size]):
            members.append(_person(build, org, country, language, domain, index))
        people_by_org.append(members)
        all_people += members
    trainers = []
    for first, last, country in data.TRAINERS:
        person = Person(
            workspace=ws, first_name=first, last_name=last, country=country,
            language=data.LANGUAGE[country], job_title="Freelance trainer",
            email=f"{ascii_slug(first)}@{ascii_slug(last)}-training.eu",
            phone=make_phone(country, rng, mobile=True), marketing_consent=False,
        )
        trainers.append(person)
    Person.objects.bulk_create(all_people + trainers, batch_size=BATCH)

    from trustfunnel.demo.patterns import KIND_OF_PATTERN, PATTERNS

    pattern_of_org = {org_name: key for key, org_name in PATTERNS.items()}
    owners = [build.users["owner"], build.users["sales"]]
    rels = []
    seen_in_country: Counter = Counter()
    for org, members, (_n, country, _s, size, _d) in zip(
        orgs, people_by_org, data.ORGANISATIONS, strict=True
    ):
        pattern = pattern_of_org.get(org.name)
        kind = KIND_OF_PATTERN.get(pattern) or _kind_for(org, seen_in_country[country], rng)
        seen_in_country[country] += 1
        start_days = {"client": (250, 2200), "partner": (900, 2600), "supplier": (400, 1500),
                      "prospect": (40, 500)}[kind]
        rel = Relationship(
            workspace=ws, owner=build.users["owner"] if pattern else rng.choice(owners),
            organization=org, person=members[0], kind=kind,
            started_at=(build.now - timedelta(days=rng.randint(*start_days))).date(),
        )
        if pattern == "balanced_partner":  # years of history
            rel.started_at = (build.now - timedelta(days=6 * 365)).date()
        rels.append(Rel(rel, country, size, members, trustworthy=rng.random() < 0.72,
                        pattern=pattern, consent=members[0].marketing_consent))
    for person in trainers:
        rel = Relationship(
            workspace=ws, owner=build.users["owner"], person=person, kind="trainer",
            started_at=(build.now - timedelta(days=rng.randint(400, 2000))).date(),
        )
        rels.append(Rel(rel, person.country.code, "micro", [person]))
    Relationship.objects.bulk_create([r.obj for r in rels], batch_size=BATCH)
    build.rels = rels


def _chamber_number(country: str, vat: str, rng: random.Random) -> str:
    if country == "NL":
        return f"{rng.randint(10_000_000, 99_999_999)}"
    if country == "BE" and vat:
        return vat[2:]
    if country == "DE":
        return f"HRB {rng.randint(1000, 99999)}"
    if country == "GB":
        return f"{rng.randint(1_000_000, 15_999_999):08d}"
    return ""


def _person(build: DemoBuild, org: Organization, country: str, language: str, domain: str,
            index: int) -> Person:
    rng = build.rng
    first = rng.choice(data.FIRST_NAMES[country])
    last = rng.choice(data.LAST_NAMES[country])
    if index == 0:
        title, authority = rng.choice(data.JOB_TITLES[:4])
    else:
        title, authority = rng.choice(data.JOB_TITLES)
    consent = rng.random() < 0.6
    return Person(
        workspace=build.workspace, first_name=first, last_name=last, organization=org,
        job_title=title, decision_authority=authority, language=language, country=country,
        email=f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}",
        phone=make_phone(country, rng, mobile=rng.random() < 0.5) if rng.random() < 0.8 else "",
        marketing_consent=consent,
        consent_at=build.at(rng.randint(60, 900)) if consent else None,
        consent_source=rng.choice(["Newsletter sign-up form", "Event registration",
                                   "Business card at a trade fair"]) if consent else "",
    )


def _kind_for(org: Organization, index_in_country: int, rng: random.Random) -> str:
    """Three clients in five per country (so every market has a closed-deal history)."""
    if org.sector in ("Software", "IT services") and rng.random() < 0.3:
        return "supplier"
    if rng.random() < 0.04:
        return "partner"
    return "client" if index_in_country % 5 in (0, 1, 3) else "prospect"


# --- timeline ----------------------------------------------------------------------


def _timeline_for(build: DemoBuild, rel: Rel) -> None:
    rng = build.rng
    kinds = ("meeting", "video", "phone", "email")
    mix = INTERACTION_MIX[rel.country]
    start_days = min(HISTORY_DAYS, (build.now.date() - rel.obj.started_at).days)
    rate = CONTACTS_PER_MONTH[rel.obj.kind] / 30
    days_ago = start_days - rng.expovariate(rate)
    while days_ago > 0.5:
        kind = rng.choices(kinds, weights=mix)[0]
        subjects = {"meeting": data.MEETING_SUBJECTS, "video": data.MEETING_SUBJECTS,
                    "phone": data.CALL_SUBJECTS, "email": data.EMAIL_SUBJECTS}[kind]
        when = build.at(days_ago)
        direction = "mutual" if kind in ("meeting", "video") else rng.choice(("outbound", "inbound"))
        interaction = build.interaction(
            rel, kind, when, rng.choice(subjects).format(year=when.year), direction,
            topics=rng.sample(data.TOPICS, k=rng.randint(0, 2)),
        )
        for _ in range(rng.choices((0, 1, 2), weights=(0.35, 0.45, 0.2))[0]):
            actor, kind_of_signal = _background_signal(rel, rng)
            build.signal(rel, kind_of_signal, actor, when, interaction=interaction)
        days_ago -= rng.expovariate(rate)
    if not rel.pattern:
        _invoices(build, rel)
        _background_exchanges(build, rel, start_days)


def _background_signal(rel: Rel, rng: random.Random) -> tuple[str, str]:
    if rel.pattern:
        return "them", _pick(rng, NEUTRAL_KINDS)
    if rng.random() < 0.45:
        return "us", _pick(rng, US_KINDS)
    weights = THEM_KINDS
    if not rel.trustworthy:
        weights = {k: w * (4 if k in NEGATIVE_KINDS else 1) for k, w in THEM_KINDS.items()}
    return "them", _pick(rng, weights)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _invoices(build: DemoBuild, rel: Rel) -> None:
    rng = build.rng
    for deal, history in [d for d in build.deals if d[0].relationship is rel.obj]:
        if deal.stage != DealStage.WON:
            continue
        won_at = history[-1][2]
        for month in range(rng.randint(1, 3)):
            due = won_at + timedelta(days=30 * (month + 1) + 30)
            if due >= build.now:
                break
            roll = rng.random()
            on_time = 0.9 if rel.trustworthy else 0.55
            kind = ("invoice_paid_on_time" if roll < on_time else
                    "invoice_paid_late" if roll < 0.98 else "invoice_unpaid")
            delay = -rng.randint(1, 10) if kind == "invoice_paid_on_time" else rng.randint(5, 40)
            when = min(due + timedelta(days=delay), build.now - timedelta(hours=2))
            build.signal(rel, kind, "them", when, note=f"Invoice for {deal.title}")


def _background_exchanges(build: DemoBuild, rel: Rel, start_days: int) -> None:
    rng = build.rng
    rate = {"client": 0.35, "partner": 0.6, "prospect": 0.2}.get(rel.obj.kind, 0.1) / 30
    kinds = list(EXCHANGE_VALUES)
    last_ours: Exchange | None = None
    days_ago = start_days - rng.expovariate(rate)
    while days_ago > 1:
        giver = "us" if rng.random() < 0.55 else "them"
        kind = rng.choice(kinds)
        returns = last_ours if giver == "them" and last_ours and rng.random() < 0.3 else None
        exchange = build.exchange(rel, giver, kind, build.at(days_ago),
                                  solicited=rng.random() < 0.4, reciprocates=returns)
        last_ours = exchange if giver == "us" else None
        days_ago -= rng.expovariate(rate)


def _events(build: DemoBuild) -> None:
    """Open trainings and masterclasses, every two months: registrations and turnout."""
    rng = build.rng
    candidates = [r for r in build.rels if r.obj.kind in ("client", "prospect", "partner")
                  and not r.pattern]
    for days_ago in range(HISTORY_DAYS - 20, 10, -61):
        subject = rng.choice(data.EVENT_SUBJECTS)
        when = build.at(days_ago, hour=8)
        for rel in candidates:
            if rng.random() > 0.15:
                continue
            interaction = build.interaction(rel, "event", when, subject, "mutual", ["event"])
            roll = rng.random()
            if roll < 0.8:
                build.signal(rel, "attended", "them", when, interaction=interaction)
            elif roll < 0.9:
                build.signal(rel, "cancelled_in_time", "them", when - timedelta(days=5),
                             interaction=interaction)
            elif roll < 0.95:
                build.signal(rel, "late_cancellation", "them", when - timedelta(hours=3),
                             interaction=interaction)
            else:
                build.signal(rel, "no_show", "them", when, interaction=interaction)


def _newsletters(build: DemoBuild) -> None:
    """A monthly automated newsletter to every consenting contact; a few count as sends
    that dent trust (too generic for where the relationship is)."""
    rng = build.rng
    for month_back in range(23, -1, -1):
        day = (build.now - timedelta(days=30 * month_back + 3)).date()
        when = datetime.combine(day - timedelta(days=max(0, day.weekday() - 1)), time(6, 0), tzinfo=UTC)
        if when >= build.now:
            continue
        subject = rng.choice(data.NEWSLETTER_SUBJECTS).format(month=when.strftime("%B %Y"))
        for rel in build.rels:
            if not rel.consent or rel.pattern:
                continue
            interaction = build.interaction(rel, "automated_email", when, subject, "outbound",
                                            ["newsletter"])
            if rng.random() < 0.1:
                build.signal(rel, "automated_send", "us", when, interaction=interaction)
            if rng.random() < 0.03:  # followed the newsletter's link
                build.signal(rel, "clicked", "them", when + timedelta(hours=3),
                             interaction=interaction)


def _write(build: DemoBuild) -> None:
    Interaction.objects.bulk_create(build.interactions, batch_size=BATCH)
    for signal in build.signals:  # the FK ids exist now
        signal.interaction_id = signal.interaction.pk if signal.interaction else None
    Signal.objects.bulk_create(build.signals, batch_size=BATCH)
    Deal.objects.bulk_create([deal for deal, _ in build.deals], batch_size=BATCH)
    changes = [
        DealStageChange(workspace=build.workspace, deal=deal, from_stage=old, to_stage=new,
                        at=at, by=deal.owner)
        for deal, history in build.deals for old, new, at in history
    ]
    DealStageChange.objects.bulk_create(changes, batch_size=BATCH)
    # Exchanges may point at earlier ones: write in time order, in two passes.
    pending = sorted(build.exchanges, key=lambda e: e.occurred_at)
    links = {id(e): e.reciprocates for e in pending}
    for exchange in pending:
        exchange.reciprocates = None
    Exchange.objects.bulk_create(pending, batch_size=BATCH)
    linked = []
    for exchange in pending:
        target = links[id(exchange)]
        if target is not None:
            exchange.reciprocates_id = target.pk
            linked.append(exchange)
    Exchange.objects.bulk_update(linked, ["reciprocates"], batch_size=BATCH)


def _retractions(build: DemoBuild, signals: list[Signal]) -> None:
    """Two corrections: signals logged on the wrong relationship, withdrawn."""
    rng = build.rng
    candidates = [s for s in signals if s.polarity != 0 and s.occurred_at < build.now - timedelta(days=3)
                  and not _is_pattern_signal(build, s)]
    retractions = []
    for original in rng.sample(candidates, k=min(2, len(candidates))):
        retractions.append(Signal(
            workspace=build.workspace, relationship_id=original.relationship_id,
            kind="retraction", actor=original.actor, direction=original.direction,
            components=original.components, polarity=0, strength=0,
            occurred_at=original.occurred_at + timedelta(days=1), source=SignalSource.DEMO,
            note="Logged on the wrong relationship.", retracts=original,
            created_by=build.users["owner"],
        ))
    Signal.objects.bulk_create(retractions)


def _is_pattern_signal(build: DemoBuild, signal: Signal) -> bool:
    return any(r.pattern and r.obj.pk == signal.relationship_id for r in build.rels)


def demo_summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {what}" for what, n in counts.items())


def replace_workspace(slug: str) -> None:
    """Delete a workspace and everything in it (``demo --replace``).

    Retractions protect the signals they withdraw, so they go first. (Slow for bulk
    benchmark data: use a fresh database for those.)"""
    with transaction.atomic():
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            return
        Signal.objects.for_workspace(workspace).filter(retracts__isnull=False).delete()
        workspace.delete()
