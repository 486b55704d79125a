"""Django's admin as Polise runs it: grouped in the platform team's words, with what they
never touch left out, and every change recorded in the audit log (see admin_site)."""

from django.contrib.admin.apps import AdminConfig


class PoliseAdminConfig(AdminConfig):
    default_site = "polise.accounts.admin_site.PoliseAdminSite"

    def ready(self) -> None:
        super().ready()  # every app's admin module is registered by now
        from django.contrib import admin

        from .admin_site import unregister_untouched

        unregister_untouched(admin.site)
