from django.contrib import admin
from django.urls import include, path

from polise.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("hooks/", include("polise.forge.urls")),
    path("", include("polise.sso.urls")),
    path("", include("polise.catalog.urls")),
]
