from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "trustfunnel.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from trustfunnel.ops import tasks
        from trustfunnel.web.registry import PeriodicJob, register_periodic

        register_periodic(PeriodicJob("ops.heartbeat", tasks.heartbeat, tasks.HEARTBEAT_EVERY))
        register_periodic(
            PeriodicJob("ops.prune_task_results", tasks.prune_task_results, tasks.PRUNE_EVERY)
        )
