from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppDocsConfig(AppConfig):
    name = "polise.appdocs"
    label = "appdocs"
    verbose_name = _("Docs")
