from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "trustfunnel.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        from datetime import timedelta

        from trustfunnel.marketing import tasks, wiring
        from trustfunnel.web.registry import (
            NavItem,
            Panel,
            PeriodicJob,
            register_nav,
            register_panel,
            register_periodic,
        )

        wiring.connect()
        register_periodic(PeriodicJob(
            "marketing.refresh_gate_facts", tasks.refresh_gate_facts,
            timedelta(minutes=tasks.REFRESH_GATE_FACTS_EVERY_MINUTES)))
        register_nav(NavItem("marketing", _("Marketing"), "marketing:campaigns",
                             icon="megaphone", order=60))
        register_panel(Panel("insights", _("What we heard"), "marketing/_insight_panel.html",
                             get_context=_insight_panel, order=80,
                             capability="log_timeline"))


def _insight_panel(request, relationship, membership):
    from trustfunnel.marketing.forms import InsightForm
    from trustfunnel.marketing.models import Insight

    recent = Insight.objects.filter(relationship=relationship).order_by("-occurred_at")[:5]
    return {"insight_form": InsightForm(), "recent_insights": recent}
