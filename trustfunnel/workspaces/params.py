"""The engine parameters in force for a workspace.

Defaults (trustfunnel.core.params) < installation (settings.TRUSTFUNNEL_PARAMS) <
workspace (Workspace.params).
"""

from __future__ import annotations

from django.conf import settings

from trustfunnel.core.params import Params, merge_params
from trustfunnel.workspaces.models import Workspace


def params_for(workspace: Workspace | None) -> Params:
    params = merge_params(Params(), getattr(settings, "TRUSTFUNNEL_PARAMS", None))
    if workspace is not None:
        params = merge_params(params, workspace.params)
    return params
