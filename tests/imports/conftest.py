from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trustfunnel.imports.services import create_run, execute_run

#: Where the development and CI machines keep ../shared.
WELL_KNOWN_SHARED = Path("/work/shared")


def _shared_dir() -> Path:
    """../shared beside the repository (a worktree sits one level deeper: look up)."""
    if os.environ.get("TRUSTFUNNEL_SHARED"):
        return Path(os.environ["TRUSTFUNNEL_SHARED"])
    repo = Path(__file__).resolve().parents[2]
    for parent in repo.parents:
        if (parent / "shared" / "realdata").is_dir():
            return parent / "shared"
    # A clone made elsewhere (e.g. under /tmp) on the machine that holds the shared files.
    if WELL_KNOWN_SHARED.joinpath("realdata").is_dir():
        return WELL_KNOWN_SHARED
    return repo.parent / "shared"


SHARED = _shared_dir()
REALDATA = SHARED / "realdata"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def run_import(workspace, owner_user, tmp_path):
    """Import bytes (or a path) as ``kind``; returns the finished ImportRun."""

    def run(kind, data, *, name="upload.csv", now=NOW, **options):
        if isinstance(data, Path):
            name, data = data.name, data.read_bytes()
        source = tmp_path / f"src-{name}"
        source.write_bytes(data)
        with source.open("rb") as handle:
            import_run = create_run(workspace, actor=owner_user, kind=kind, file_name=name,
                                    source=handle, **options)
        return execute_run(import_run, now=now, actor=owner_user)

    return run


TEST_TEMPLATES = Path(__file__).resolve().parent / "templates"


@pytest.fixture
def pages(settings, tmp_path):
    """Pages render with the shell's base.html, or a stand-in while the shell has none;
    tasks run at once."""
    web_templates = Path(settings.TEMPLATES[0]["DIRS"][0])
    if not (web_templates / "base.html").exists():
        settings.TEMPLATES = [{**settings.TEMPLATES[0],
                               "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    (tmp_path / "static").mkdir(exist_ok=True)
    settings.STATIC_ROOT = tmp_path / "static"
    return settings
