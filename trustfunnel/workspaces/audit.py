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


def record_many(
    workspace: Workspace,
    action: str,
    objs: list[Any],
    *,
    actor=None,
    data: list[dict[str, Any]] | None = None,
) -> list[AuditEntry]:
    """The entries :func:`record` would write for each of ``objs``, in one insert."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.bulk_create([
        AuditEntry(
            workspace=workspace, actor=actor, action=action,
            object_type=obj._meta.label_lower, object_id=obj.pk,
            data=(data[n] if data else None) or {},
        )
        for n, obj in enumerate(objs)
    ], batch_size=2000)
