"""Polise's URLs plus one page that fails, to see the 500 page as a user would."""

from django.urls import path

from polise.urls import urlpatterns as polise_urlpatterns


def fails(request):
    raise RuntimeError("a bug on purpose")


urlpatterns = [path("fails/", fails), *polise_urlpatterns]
