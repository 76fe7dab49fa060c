from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "trustfunnel.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        from trustfunnel.exports.followups import deal_close_dates, register_followup_source
        from trustfunnel.web.registry import NavItem, register_nav

        register_followup_source(deal_close_dates)
        register_nav(
            NavItem(key="exports", title=_("Exports"), url_name="exports:index",
                    icon="box-arrow-down", order=890)
        )
