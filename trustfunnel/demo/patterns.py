"""The five patterns the product must recognise, each on a named demo relationship.

``PATTERNS`` maps a pattern key to the organisation whose relationship shows it; tests
and the engines' own demo checks find it with :func:`find_pattern`.

- ``non_payer``: registers and never pays: no-shows at open trainings, invoices unpaid
  past due, broken payment promises, free participation taken.
- ``late_canceller``: cancels an hour before the session, again and again.
- ``extras_asker``: keeps asking for extras and credits; we give a lot when asked, little
  comes back.
- ``balanced_partner``: years of kept promises and care both ways, introductions and
  referrals, exchanges roughly balanced in both directions.
- ``negotiation_automated``: a prospect in negotiation who still receives the generic
  automated newsletter (and the sends are on the timeline).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from trustfunnel.crm.models import DealStage, Relationship
from trustfunnel.workspaces.models import Workspace

if TYPE_CHECKING:
    from trustfunnel.demo.generator import DemoBuild, Rel

__all__ = ["PATTERNS", "KIND_OF_PATTERN", "find_pattern", "add_patterns"]

PATTERNS: dict[str, str] = {
    "non_payer": "Van Dijk Vastgoedbeheer B.V.",
    "late_canceller": "Peeters Logistiek NV",
    "extras_asker": "Hartmann Maschinenbau GmbH",
    "balanced_partner": "Zuidas Leiderschapsacademie B.V.",
    "negotiation_automated": "Lefèvre Conseil SAS",
}

KIND_OF_PATTERN: dict[str | None, str] = {
    "non_payer": "client",
    "late_canceller": "client",
    "extras_asker": "client",
    "balanced_partner": "partner",
    "negotiation_automated": "prospect",
}


def find_pattern(workspace: Workspace, key: str) -> Relationship:
    """The demo relationship that shows pattern ``key`` (a key of :data:`PATTERNS`)."""
    return (
        Relationship.objects.for_workspace(workspace)
        .select_related("organization", "person")
        .get(organization__name=PATTERNS[key])
    )


def add_patterns(build: DemoBuild) -> None:
    by_key = {rel.pattern: rel for rel in build.rels if rel.pattern}
    _non_payer(build, by_key["non_payer"])
    _late_canceller(build, by_key["late_canceller"])
    _extras_asker(build, by_key["extras_asker"])
    _balanced_partner(build, by_key["balanced_partner"])
    _negotiation_automated(build, by_key["negotiation_automated"])


def _won_deal(build: DemoBuild, rel: Rel, days_ago: float, title: str) -> None:
    from trustfunnel.demo.deals import make_deal

    make_deal(build, rel, first_contact_days_ago=days_ago, outcome="won", title=title)


def _non_payer(build: DemoBuild, rel: Rel) -> None:
    _won_deal(build, rel, 420, "Customer service workshop series")
    for days_ago in (300, 240, 150, 60):
        when = build.at(days_ago, hour=8)
        event = build.interaction(rel, "event", when, "Open training: leadership essentials",
                                  topics=["event"])
        if days_ago in (240, 150, 60):
            build.signal(rel, "no_show", "them", when, interaction=event,
                         note="Registered two participants; nobody came, nobody cancelled.")
        else:
            build.signal(rel, "attended", "them", when, interaction=event)
        build.exchange(rel, "us", "free_participation", when, value=595, solicited=True,
                       description="Free seat at the open training, as a goodwill gesture.")
    for days_ago in (100, 30):
        # Like the seed story: point out a flaw, then ask for a reward for it.
        build.signal(rel, "reward_requested", "them", build.at(days_ago),
                     note="Asked to join the next training free of charge.")
        build.exchange(rel, "us", "extra_service", build.at(days_ago), value=250, solicited=True,
                       description="Extra coaching call, as asked.")
    for days_ago in (200, 140, 75):
        build.signal(rel, "invoice_unpaid", "them", build.at(days_ago),
                     note="Invoice 30 days past due; two reminders sent.")
    for days_ago in (190, 70):
        call = build.interaction(rel, "phone", build.at(days_ago), "Question about the invoice",
                                 "outbound", ["budget"])
        build.signal(rel, "promise_made", "them", call.occurred_at, interaction=call,
                     note="Promised to pay by the end of the week.")
        build.signal(rel, "promise_broken", "them", call.occurred_at + timedelta(days=8),
                     note="Payment promised on the phone did not arrive.")


def _late_canceller(build: DemoBuild, rel: Rel) -> None:
    _won_deal(build, rel, 500, "In-company training: difficult conversations")
    for days_ago in (330, 260, 190, 120, 45):
        start = build.at(days_ago, hour=8)
        session = build.interaction(rel, "meeting", start, "Training session (cancelled)",
                                    topics=["feedback"])
        build.signal(rel, "late_cancellation", "them", start - timedelta(hours=1),
                     interaction=session, note="Cancelled one hour before the start.")
    for days_ago in (300, 160):
        start = build.at(days_ago, hour=8)
        session = build.interaction(rel, "meeting", start, "Training session", topics=["feedback"])
        build.signal(rel, "attended", "them", start, interaction=session)
        build.signal(rel, "invoice_paid_on_time", "them", start + timedelta(days=25))


def _extras_asker(build: DemoBuild, rel: Rel) -> None:
    _won_deal(build, rel, 560, f"Leadership programme {build.now.year - 1}")
    asks = [
        (400, "extra_service", "Extra coaching hour for the plant manager, free of charge."),
        (350, "discount", "Asked for 15% off the second module."),
        (300, "free_participation", "Two extra participants at no cost."),
        (260, "advice", "Review of their internal onboarding plan."),
        (210, "extra_service", "Additional translated course materials."),
        (170, "discount", "Credit for a session they rescheduled themselves."),
        (130, "free_participation", "A free seat at the masterclass."),
        (90, "advice", "Advice on a supplier dispute, by phone."),
        (50, "extra_service", "Unplanned follow-up workshop."),
        (20, "discount", "Asked to waive the travel costs."),
    ]
    for days_ago, kind, description in asks:
        when = build.at(days_ago)
        mail = build.interaction(rel, "email", when, "Request: " + description[:60], "inbound")
        build.exchange(rel, "us", kind, when, solicited=True, description=description)
        if kind != "advice":
            build.signal(rel, "reward_requested", "them", when, interaction=mail,
                         note=description)
    build.exchange(rel, "them", "gift", build.at(380), value=40, description="Box of chocolates.")


def _balanced_partner(build: DemoBuild, rel: Rel) -> None:
    _won_deal(build, rel, 700, "Trainer pool agreement")
    _won_deal(build, rel, 300, "Joint leadership programme")
    previous = None
    for step, days_ago in enumerate(range(1400, 20, -46)):
        when = build.at(days_ago)
        meeting = build.interaction(rel, "meeting", when, "Partner meeting: joint programmes",
                                    topics=["leadership", "coaching"])
        build.signal(rel, "promise_kept", "them", when, interaction=meeting)
        build.signal(rel, "promise_kept", "us", when, interaction=meeting)
        if step % 3 == 0:
            build.signal(rel, "care_shown", "them", when, interaction=meeting,
                         note="Asked after our trainer who was ill; offered to cover.")
            build.signal(rel, "care_shown", "us", when, interaction=meeting)
        if step % 4 == 1:
            build.signal(rel, "delivered", "them", when, interaction=meeting)
            build.signal(rel, "disclosure", "them", when, interaction=meeting)
        if step % 5 == 2:
            build.signal(rel, "introduction", "them", when, interaction=meeting,
                         note="Introduced us to the HR director of a client of theirs.")
            build.signal(rel, "introduction", "us", when, interaction=meeting)
        if step % 7 == 3:
            build.signal(rel, "referral", "them", when, interaction=meeting)
        giver = "us" if step % 2 == 0 else "them"
        kind = ("introduction", "advice", "referral", "favour")[step % 4]
        value = 400 + (step % 5) * 150
        previous = build.exchange(
            rel, giver, kind, when, value=value, solicited=step % 3 == 0,
            description="Give and take between partners.",
            reciprocates=previous if previous is not None and previous.giver != giver else None,
        )


def _negotiation_automated(build: DemoBuild, rel: Rel) -> None:
    from trustfunnel.demo.deals import make_deal

    rel.consent = True
    make_deal(build, rel, first_contact_days_ago=95, outcome="won",
              open_stage=DealStage.NEGOTIATION, title="Management team coaching")
    for days_ago, kind, subject in (
        (95, "video", "Intake: learning goals"),
        (70, "meeting", "Needs exploration with the management team"),
        (45, "meeting", "Proposal walkthrough"),
        (28, "phone", "Follow-up on the proposal"),
        (12, "meeting", "Negotiation: scope and price"),
    ):
        meeting = build.interaction(rel, kind, build.at(days_ago), subject, topics=["coaching"])
        build.signal(rel, "disclosure" if days_ago > 40 else "competence_shown", "them",
                     meeting.occurred_at, interaction=meeting)
    for days_ago, subject in ((20, "Kompas newsletter"), (9, "Open training calendar"),
                              (3, "Invitation: masterclass leadership")):
        when = build.at(days_ago, hour=6)
        mail = build.interaction(rel, "automated_email", when, subject, "outbound",
                                 ["newsletter"])
        build.signal(rel, "automated_send", "us", when, interaction=mail,
                     note="Generic newsletter sent during the negotiation.")
