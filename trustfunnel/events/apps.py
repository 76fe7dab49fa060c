from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "trustfunnel.events"
    label = "events"
    verbose_name = _("Events and client reliability")

    def ready(self) -> None:
        from trustfunnel.events import tasks
        from trustfunnel.events.evidence import erase_person_payloads, subject_access_section
        from trustfunnel.events.views import reliability_panel_context
        from trustfunnel.privacy.hooks import register_subject_access_section
        from trustfunnel.web import registry
        from trustfunnel.web.registry import (
            NavItem,
            Panel,
            PeriodicJob,
            register_nav,
            register_panel,
            register_periodic,
        )

        if erase_person_payloads not in registry.erasure_handlers:
            registry.erasure_handlers.append(erase_person_payloads)
        register_subject_access_section(subject_access_section)
        register_periodic(PeriodicJob("events.sweep", tasks.sweep_events, timedelta(minutes=5)))
        register_nav(NavItem("events", _("Events"), "events:event-list", icon="calendar-event",
                             order=60))
        register_panel(Panel(
            key="reliability",
            title=_("Client reliability"),
            template="events/_reliability_panel.html",
            get_context=reliability_panel_context,
            order=60,
            capability="see_reliability",
        ))
