from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    path("apps/<slug:slug>/rate/", views.rate, name="rate"),
    path("apps/<slug:slug>/rate/not-now/", views.prompt_dismiss, name="prompt_dismiss"),
    path("apps/<slug:slug>/ratings/", views.dashboard, name="dashboard"),
    path("apps/<slug:slug>/ratings/export.csv", views.export, name="export"),
    path("apps/<slug:slug>/ratings/<int:pk>/reply/", views.reply, name="reply"),
    path("apps/<slug:slug>/ratings/<int:pk>/hide/", views.hide, name="hide"),
    path("api/apps/<slug:slug>/ratings", views.api_ratings, name="api"),
    path("ratings/", views.ranking, name="ranking"),
]
