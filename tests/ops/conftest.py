from datetime import UTC, datetime

import pytest

#: A fixed reference "now" so the demo is the same on every run.
DEMO_NOW = datetime(2026, 6, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def demo_password_env(monkeypatch, tmp_path):
    # Never write var/ of the working tree from tests.
    monkeypatch.setenv("TRUSTFUNNEL_DEMO_PASSWORD", "demo-password-for-tests")


@pytest.fixture
def demo(db):
    from trustfunnel.demo.generator import build_demo

    workspace, counts = build_demo(seed=42, now=DEMO_NOW)
    return workspace, counts
