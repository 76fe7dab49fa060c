"""Pacing: the next sensible contact per relationship, and warnings with reasons.

Input is one row per open relationship, as arrays (the app aggregates the timeline in
SQL with GROUP BY, one query for all relationships): the counterpart's country, the
stage of its most advanced open deal, when that deal started and when we made the ask
(a proposal), and the last interaction times in each direction. Output is, per row,

- the next contact date: our last touch plus the expected gap between touches (the
  country's pace times a stage factor), pulled earlier when a message of theirs waits
  for an answer, pushed later when we have been pushing, never before today and never
  on a weekend or public holiday in the counterpart's country;
- the kind of contact: a personal meeting, a call, a personal mail or relevant content;
- warnings: *too fast* (several of our touches without any response; an ask sooner
  than the country's typical time), *going cold* (no meaningful contact for longer than
  the expected gap; a long trajectory that needs a personally relevant touch), and
  *slow reply* (their message unanswered longer than their culture tolerates).

Everything is NumPy over all rows at once; :meth:`PacingBatch.advice` turns one row
into a :class:`PaceAdvice` with its reasons (for a page or an API list page).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from trustfunnel.core.culture import BusinessCalendar, Reason
from trustfunnel.core.params import PacingParams

__all__ = [
    "ContactKind",
    "CountryPace",
    "PaceAdvice",
    "PacingBatch",
    "PacingInput",
    "PaceWarning",
    "plan_contacts",
]

_DAY = np.timedelta64(1, "D")
_ADVANCED = ("proposal", "negotiation")
_EARLY = ("lead", "first_contact")


class ContactKind(enum.IntEnum):
    MEETING = 0  # a personal meeting
    CALL = 1
    PERSONAL_MAIL = 2
    RELEVANT_CONTENT = 3  # content that is personally relevant (rule 6), not a blast

    @property
    def key(self) -> str:
        return self.name.lower()


class PaceWarning(enum.IntFlag):
    NONE = 0
    TOO_FAST = 1  # several touches of ours without a response
    EARLY_ASK = 2  # a proposal sooner than the country's typical time ("too fast" too)
    GOING_COLD = 4
    LONG_TRAJECTORY = 8  # needs a personally relevant touch
    SLOW_REPLY = 16  # their message waits longer than their culture tolerates


@dataclass(frozen=True, slots=True)
class CountryPace:
    """The pace in force for a buyer country: learned (shrunk) or prior."""

    country: str
    days_to_yes: float
    gap_days: float
    reply_days: float
    source: str = "prior"  # "prior" or "learned"


@dataclass(frozen=True, slots=True)
class PacingInput:
    """One row per relationship. Times are float days since 1970-01-01 (NaN = never)."""

    relationship_id: np.ndarray  # int64
    country: np.ndarray  # str, "" = unknown
    stage: np.ndarray  # str, "" = no open deal
    deal_started: np.ndarray  # first contact of the open deal
    asked_at: np.ndarray  # when the open deal reached "proposal"
    last_out: np.ndarray  # our last personal touch (not automated)
    last_in: np.ndarray  # their last message or call to us
    last_in_email: np.ndarray  # their last e-mail to us
    last_mutual: np.ndarray  # last meeting / conversation both ways
    last_meaningful: np.ndarray  # last contact that was not an automated send
    last_personal: np.ndarray  # last meeting, video call, phone call or event
    out_since_heard: np.ndarray  # our touches since we last heard from them (int)

    def __len__(self) -> int:
        return int(self.relationship_id.size)


@dataclass(frozen=True, slots=True)
class PaceAdvice:
    relationship_id: int
    country: str
    next_contact: date
    kind: ContactKind
    gap_days: float
    warnings: PaceWarning
    reasons: tuple[Reason, ...]

    @property
    def warning_keys(self) -> list[str]:
        return [w.name.lower() for w in PaceWarning if w and w in self.warnings]


@dataclass(frozen=True, slots=True)
class PacingBatch:
    """Per-row results as arrays; ``advice(i)`` builds one row's reasons."""

    inputs: PacingInput
    today: date
    next_contact: np.ndarray  # datetime64[D]
    kind: np.ndarray  # int8 ContactKind
    warnings: np.ndarray  # int16 PaceWarning bits
    gap_days: np.ndarray
    days_to_yes: np.ndarray
    reply_days: np.ndarray
    since_meaningful: np.ndarray  # days, NaN = never
    unanswered_days: np.ndarray  # business days their e-mail waits, NaN = none
    pace_source: np.ndarray  # str

    def __len__(self) -> int:
        return int(self.next_contact.size)

    def index_of(self, relationship_id: int) -> int | None:
        hits = np.flatnonzero(self.inputs.relationship_id == relationship_id)
        return int(hits[0]) if hits.size else None

    def advice(self, i: int) -> PaceAdvice:
        return PaceAdvice(
            relationship_id=int(self.inputs.relationship_id[i]),
            country=str(self.inputs.country[i]),
            next_contact=self.next_contact[i].item(),
            kind=ContactKind(int(self.kind[i])),
            gap_days=float(self.gap_days[i]),
            warnings=PaceWarning(int(self.warnings[i])),
            reasons=tuple(self._reasons(i)),
        )

    def _reasons(self, i: int):
        inp = self.inputs
        country = str(inp.country[i]) or "?"
        stage = str(inp.stage[i]) or "none"
        yield Reason(
            "expected_gap",
            "Buyers from {country} need about {weeks:.0f} weeks to a yes ({source}); at "
            "stage {stage} that means a touch every {gap:.0f} days.",
            {"country": country, "weeks": self.days_to_yes[i] / 7, "source": str(self.pace_source[i]),
             "stage": stage, "gap": self.gap_days[i]},
        )  # fmt: skip
        flags = PaceWarning(int(self.warnings[i]))
        if PaceWarning.SLOW_REPLY in flags:
            yield Reason(
                "slow_reply",
                "Their e-mail has waited {days:.0f} business days for an answer; buyers "
                "from {country} expect one within {limit:.0f}.",
                {"days": self.unanswered_days[i], "country": country, "limit": self.reply_days[i]},
            )
        elif not np.isnan(self.unanswered_days[i]):
            yield Reason(
                "unanswered",
                "Their e-mail waits for an answer ({days:.0f} business days so far).",
                {"days": self.unanswered_days[i]},
            )
        if PaceWarning.TOO_FAST in flags:
            yield Reason(
                "too_fast",
                "{count} touches of ours since we last heard from them: give them room, "
                "and change channel.",
                {"count": int(inp.out_since_heard[i])},
            )
        if PaceWarning.EARLY_ASK in flags:
            yield Reason(
                "early_ask",
                "The proposal came {days:.0f} days after first contact; buyers from "
                "{country} typically need about {typical:.0f}.",
                {"days": inp.asked_at[i] - inp.deal_started[i], "country": country,
                 "typical": self.days_to_yes[i]},
            )  # fmt: skip
        if PaceWarning.GOING_COLD in flags:
            since = self.since_meaningful[i]
            yield Reason(
                "going_cold",
                "No meaningful contact for {days} days, more than the expected gap of "
                "{gap:.0f}.",
                {"days": "many" if np.isnan(since) else f"{since:.0f}", "gap": self.gap_days[i]},
            )
        if PaceWarning.LONG_TRAJECTORY in flags:
            yield Reason(
                "long_trajectory",
                "The deal has been open {days:.0f} days, well past the typical {typical:.0f}: "
                "keep it warm with something personally relevant.",
                {"days": _today_days(self.today) - inp.deal_started[i],
                 "typical": self.days_to_yes[i]},
            )  # fmt: skip


