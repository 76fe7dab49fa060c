"""Background execution of an import run (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from trustfunnel.imports.models import ImportRun


@task()
def run_import(run_id: int) -> dict:
    from trustfunnel.imports.services import execute_run

    run = ImportRun.objects.select_related("workspace", "created_by").get(pk=run_id)
    run = execute_run(run)
    return {"status": run.status, "counts": run.counts}
