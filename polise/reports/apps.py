from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "polise.reports"
    label = "reports"
    verbose_name = _("Problem reports")

    def ready(self) -> None:
        # Registers the outbox callback and the sweep of lost notifications with the worker.
        from . import services  # noqa: F401
