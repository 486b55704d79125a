"""Single sign-on state: who may open which app, which sessions exist, which apps each
session signed into (for back-channel logout), and which apps a user launched."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application, Grant

from polise.catalog.models import App


class ClientProfile(models.Model):
    """What Polise adds to an OpenID Connect client: the catalog app it signs users into (whose
    access policy then applies) and where its back-channel logout endpoint is."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="polise_profile"
    )
    app = models.ForeignKey(
        App,
        verbose_name=_("catalog app"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="oidc_clients",
        help_text=_("The app's access policy decides who may sign in through this client."),
    )
    backchannel_logout_uri = models.URLField(_("back-channel logout URL"), blank=True)

    class Meta:
        verbose_name = _("client settings")
        verbose_name_plural = _("client settings")

    def __str__(self) -> str:
        return str(self.application)


class SignInSession(models.Model):
    """One sign-in of one user in one browser; `sid` in ID tokens and logout tokens names it."""

    class EndReason(models.TextChoices):
        LOGOUT = "logout", _("Signed out")
        REVOKED_BY_USER = "revoked_by_user", _("Revoked by the user")
        REVOKED_BY_ADMIN = "revoked_by_admin", _("Revoked by the platform team")
        EXPIRED = "expired", _("Expired")

    sid = models.CharField(_("session id"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_sessions"
    )
    session_key = models.CharField(max_length=40, db_index=True)
    auth_time = models.DateTimeField(_("signed in at"))
    expires_at = models.DateTimeField(_("expires at"))
    last_seen = models.DateTimeField(_("last used"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    method = models.CharField(_("sign-in method"), max_length=32, default="password")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=24, choices=EndReason.choices, blank=True
    )

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("sign-in session")
        verbose_name_plural = _("sign-in sessions")
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.auth_time:%Y-%m-%d %H:%M}"


class SessionClient(models.Model):
    """An OpenID Connect client a session signed into; back-channel logout reaches each one."""

    session = models.ForeignKey(SignInSession, on_delete=models.CASCADE, related_name="clients")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField(auto_now_add=True)
    logout_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="session_client_once")
        ]

    def __str__(self) -> str:
        return f"{self.session} -> {self.application}"


class GrantSession(models.Model):
    """The session an authorization code was issued in, so the token endpoint (which sees no
    browser session) can put that session's `sid` and `auth_time` into the ID token."""

    grant = models.OneToOneField(Grant, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(SignInSession, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"grant {self.grant_id} in {self.session}"


class TokenFamilySession(models.Model):
    """The session a refresh-token family (one code exchange and its rotations) belongs to:
    ending the session revokes the family, and refreshed ID tokens keep the session's sid.
    The code it was exchanged for is remembered (hashed): presenting that code again revokes
    the family (RFC 6749 4.1.2)."""

    token_family = models.UUIDField(unique=True)
    session = models.ForeignKey(SignInSession, on_delete=models.CASCADE, related_name="+")
    code_checksum = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"tokens {self.token_family} in {self.session}"


class Launch(models.Model):
    """A user opened an app from the launcher (later: only users who used an app rate it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="launches"
    )
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="launches")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("launch")
        verbose_name_plural = _("launches")
        indexes = [models.Index(fields=["user", "app"])]

    def __str__(self) -> str:
        return f"{self.user} -> {self.app}"
