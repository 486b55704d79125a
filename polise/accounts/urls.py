from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("account/second-factor/", views.mfa_settings, name="mfa"),
    path("account/second-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
]
