"""The demo login: username ``demo`` and a password made once per installation.

The password is random, kept under ``var/demo_password`` (mode 0600, git-ignored) and
printed by ``trustfunnel demo`` and ``trustfunnel serve``; ``TRUSTFUNNEL_DEMO_PASSWORD``
overrides it (scripts, benchmarks). A fixed password would be the same on every laptop
that ever ran the demo, which is a bad habit even for local data.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings

DEMO_USERNAME = "demo"
#: One extra login per role, same password as ``demo``.
ROLE_USERNAMES = {"sales": "demo-sales", "marketing": "demo-marketing", "viewer": "demo-viewer"}
PASSWORD_ENV = "TRUSTFUNNEL_DEMO_PASSWORD"


def demo_password() -> str:
    """The installation's demo password (made on first use)."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    path = settings.VAR_DIR / "demo_password"
    if not path.exists():
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Words a person can type; 3 random groups are plenty for a local demo.
        path.write_text("demo-" + "-".join(secrets.token_hex(3) for _ in range(3)) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()
