"""``trustfunnel serve``: run trustfunnel on this machine for local use."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db.utils import DatabaseError


class Command(BaseCommand):
    help = (
        "Serve trustfunnel on this machine for local use. Django's development server "
        "with DEBUG on (the `trustfunnel` command sets it); prints the address and the "
        "demo login. For production use gunicorn, see docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument(
            "--host", default="127.0.0.1",
            help="Address to listen on (default 127.0.0.1: this machine only).",
        )
        parser.add_argument(
            "--reload", action="store_true", help="Restart when the code changes (developers)."
        )
        parser.add_argument(
            "--no-worker", action="store_true",
            help="Do not start the background worker (imports, campaigns, periodic jobs) "
                 "beside the server; run `trustfunnel worker` yourself.",
        )

    def handle(self, *args, port: int, host: str, reload: bool, no_worker: bool, **options):
        worker = None
        if os.environ.get("RUN_MAIN") != "true":  # the reloader's child stays quiet
            self.stdout.write(self._banner(host, port))
            # Local use is one command: without a worker an upload would wait forever.
            worker = None if no_worker else self._start_worker()
            if worker is not None:
                # A plain `kill` (SIGTERM) must also stop the worker: unwind through finally.
                signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            call_command(
                "runserver", f"{host}:{port}", use_reloader=reload, use_threading=True,
                skip_checks=False,
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)

    def _start_worker(self) -> subprocess.Popen | None:
        """``trustfunnel worker --with-scheduler`` as a child process, when tasks are queued."""
        from trustfunnel.ops.management.commands.worker import backend_kind

        if backend_kind() not in ("db", "rq"):
            return None  # immediate/dummy backends run (or drop) tasks in the web process
        self.stdout.write("  background worker started (imports, campaigns, periodic jobs)\n")
        return subprocess.Popen(
            [sys.executable, "-m", "trustfunnel.cli", "worker", "--with-scheduler", "-v", "0"],
            env=os.environ.copy(),
        )

    def _banner(self, host: str, port: int) -> str:
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        lines = [
            "",
            self.style.SUCCESS(f"trustfunnel is starting on http://{shown_host}:{port}/"),
        ]
        login = self._demo_login()
        if login:
            lines.append(f"  log in as  {login[0]}  with password  {login[1]}")
            lines.append("  (other roles: demo-sales, demo-marketing, demo-viewer; same password)")
        else:
            lines.append("  no demo login yet: run `trustfunnel demo`, or `trustfunnel createuser`.")
        if not settings.DEBUG:
            lines.append(self.style.WARNING(
                "  DEBUG is off: static files come from `trustfunnel collectstatic`."
            ))
        lines.append("  stop with Ctrl+C")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _demo_login() -> tuple[str, str] | None:
        from trustfunnel.demo.credentials import DEMO_USERNAME, demo_password

        try:
            exists = get_user_model().objects.filter(username=DEMO_USERNAME).exists()
        except DatabaseError:  # not migrated yet
            return None
        return (DEMO_USERNAME, demo_password()) if exists else None
