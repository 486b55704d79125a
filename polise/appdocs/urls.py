from django.urls import path

from . import views

app_name = "appdocs"
urlpatterns = [
    path("docs/search/", views.docs_search, name="search"),
    path("apps/<slug:slug>/docs/", views.docs_index, name="index"),
    path("apps/<slug:slug>/docs/<path:path>", views.docs_page, name="page"),
    path("apps/<slug:slug>/docs-helpful/", views.docs_feedback, name="feedback"),
    path("apps/<slug:slug>/docs-manage/", views.docs_manage, name="manage"),
    path("apps/<slug:slug>/docs-manage/rebuild/", views.docs_rebuild, name="rebuild"),
]
