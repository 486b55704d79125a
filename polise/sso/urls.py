from django.urls import path

from . import signin, views

app_name = "sso"
urlpatterns = [
    path("login/", signin.login_view, name="login"),
    path("login/second-factor/", signin.login_mfa, name="login_mfa"),
    path("logout/", signin.logout_view, name="logout"),
    path(
        "password-reset/<uidb64>/<token>/",
        signin.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("forward-auth", views.forward_auth_view, name="forward_auth"),
    path("account/sessions/", views.my_sessions, name="sessions"),
    path("account/sessions/revoke/", views.revoke_session, name="revoke_session"),
    path("apps/<slug:slug>/open/", views.launch, name="launch"),
]
