"""The production environment of docs/operations.md passes Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _production_env(tmp_path) -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by browser tests for their live server (some leave it
    # set for the rest of the worker); a production environment never has it.
    dropped = ("DEBUG", "TASKS_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({
        "DJANGO_SETTINGS_MODULE": "trustfunnel.web.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "crm.example.nl",
        "CSRF_TRUSTED_ORIGINS": "https://crm.example.nl",
        "HTTPS": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "TRUSTFUNNEL_VAR": str(tmp_path / "var"),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path}/db.sqlite3",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.nl",
        "EMAIL_PORT": "587",
        "EMAIL_USE_TLS": "1",
    })
    return env


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "trustfunnel.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_check_deploy_fails_without_https_settings(tmp_path):
    env = _production_env(tmp_path)
    env["HTTPS"] = "0"
    proc = subprocess.run(
        [sys.executable, "-m", "trustfunnel.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode != 0
    assert "security.W008" in proc.stderr + proc.stdout  # SECURE_SSL_REDIRECT


def _session_engine(env) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; "
         "django.setup(); print(settings.SESSION_ENGINE)"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    return proc.stdout.strip()


def test_sessions_are_cached_only_in_a_shared_cache(tmp_path):
    env = _production_env(tmp_path)
    env.pop("REDIS_URL", None)
    # A per-process memory cache would keep a logged-out session alive elsewhere.
    assert _session_engine(env) == "django.contrib.sessions.backends.db"
    env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    assert _session_engine(env) == "django.contrib.sessions.backends.cached_db"
