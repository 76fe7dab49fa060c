from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TodayConfig(AppConfig):
    name = "trustfunnel.today"
    label = "today"
    verbose_name = _("Today")

    def ready(self) -> None:
        from datetime import timedelta

        from trustfunnel.today import sources
        from trustfunnel.today.tasks import weekly_digest
        from trustfunnel.today.views import planner_panel_context
        from trustfunnel.web.registry import (
            NavItem,
            Panel,
            PeriodicJob,
            Widget,
            register_nav,
            register_panel,
            register_periodic,
            register_widget,
        )

        sources.register_defaults()
        sources.register_engine_sources()
        register_nav(NavItem("today", _("Today"), "today:today", icon="sun", order=1))
        register_nav(NavItem("pipeline", _("Pipeline"), "today:pipeline", icon="kanban", order=25))
        register_panel(Panel("planner", _("Conversation planner"), "today/_planner_panel.html",
                             get_context=planner_panel_context, order=20))
        register_periodic(PeriodicJob("today.weekly_digest", weekly_digest, timedelta(days=7)))
        register_widget(Widget("today", "today/_widget.html", get_context=_today_widget, order=0))


def _today_widget(request, membership) -> dict:
    from trustfunnel.today.services import build_today
    from trustfunnel.today.views import render_item

    today = build_today(membership.workspace, request.user)
    return {"items": [render_item(i) for i in today.items]}
