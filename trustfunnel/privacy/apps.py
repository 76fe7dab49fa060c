from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "trustfunnel.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from trustfunnel.crm import services as crm_services
        from trustfunnel.privacy.panel import panel_context
        from trustfunnel.privacy.services import on_consent_changed
        from trustfunnel.privacy.tasks import apply_retention_rules
        from trustfunnel.web.registry import (
            NavItem,
            Panel,
            PeriodicJob,
            register_nav,
            register_panel,
            register_periodic,
        )

        if on_consent_changed not in crm_services.consent_listeners:
            crm_services.consent_listeners.append(on_consent_changed)
        register_panel(
            Panel(key="privacy", title=_("Privacy"), template="privacy/panel.html",
                  get_context=panel_context, order=800)
        )

        register_periodic(
            PeriodicJob(name="privacy.retention", task=apply_retention_rules, every=timedelta(days=1))
        )
        register_nav(
            NavItem(
                key="privacy",
                title=_("Privacy"),
                url_name="privacy:retention",
                icon="shield-lock",
                order=900,
                capability="manage_workspace",
            )
        )
