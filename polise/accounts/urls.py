from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("account/second-factor/", views.mfa_settings, name="mfa"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
]
