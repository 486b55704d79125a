"""Only the GitHub provider's two routes from allauth (login, callback) plus the names allauth
reverses on the way; its own sign-up and account pages stay out: Polise has its own."""

from allauth.socialaccount import views as social_views
from allauth.socialaccount.providers.github.urls import urlpatterns as github_urlpatterns
from django.urls import path

urlpatterns = [
    *github_urlpatterns,
    path(
        "social/login/cancelled/",
        social_views.login_cancelled,
        name="socialaccount_login_cancelled",
    ),
    path("social/login/error/", social_views.login_error, name="socialaccount_login_error"),
]
