"""Background work: tasks run by the worker, periodic jobs enqueued by the scheduler."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from trustfunnel.ops.models import ScheduledJobState
from trustfunnel.ops.services import run_scheduler_pass
from trustfunnel.ops.tasks import HEARTBEAT_KEY, heartbeat
from trustfunnel.web.registry import PeriodicJob, periodic_jobs

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


@task()
def double(x: int) -> int:
    return 2 * x


@pytest.fixture(autouse=True)
def database_task_backend(settings):
    # Whatever TASKS_BACKEND the suite runs with, these tests are about the db backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_worker_runs_a_task_with_the_database_backend(transactional_db):
    cache.delete(HEARTBEAT_KEY)
    result = heartbeat.enqueue()
    other = double.enqueue(21)
    assert result.status == TaskResultStatus.READY
    call_command("worker", "--batch", verbosity=0)
    assert heartbeat.get_result(result.id).status == TaskResultStatus.SUCCESSFUL
    assert double.get_result(other.id).return_value == 42
    assert cache.get(HEARTBEAT_KEY) is not None


def test_scheduler_pass_enqueues_due_jobs_once_per_interval(db):
    job = PeriodicJob("tests.double", double, timedelta(hours=1))
    first = run_scheduler_pass(NOW, jobs=[job])
    assert [e.job for e in first] == ["tests.double"]
    assert DBTaskResult.objects.filter(id=first[0].result_id).exists()
    assert run_scheduler_pass(NOW + timedelta(minutes=59), jobs=[job]) == []
    again = run_scheduler_pass(NOW + timedelta(hours=1), jobs=[job])
    assert len(again) == 1
    state = ScheduledJobState.objects.get(name="tests.double")
    assert state.last_enqueued_at == NOW + timedelta(hours=1)
    assert state.last_result_id == again[0].result_id


def test_scheduler_once_enqueues_the_registered_jobs(db, capsys):
    names = {job.name for job in periodic_jobs}
    assert {"ops.heartbeat", "ops.prune_task_results"} <= names
    call_command("scheduler", "--once")
    out = capsys.readouterr().out
    for name in names:
        assert f"enqueued {name}" in out
    assert DBTaskResult.objects.count() == len(names)
    call_command("scheduler", "--once")
    assert "nothing due" in capsys.readouterr().out


def test_prune_removes_only_old_finished_results(transactional_db):
    from trustfunnel.ops.services import prune_finished_task_results

    result = double.enqueue(1)
    call_command("worker", "--batch", verbosity=0)
    finished = DBTaskResult.objects.get(id=result.id).finished_at
    assert prune_finished_task_results(older_than=finished) == 0
    assert prune_finished_task_results(older_than=finished + timedelta(seconds=1)) == 1


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/13", socket_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_worker_runs_a_task_with_the_rq_backend(tmp_path):
    env = {**os.environ, "TASKS_BACKEND": "rq", "REDIS_URL": "redis://127.0.0.1:6379/13",
           "TRUSTFUNNEL_VAR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "DJANGO_SETTINGS_MODULE": "trustfunnel.web.settings"}
    cli = [sys.executable, "-m", "trustfunnel.cli"]

    def run(*args):
        return subprocess.run([*cli, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                              check=True, timeout=120).stdout

    queued = run("shell", "-c", "from trustfunnel.ops.tasks import heartbeat; "
                 "print('ID', heartbeat.enqueue().id)")
    result_id = queued.split("ID ")[1].split()[0]
    run("worker", "--batch")
    status = run("shell", "-c", "from trustfunnel.ops.tasks import heartbeat; "
                 f"r = heartbeat.get_result('{result_id}'); print('STATUS', r.status)")
    assert "STATUS SUCCESSFUL" in status
