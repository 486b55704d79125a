from django.urls import path

from . import feeds, views

app_name = "news"
urlpatterns = [
    path("news/", views.portal_news, name="portal"),
    path("news/feed.atom", feeds.PortalNewsFeed(), name="portal_feed"),
    path("apps/<slug:slug>/news/", views.app_news, name="app"),
    path("apps/<slug:slug>/news/feed.atom", feeds.AppNewsFeed(), name="app_feed"),
    path("apps/<slug:slug>/news/manage/", views.manage, name="manage"),
    path("apps/<slug:slug>/news/catch-up/", views.catch_up, name="catch_up"),
    path("apps/<slug:slug>/news/updates/<int:pk>/", views.update_edit, name="update_edit"),
    path(
        "apps/<slug:slug>/news/items/<int:pk>/visibility/",
        views.item_visibility,
        name="item_visibility",
    ),
]
