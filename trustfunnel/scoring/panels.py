"""The trust panel on the relationship page (registered in ScoringConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from trustfunnel.scoring import presenters, services
from trustfunnel.web.registry import Panel, register_panel


def panel_context(request, relationship, membership) -> dict:
    """Scores both ways, explanations, alerts and the chart series (3 + 2 queries)."""
    analysis = services.analyse_relationship(relationship)
    trust = presenters.trust_payload(relationship, analysis)
    currency = relationship.workspace.currency
    return {
        "currency": currency,
        "json_id": f"tf-trust-data-{relationship.pk}",
        "labels_id": f"tf-trust-labels-{relationship.pk}",
        "chart_labels": {
            "theirs": str(_("Their trust in us")),
            "ours": str(_("Our trust in them")),
            "radar_title": str(_("Trust per component (%)")),
            "history_title": str(_("Overall trust over time")),
            "history_y": str(_("Trust (%)")),
            "date": str(_("Date")),
            "balance_title": str(_("Give-and-take balance over time (above 0: they gave more)")),
            "balance_y": str(_("Balance ({currency})")).format(currency=currency),
            "balance": str(_("Balance")),
        },
        "trust": trust,
        "reciprocity": presenters.reciprocity_payload(relationship, analysis),
        "trust_directions": [trust["theirs_in_us"], trust["ours_in_them"]],
        "trust_charts": {
            "components": [c["name"].capitalize() for c in trust["theirs_in_us"]["components"]],
            "theirs": [round(c["score"], 4) for c in trust["theirs_in_us"]["components"]],
            "ours": [round(c["score"], 4) for c in trust["ours_in_them"]["components"]],
            **services.history(relationship, analysis),
        },
    }


def register() -> None:
    register_panel(
        Panel(
            key="trust",
            title=_("Trust and give-and-take"),
            template="scoring/panel_trust.html",
            get_context=panel_context,
            order=10,
        )
    )
