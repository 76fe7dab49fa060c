"""The "Pace" panel on the relationship page."""

from __future__ import annotations

from trustfunnel.core import culture as engine
from trustfunnel.culture import presenters, services
from trustfunnel.workspaces.params import params_for


def pace_panel_context(request, relationship, membership) -> dict:
    workspace = membership.workspace
    result = services.plan_for_workspace(workspace, relationship_ids=[relationship.pk])
    if len(result.batch) == 0:
        return {"pace": None}
    advice = presenters.advice_dict(result.batch.advice(0))
    country = advice["country"]
    pair = None
    if country:
        table = services.culture_table_for(workspace)
        home = workspace.home_country.code or "NL"
        pair = presenters.pair_dict(
            engine.pair_pace(table, home, country, params_for(workspace).culture)
        )
    pace = result.paces.get(country or "")
    return {
        "pace": advice,
        "pace_country": pace,
        "pace_weeks": round(pace.days_to_yes / 7, 1) if pace else None,
        "pair": pair,
    }
