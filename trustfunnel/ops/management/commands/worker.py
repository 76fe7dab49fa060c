"""``trustfunnel worker``: run background tasks (Django's tasks API).

With the database backend (``TASKS_BACKEND=db``, the default) this is django-tasks-db's
``db_worker``; with ``TASKS_BACKEND=rq`` it is django-rq's worker with the job class
that runs Django tasks. ``--with-scheduler`` also enqueues the periodic jobs from this
process, so one machine needs only ``serve``/gunicorn plus one worker.
"""

from __future__ import annotations

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends


def backend_kind() -> str:
    """``rq``, ``db`` or the backend's class name (immediate, dummy ...)."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    module = type(backend).__module__
    if module.startswith("django_tasks_rq"):
        return "rq"
    if module.startswith("django_tasks_db"):
        return "db"
    return type(backend).__name__


class Command(BaseCommand):
    help = (
        "Run background tasks: the database worker (default) or the RQ worker "
        "(TASKS_BACKEND=rq). --with-scheduler also enqueues periodic jobs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", default="default", help="Queue(s) to work on, comma-separated."
        )
        parser.add_argument(
            "--batch", action="store_true",
            help="Run the tasks that are waiting, then exit (tests, cron).",
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Exit after this many tasks."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0,
            help="Seconds between polls of an empty queue (database backend).",
        )
        parser.add_argument(
            "--with-scheduler", action="store_true",
            help="Also run the scheduler loop in this process.",
        )

    def handle(self, *args, queue, batch, max_tasks, interval, with_scheduler, **options):
        verbosity = options.get("verbosity", 1)
        if with_scheduler:
            from trustfunnel.ops.management.commands.scheduler import run_forever

            threading.Thread(
                target=run_forever, kwargs={"out": self.stdout}, daemon=True,
                name="trustfunnel-scheduler",
            ).start()
        kind = backend_kind()
        if kind == "rq":
            rq_options = {"job_class": "django_tasks_rq.Job", "burst": batch}
            if max_tasks:
                rq_options["max_jobs"] = max_tasks
            call_command("rqworker", *queue.split(","), verbosity=verbosity, **rq_options)
        elif kind == "db":
            db_options = {"queue_name": queue, "batch": batch, "interval": interval,
                          "reload": False, "startup_delay": not batch}
            if max_tasks:
                db_options["max_tasks"] = max_tasks
            call_command("db_worker", verbosity=verbosity, **db_options)
        else:
            self.stdout.write(
                f"The task backend is {kind}: tasks run when they are enqueued; no worker needed."
            )
