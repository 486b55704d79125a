from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "polise.catalog"
    label = "catalog"
    verbose_name = _("App catalog")

    def ready(self) -> None:
        # Feature apps add their parts of the app page and the launcher tiles (catalog.parts)
        # in an `app_page` module of their own.
        autodiscover_modules("app_page")
