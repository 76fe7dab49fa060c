"""Every write leaves an audit entry: actor, dotted action key, small data dict."""

from __future__ import annotations

from typing import Any

from trustfunnel.workspaces.models import AuditEntry, Workspace


def record(
    workspace: Workspace,
    action: str,
    obj: Any = None,
    *,
    actor=None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        workspace=workspace,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=getattr(obj, "pk", None),
        data=data or {},
    )
