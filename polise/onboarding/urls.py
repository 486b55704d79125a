from django.urls import path

from . import views

app_name = "onboarding"
urlpatterns = [
    path("platform/", views.platform, name="platform"),
    path("onboarding/", views.onboarding_list, name="list"),
    path("onboarding/new/", views.onboarding_new, name="new"),
    path("onboarding/<slug:slug>/", views.onboarding_detail, name="detail"),
    path("onboarding/<slug:slug>/steps/<str:name>/retry/", views.step_retry, name="retry"),
    path(
        "onboarding/<slug:slug>/invitations/refresh/",
        views.invitations_refresh,
        name="refresh_invitations",
    ),
    path(
        "onboarding/<slug:slug>/databases/<int:pk>/drop/",
        views.database_drop,
        name="drop_database",
    ),
]