def _today_days(today: date) -> float:
    return float((np.datetime64(today, "D") - np.datetime64("1970-01-01", "D")) / _DAY)


def _pace_arrays(country: np.ndarray, paces: Mapping[str, CountryPace], default: CountryPace):
    unique, codes = np.unique(country.astype(str), return_inverse=True)
    chosen = [paces.get(c, default) for c in unique.tolist()]
    def pick(attr):
        return np.array([getattr(p, attr) for p in chosen], dtype=object if attr == "source" else np.float64)[codes]
    return unique, codes, pick("days_to_yes"), pick("gap_days"), pick("reply_days"), pick("source")


def plan_contacts(
    inputs: PacingInput,
    paces: Mapping[str, CountryPace],
    default: CountryPace,
    params: PacingParams,
    *,
    today: date,
    calendar: BusinessCalendar | None = None,
) -> PacingBatch:
    """Next contact date and kind plus warnings for every row, in one vectorised pass.

    ``paces`` maps a country code to its pace; countries missing there (or "") get
    ``default`` (the neutral prior), so a buyer from a country without scores is
    planned like any other.
    """
    calendar = calendar or BusinessCalendar()
    now = _today_days(today)
    unique, codes, days_to_yes, country_gap, reply_days, source = _pace_arrays(
        inputs.country, paces, default
    )
    stage = inputs.stage.astype(str)
    factor = np.ones(stage.shape)
    for name, value in params.stage_gap_factor.items():
        factor[stage == (name if name != "none" else "")] = value
    gap = np.maximum(country_gap * factor, float(params.min_gap_days))

    last_touch = np.fmax(np.fmax(inputs.last_out, inputs.last_in), inputs.last_mutual)
    next_day = np.where(np.isnan(last_touch), now, last_touch + gap)
    kind = _default_kind(stage, inputs.last_personal, now, gap, params)
    warnings = np.zeros(len(inputs), dtype=np.int16)

    # Too fast: we keep sending without a response; back off and change channel.
    pushing = inputs.out_since_heard >= params.unanswered_touches_too_fast
    warnings[pushing] |= PaceWarning.TOO_FAST
    backed_off = inputs.last_out + gap * params.back_off_factor
    next_day = np.where(pushing, np.fmax(next_day, backed_off), next_day)
    kind = np.where(pushing, ContactKind.CALL, kind)

    early = (inputs.asked_at - inputs.deal_started) < params.early_ask_fraction * days_to_yes
    warnings[early & np.isin(stage, _ADVANCED)] |= PaceWarning.EARLY_ASK

    since_meaningful = now - inputs.last_meaningful
    started = now - inputs.deal_started
    never = np.isnan(inputs.last_meaningful) & (np.nan_to_num(started, nan=0.0) > gap)
    cold = (since_meaningful > params.cold_factor * gap) | never
    warnings[cold] |= PaceWarning.GOING_COLD
    long_road = (stage != "") & (started > params.long_trajectory_factor * days_to_yes)
    warnings[long_road] |= PaceWarning.LONG_TRAJECTORY
    kind = np.where(
        long_road & ~pushing,
        np.where(np.isin(stage, _EARLY), ContactKind.RELEVANT_CONTENT, ContactKind.MEETING),
        kind,
    )

    # A message of theirs waiting for us comes first: answer it personally.
    answered_after = np.fmax(inputs.last_out, inputs.last_mutual)
    waiting = ~np.isnan(inputs.last_in_email) & ~(answered_after >= inputs.last_in_email)
    unanswered_days = np.full(len(inputs), np.nan)
    next_dates = np.empty(len(inputs), dtype="datetime64[D]")
    proposed = np.floor(np.fmax(next_day, now)).astype("int64").astype("datetime64[D]")
    for index, country in enumerate(unique.tolist()):
        rows = np.flatnonzero(codes == index)
        waits = rows[waiting[rows]]
        if waits.size:
            received = np.floor(inputs.last_in_email[waits]).astype("int64").astype("datetime64[D]")
            holidays = _holidays_for(calendar, country, received.min(), today)
            unanswered_days[waits] = np.busday_count(
                received, np.datetime64(today, "D"), holidays=holidays
            )
            due = np.busday_offset(
                received, np.ceil(reply_days[waits]).astype(int), roll="forward", holidays=holidays
            )
            proposed[waits] = np.maximum(np.minimum(proposed[waits], due), np.datetime64(today, "D"))
        next_dates[rows] = calendar.roll_forward_many(country, proposed[rows]) if country else (
            np.busday_offset(proposed[rows], 0, roll="forward")
        )
    slow = waiting & (unanswered_days > reply_days)
    warnings[slow] |= PaceWarning.SLOW_REPLY
    kind = np.where(waiting, np.where(slow, ContactKind.CALL, ContactKind.PERSONAL_MAIL), kind)
    return PacingBatch(
        inputs=inputs,
        today=today,
        next_contact=next_dates,
        kind=kind.astype(np.int8),
        warnings=warnings,
        gap_days=gap,
        days_to_yes=days_to_yes,
        reply_days=reply_days,
        since_meaningful=since_meaningful,
        unanswered_days=unanswered_days,
        pace_source=source,
    )


def _default_kind(stage, last_personal, now, gap, params):
    """By stage: advanced deals need personal contact (a meeting if none for a while),
    early ones a call, leads relevant content, relationships without a deal a mail."""
    no_recent_personal = ~((now - last_personal) <= params.personal_contact_gaps * gap)
    kind = np.full(stage.shape, ContactKind.CALL, dtype=np.int8)
    kind[stage == "lead"] = ContactKind.RELEVANT_CONTENT
    kind[stage == ""] = ContactKind.PERSONAL_MAIL
    advanced = np.isin(stage, _ADVANCED)
    kind[advanced & no_recent_personal] = ContactKind.MEETING
    return kind


def _holidays_for(calendar: BusinessCalendar, country: str, first, today: date):
    if not country:
        return np.array([], dtype="datetime64[D]")
    first_year = int(str(first)[:4])
    years = range(min(first_year, today.year), today.year + 2)
    return np.array(calendar.holidays(country, years), dtype="datetime64[D]")
