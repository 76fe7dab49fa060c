from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CultureConfig(AppConfig):
    name = "trustfunnel.culture"
    label = "culture"
    verbose_name = _("Culture and pacing")

    def ready(self) -> None:
        from trustfunnel.crm.services import bulk_stage_listeners, stage_listeners
        from trustfunnel.culture import panels, services
        from trustfunnel.web.registry import NavItem, Panel, register_nav, register_panel

        register_nav(
            NavItem(key="countries", title=_("Countries"), url_name="culture:index",
                    icon="globe2", order=60)
        )
        if services.on_stage_change not in stage_listeners:
            stage_listeners.append(services.on_stage_change)
        bulk_stage_listeners[services.on_stage_change] = services.on_stage_changes
        register_panel(
            Panel(key="pace", title=_("Pace"), template="culture/panel_pace.html",
                  get_context=panels.pace_panel_context, order=40)
        )
