from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "polise.core"
    label = "core"
