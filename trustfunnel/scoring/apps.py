from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "trustfunnel.scoring"
    label = "scoring"
    verbose_name = _("Trust and reciprocity")

    def ready(self) -> None:
        from trustfunnel.scoring import listeners, panels, tasks
        from trustfunnel.timeline import services as timeline_services
        from trustfunnel.web.registry import PeriodicJob, register_periodic

        if listeners.on_signal_recorded not in timeline_services.signal_listeners:
            timeline_services.signal_listeners.append(listeners.on_signal_recorded)
        if listeners.on_exchange_recorded not in timeline_services.exchange_listeners:
            timeline_services.exchange_listeners.append(listeners.on_exchange_recorded)
        if listeners.on_signals_bulk not in timeline_services.bulk_signal_listeners:
            timeline_services.bulk_signal_listeners.append(listeners.on_signals_bulk)
        panels.register()
        register_periodic(PeriodicJob(name="scoring.rescore_all", task=tasks.rescore_all, every=timedelta(hours=24)))
