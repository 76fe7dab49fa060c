"""Background execution of an import run (django-tasks)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from django_tasks import task

from trustfunnel.imports.models import ImportRun


@task()
def run_import(run_id: int) -> dict:
    from trustfunnel.imports.services import execute_run

    run = ImportRun.objects.select_related("workspace", "created_by").get(pk=run_id)
    run = execute_run(run)
    return {"status": run.status, "counts": run.counts}


#: Uploaded files are personal data: kept only until their run is done (a preview
#: nobody confirmed is dropped after this long).
UPLOAD_RETENTION = timedelta(days=1)


@task()
def clean_up_uploads() -> int:
    """Delete uploaded files whose runs are finished, or previews older than a day."""
    from trustfunnel.imports.models import ImportStatus

    cutoff = timezone.now() - UPLOAD_RETENTION
    removed = 0
    stale = (ImportRun.objects.exclude(source_path="")
             .filter(created_at__lt=cutoff)
             .exclude(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]))
    for path in stale.values_list("source_path", flat=True).iterator():
        Path(path).unlink(missing_ok=True)
        removed += 1
    stale.update(source_path="")
    return removed
