"""Engine results as plain dicts for the API and the templates, translated.

Core returns English templates and their data (it cannot import Django's gettext);
the templates are listed for the catalogue in :mod:`trustfunnel.culture.messages`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from trustfunnel.core.culture import (
    DIMENSIONS,
    CountryScores,
    Distance,
    LearnedPace,
    PacePrior,
    PairPace,
    Reason,
)
from trustfunnel.core.pacing import PaceAdvice
from trustfunnel.core.survival import Quantile


def reason_text(reason: Reason) -> str:
    try:
        return gettext(reason.template).format(**reason.data)
    except (KeyError, IndexError, ValueError):
        return reason.message


def reasons(items) -> list[dict[str, Any]]:
    return [{"code": r.code, "message": reason_text(r), "data": _plain(r.data)} for r in items]


def _plain(data) -> dict[str, Any]:
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in dict(data).items()}


def scores_dict(scores: CountryScores) -> dict[str, Any]:
    return {
        "country": scores.country,
        "dimensions": {d: scores.get(d) for d in DIMENSIONS},
        "available": list(scores.available),
        "provenance": scores.provenance,
    }


def prior_dict(prior: PacePrior) -> dict[str, Any]:
    return {
        "heuristic": True,
        "weeks_to_yes": round(prior.weeks_to_yes, 1),
        "touches": round(prior.touches, 1),
        "reply_business_days": round(prior.reply_days, 1),
        "gap_days": round(prior.gap_days, 1),
        "neutral": prior.neutral,
        "dimensions_used": list(prior.dimensions),
        "reasons": reasons(prior.reasons),
    }


def _quantile(q: Quantile) -> dict[str, Any]:
    return {"q": q.q, "days": q.time, "ci_lower": q.lower, "ci_upper": q.upper}


def learned_dict(pace: LearnedPace) -> dict[str, Any]:
    return {
        "country": pace.country,
        "sector": pace.sector or None,
        "deals": pace.n,
        "won": pace.won,
        "learned": [_quantile(q) for q in pace.learned],
        "estimate_days": {
            "q25": round(pace.days_25, 1),
            "median": round(pace.days_50, 1),
            "q75": round(pace.days_75, 1),
        },
        # True where the data never reached that share of yeses: "more than N days".
        "lower_bound": dict(zip(("q25", "median", "q75"), pace.lower_bounds, strict=True)),
        "data_weight": round(pace.data_weight, 3),
        "prior_weight": round(pace.prior_weight, 3),
        "reasons": reasons(pace.reasons),
    }


def distance_dict(distance: Distance) -> dict[str, Any]:
    return {
        "a": distance.a,
        "b": distance.b,
        "kogut_singh": None if distance.value is None else round(distance.value, 4),
        "dimensions_used": distance.dimensions_used,
        "dimensions": list(distance.dimensions),
        "reasons": reasons(distance.reasons),
    }


VERDICT_LABELS = {"slow": "slow", "pushy": "pushy", "about right": "about right"}


def pair_dict(pair: PairPace) -> dict[str, Any]:
    return {
        "home": pair.home,
        "buyer": pair.buyer,
        "buyer_finds_us": pair.buyer_finds_us,
        "we_find_buyer": pair.we_find_buyer,
        "reasons": reasons(pair.reasons),
    }


def advice_dict(advice: PaceAdvice) -> dict[str, Any]:
    return {
        "relationship": advice.relationship_id,
        "country": advice.country or None,
        "next_contact": advice.next_contact.isoformat(),
        "kind": advice.kind.key,
        "gap_days": round(advice.gap_days, 1),
        "warnings": advice.warning_keys,
        "reasons": reasons(advice.reasons),
    }
