from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "trustfunnel.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from datetime import timedelta

        from trustfunnel.imports.tasks import clean_up_uploads
        from trustfunnel.imports.views import promise_panel_context
        from trustfunnel.web.registry import (
            NavItem,
            Panel,
            PeriodicJob,
            register_nav,
            register_panel,
            register_periodic,
        )

        register_nav(
            NavItem(
                key="imports",
                title=_("Import"),
                url_name="imports:upload",
                icon="upload",
                order=90,
                capability="edit_contacts",
            )
        )
        register_periodic(PeriodicJob(name="imports.clean_up_uploads", task=clean_up_uploads,
                                      every=timedelta(hours=6)))
        register_panel(Panel(key="promise_proposals", title=_("Promises found in mail"),
                             template="imports/_promise_panel.html",
                             get_context=promise_panel_context, order=60))
