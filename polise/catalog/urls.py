from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.launcher, name="launcher"),
    path("apps/<slug:slug>/", views.app_detail, name="app_detail"),
]
