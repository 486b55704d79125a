from django.contrib import admin
from django.urls import include, path

from polise import metrics
from polise.core import health
from polise.sso.signin import admin_login, logout_view

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", admin_login),  # SSO: the admin signs in through Polise's login page
    path("admin/logout/", logout_view),  # SSO: and signs out of every app too
    path("admin/", admin.site.urls),
    path("hooks/", include("polise.forge.urls")),
    path("", include("polise.deployments.urls")),
    path("", include("polise.sso.urls")),
    path("", include("polise.sso.oauth_urls")),  # SSO: OpenID Connect endpoints
    path("", include("polise.accounts.urls")),  # SSO: sign-in, sign-out, password reset
    path("accounts/", include("polise.sso.github_urls")),  # SSO: sign in with GitHub
    path("", include("polise.reports.urls")),
    path("", include("polise.onboarding.urls")),
    path("", include("polise.news.urls")),
    path("", include("polise.contributions.urls")),
    path("", include("polise.appdocs.urls")),
    path("", include("polise.ratings.urls")),
    path("", include("polise.catalog.urls")),
]
