from django.urls import path

from . import views

app_name = "sso"
urlpatterns = [
    path("forward-auth", views.forward_auth_view, name="forward_auth"),
    path("account/sessions/", views.my_sessions, name="sessions"),
    path("account/sessions/revoke/", views.revoke_session, name="revoke_session"),
    path("apps/<slug:slug>/open/", views.launch, name="launch"),
]
