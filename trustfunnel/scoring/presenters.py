"""Engine results as plain, translated data for the API and the relationship page.

The core engines return English templates with their data (core cannot import
Django); here each template is looked up in the catalogue and filled in. Every
template the engines can return is listed in :data:`ENGINE_MESSAGES` with
``gettext_noop`` so ``makemessages`` finds it (core/ is not scanned).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from trustfunnel.core import reciprocity as ledger_engine
from trustfunnel.core.evidence import SIGNAL_KINDS
from trustfunnel.crm.models import DecisionAuthority
from trustfunnel.scoring.models import ReciprocityClass, TrustLabel
from trustfunnel.scoring.services import RelationshipAnalysis

ENGINE_MESSAGES = [
    # trust: what would raise the score
    N_("Nothing on the timeline shows their {component} yet."),
    N_("Their trust in our {component} is unknown: nothing on the timeline shows it yet."),
    N_("No {component} shown by them in {months} months."),
    N_("No {component} shown by us in {months} months."),
    N_("Negative evidence on their {component} outweighs the positive; it fades slowly, so agree what they will do and record when they keep to it."),
    N_("Our negative evidence on {component} outweighs the positive; it fades slowly, so repair it with consistent, visible {component}."),
    # reciprocity: classification reasons
    N_("Too few recent exchanges to tell ({count} counting older ones for less; {needed} needed)."),
    N_("They asked for {share:.0%} of what we gave."),
    N_("They asked for rewards or credits about {count:.0f} times recently."),
    N_("They gave {given_them} and we gave nothing (decayed values)."),
    N_("They gave {given_them} for the {given_us} we gave (decayed values): a ratio of {ratio:.2f}."),
    # reciprocity: alerts and actions
    N_("We gave advice or favours {count} times in the last {days} days without being asked."),
    N_("We gave {count} times in a row without anything coming back."),
    N_("We keep giving to someone without decision authority ({authority})."),
    N_("We gave {count} times, and they have never made a referral or introduction for us."),
    N_("A gift worth {value} is {share:.0%} of the deal value of the relationship."),
    N_("A gift worth {value} is more than {factor:g} times a typical exchange here ({typical})."),
    N_("In the last {days} days they asked {rewards} times for rewards or credits and took {asked} extras they asked for."),
    *[N_(action) for action in ledger_engine.ACTIONS.values()],
]

COMPONENT_NAMES = {
    "reliability": gettext_lazy("reliability"),
    "transparency": gettext_lazy("transparency"),
    "competence": gettext_lazy("competence"),
    "care": gettext_lazy("care"),
}
DIRECTION_NAMES = {
    "ours_in_them": gettext_lazy("Our trust in them"),
    "theirs_in_us": gettext_lazy("Their trust in us"),
}
TREND_NAMES = {
    "rising": gettext_lazy("rising"),
    "falling": gettext_lazy("falling"),
    "steady": gettext_lazy("steady"),
}


def translate(template: str, data: dict) -> str:
    """The template in the active language, filled in with translated names."""
    shown = dict(data)
    if "component" in shown:
        shown["component"] = str(COMPONENT_NAMES.get(shown["component"], shown["component"]))
    if "authority" in shown:
        shown["authority"] = str(DecisionAuthority(shown["authority"]).label) if shown["authority"] in DecisionAuthority.values else shown["authority"]
    try:
        return _(template).format(**shown)
    except (KeyError, IndexError, ValueError):
        return template.format(**data)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def _reason(reason) -> dict:
    return {"code": reason.code, "message": translate(reason.template, reason.data), "data": reason.data}


def _direction(analysis: RelationshipAnalysis, direction: str) -> dict:
    scored = analysis.scores.direction(direction)
    trend = analysis.trends[direction]
    explanation = analysis.explanations[direction]
    return {
        "direction": direction,
        "title": str(DIRECTION_NAMES[direction]),
        "score": scored.score,
        "uncertainty": scored.uncertainty,
        "label": scored.label,
        "label_display": str(TrustLabel(scored.label).label),
        "trend": {
            "label": trend.label, "label_display": str(TREND_NAMES[trend.label]),
            "change": trend.change, "score_before": trend.before,
        },
        "components": [
            {
                "component": c.component, "name": str(COMPONENT_NAMES[c.component]),
                "score": c.score, "uncertainty": c.uncertainty, "label": c.label,
                "label_display": str(TrustLabel(c.label).label),
                "positive_evidence": c.positive, "negative_evidence": c.negative,
            }
            for c in scored.components
        ],
        "top_signals": [
            {
                "signal_id": c.signal_id, "kind": c.kind,
                "kind_display": _(SIGNAL_KINDS[c.kind].label) if c.kind in SIGNAL_KINDS else c.kind,
                "polarity": c.polarity, "components": list(c.components),
                "occurred_at": _when(c.at), "weight": c.weight_now, "share": c.share,
            }
            for c in explanation.top
        ],
        "suggestions": [_reason(s) for s in explanation.suggestions],
    }


def trust_payload(relationship, analysis: RelationshipAnalysis) -> dict:
    return {
        "relationship": relationship.pk,
        "at": analysis.now.isoformat(),
        "theirs_in_us": _direction(analysis, "theirs_in_us"),
        "ours_in_them": _direction(analysis, "ours_in_them"),
    }


def reciprocity_payload(relationship, analysis: RelationshipAnalysis) -> dict:
    report = analysis.reciprocity
    classification = report.classification
    return {
        "relationship": relationship.pk,
        "at": analysis.now.isoformat(),
        "given_by_us": report.given_us,
        "given_by_them": report.given_them,
        "balance": report.balance,
        "ratio": report.ratio,
        "unreturned_gifts": report.unreturned,
        "classification": classification.label,
        "classification_display": str(ReciprocityClass(classification.label).label),
        "classification_reasons": [_reason(r) for r in classification.reasons],
        "alerts": [
            {
                "code": alert.code,
                "reason": translate(alert.reason.template, alert.reason.data),
                "action": _(alert.action),
                "data": alert.reason.data,
                "exchange_ids": list(alert.exchange_ids),
            }
            for alert in report.alerts
        ],
    }


__all__ = ["ENGINE_MESSAGES", "translate", "trust_payload", "reciprocity_payload"]
