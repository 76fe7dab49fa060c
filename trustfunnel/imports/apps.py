from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "trustfunnel.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from trustfunnel.web.registry import NavItem, register_nav

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
