"""Operations: users from the command line, the scheduler's pass, task-result pruning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from trustfunnel.core.errors import InvalidInput
from trustfunnel.ops.models import ScheduledJobState
from trustfunnel.web.registry import PeriodicJob, periodic_jobs
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Membership, Workspace
from trustfunnel.workspaces.roles import Role


def check_create_user(
    username: str, *, password: str | None, workspace_slug: str | None, role: str
) -> Workspace | None:
    """Validate a new user's fields; returns the workspace to join (if any)."""
    User = get_user_model()
    if not username or not username.strip():
        raise InvalidInput("{field}: a username is required.", field="username")
    if User.objects.filter(username=username).exists() and password is not None:
        raise InvalidInput("{field}: user {username!r} already exists.", field="username",
                           username=username)
    if role not in Role.values:
        raise InvalidInput("{field}: must be one of {choices}.", field="role",
                           choices=", ".join(Role.values))
    workspace = None
    if workspace_slug:
        workspace = Workspace.objects.filter(slug=workspace_slug).first()
        if workspace is None:
            known = ", ".join(Workspace.objects.values_list("slug", flat=True)) or "none"
            raise InvalidInput("{field}: no workspace {slug!r} (known: {known}).",
                               field="workspace", slug=workspace_slug, known=known)
    if password is not None:
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise InvalidInput("{field}: {reason}", field="password",
                               reason=" ".join(exc.messages)) from None
    return workspace


def do_create_user(
    username: str,
    *,
    email: str = "",
    password: str | None,
    workspace: Workspace | None,
    role: str,
    actor=None,
):
    """Create the user (or reuse an existing one when no password is given) and give
    them ``role`` in ``workspace``. Returns ``(user, membership_or_None)``."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=email)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
    membership = None
    if workspace is not None:
        membership, _ = Membership.objects.update_or_create(
            workspace=workspace, user=user, defaults={"role": role}
        )
        audit.record(workspace, "workspaces.membership.saved", membership, actor=actor,
                     data={"username": username, "role": role, "via": "cli"})
    return user, membership


def check_create_workspace(slug: str, *, name: str, country: str, currency: str) -> None:
    from django.core.validators import validate_slug
    from django_countries import countries

    from trustfunnel.core.errors import UnknownCountry

    try:
        validate_slug(slug)
    except ValidationError:
        raise InvalidInput("{field}: letters, digits, - and _ only.", field="slug") from None
    if Workspace.objects.filter(slug=slug).exists():
        raise InvalidInput("{field}: workspace {slug!r} already exists.", field="slug", slug=slug)
    if not name.strip():
        raise InvalidInput("{field}: a name is required.", field="name")
    if country.upper() not in dict(countries):
        raise UnknownCountry(field="country", country=country)
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput("{field}: a three-letter code such as EUR.", field="currency")


def do_create_workspace(slug: str, *, name: str, country: str, currency: str,
                        actor=None) -> Workspace:
    workspace = Workspace.objects.create(slug=slug, name=name.strip(),
                                         home_country=country.upper(), currency=currency.upper())
    audit.record(workspace, "workspaces.workspace.created", workspace, actor=actor,
                 data={"via": "cli"})
    return workspace


@dataclass(frozen=True)
class Enqueued:
    job: str
    result_id: str


def due_jobs(now: datetime, jobs: list[PeriodicJob] | None = None) -> list[PeriodicJob]:
    """The periodic jobs whose interval has passed since they were last enqueued."""
    jobs = periodic_jobs if jobs is None else jobs
    last = dict(ScheduledJobState.objects.values_list("name", "last_enqueued_at"))
    return [job for job in jobs if last.get(job.name) is None or now - last[job.name] >= job.every]


def run_scheduler_pass(now: datetime, jobs: list[PeriodicJob] | None = None) -> list[Enqueued]:
    """Enqueue every due job once. Safe with several schedulers: the state row of a job
    is locked while it is enqueued, and re-checked under the lock."""
    enqueued = []
    for job in due_jobs(now, jobs):
        with transaction.atomic():
            ScheduledJobState.objects.get_or_create(name=job.name)
            state = ScheduledJobState.objects.select_for_update().get(name=job.name)
            if state.last_enqueued_at is not None and now - state.last_enqueued_at < job.every:
                continue  # another scheduler got there first
            result = job.task.enqueue()
            state.last_enqueued_at = now
            state.last_result_id = str(result.id)[:64]
            state.save(update_fields=["last_enqueued_at", "last_result_id"])
        enqueued.append(Enqueued(job.name, str(result.id)))
    return enqueued


def prune_finished_task_results(*, older_than: datetime) -> int:
    """Delete the database backend's finished results older than ``older_than``."""
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    deleted, _ = (
        DBTaskResult.objects.filter(finished_at__lt=older_than).delete()
    )
    return deleted
