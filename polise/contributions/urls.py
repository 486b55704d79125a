from django.urls import path

from . import views

app_name = "contributions"
urlpatterns = [
    path("apps/<slug:slug>/contributions/", views.app_contributions, name="app"),
    path("apps/<slug:slug>/contributions.csv", views.app_contributions_csv, name="app_csv"),
    path(
        "developers/<str:login>/contributions/",
        views.developer_contributions,
        name="developer",
    ),
]
