"""Extension points, so an app adds to the shell without editing its templates.

- :data:`relationship_panels`: panels on the relationship page (trust, pace, reliability,
  planner ...). Each app appends a :class:`Panel` in its ``AppConfig.ready()``.
- :data:`nav_items`: entries of the main navigation.
- :data:`periodic_jobs`: background jobs the scheduler enqueues at an interval.
- :data:`erasure_handlers`: callables that erase a person's data held by an app (GDPR).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    title: Any  # a lazily translated string
    template: str  # rendered with the view's context plus get_context's result
    get_context: Callable[..., dict] = field(default=lambda request, relationship, membership: {})
    order: int = 100
    capability: str | None = None  # a Capability value the viewer needs, if any


@dataclass(frozen=True)
class NavItem:
    key: str
    title: Any
    url_name: str
    icon: str = "circle"  # a bootstrap-icons name
    order: int = 100
    capability: str | None = None


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task taking no arguments
    every: timedelta


relationship_panels: list[Panel] = []
nav_items: list[NavItem] = []
periodic_jobs: list[PeriodicJob] = []
erasure_handlers: list[Callable[..., None]] = []


def register_panel(panel: Panel) -> None:
    if all(p.key != panel.key for p in relationship_panels):
        relationship_panels.append(panel)
        relationship_panels.sort(key=lambda p: p.order)


def register_nav(item: NavItem) -> None:
    if all(i.key != item.key for i in nav_items):
        nav_items.append(item)
        nav_items.sort(key=lambda i: i.order)


def register_periodic(job: PeriodicJob) -> None:
    if all(j.name != job.name for j in periodic_jobs):
        periodic_jobs.append(job)


@dataclass(frozen=True)
class Widget:
    """A block on the start page for the logged-in user."""

    key: str
    template: str
    get_context: Callable[..., dict] = field(default=lambda request, membership: {})
    order: int = 100
    capability: str | None = None


dashboard_widgets: list[Widget] = []


def register_widget(widget: Widget) -> None:
    if all(w.key != widget.key for w in dashboard_widgets):
        dashboard_widgets.append(widget)
        dashboard_widgets.sort(key=lambda w: w.order)
