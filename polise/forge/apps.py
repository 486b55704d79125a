from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ForgeConfig(AppConfig):
    name = "polise.forge"
    label = "forge"
    verbose_name = _("GitHub")

    def ready(self) -> None:
        # The outbox and the intake register their sweeps with the worker.
        from . import outbox, webhooks  # noqa: F401

        # Each app subscribes to webhook events (and registers its outbox callbacks) in its own
        # forge_handlers module.
        autodiscover_modules("forge_handlers")
