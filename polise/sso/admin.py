from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from polise.accounts.admin import UserAdmin as AccountsUserAdmin
from polise.accounts.admin_security import remove_mfa, unlock
from polise.accounts.models import User

from . import services
from .models import ClientProfile, Launch, OidcClient, SignInSession


class ClientProfileInline(admin.StackedInline):
    model = ClientProfile
    can_delete = False
    autocomplete_fields = ["app"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class OidcClientForm(forms.ModelForm):
    """The client's settings in the platform team's words. The secret is never typed in:
    Polise makes it and shows it once (`OidcClientAdmin`)."""

    class Meta:
        model = OidcClient
        fields = [
            "name",
            "client_id",
            "client_type",
            "authorization_grant_type",
            "redirect_uris",
            "post_logout_redirect_uris",
            "skip_authorization",
            "algorithm",
        ]
        labels = {
            "name": _("Name"),
            "client_id": _("Client ID"),
            "client_type": _("Client type"),
            "authorization_grant_type": _("Grant type"),
            "redirect_uris": _("Redirect URIs"),
            "post_logout_redirect_uris": _("Post-logout redirect URIs"),
            "skip_authorization": _("Skip the consent screen"),
            "algorithm": _("ID token signing"),
        }
        help_texts = {
            "client_type": _(
                "Confidential for apps with a server side; public for apps that run only in the browser."
            ),
            "redirect_uris": _("One per line, exactly as the app sends them."),
            "skip_authorization": _("For the office's own apps: users are not asked to agree."),
            "algorithm": _(
                "RS256 for OpenID Connect; Polise publishes its keys at /.well-known/jwks.json."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.initial.setdefault("algorithm", Application.RS256_ALGORITHM)
            self.initial.setdefault("client_type", Application.CLIENT_CONFIDENTIAL)
            self.initial.setdefault(
                "authorization_grant_type", Application.GRANT_AUTHORIZATION_CODE
            )


@admin.register(OidcClient)
class OidcClientAdmin(admin.ModelAdmin):
    """OpenID Connect clients. `skip authorization` marks the office's own apps (no consent).
    A confidential client's secret is generated here, shown once, and kept only as a hash;
    "Make a new secret" replaces a lost one."""

    form = OidcClientForm
    list_display = ["name", "client_id", "client_type", "skip_authorization", "algorithm"]
    list_filter = ["client_type", "skip_authorization"]
    search_fields = ["name", "client_id"]
    inlines = [ClientProfileInline]
    readonly_fields = ["secret_state"]
    change_form_template = "admin/sso/oidcclient/change_form.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(OidcClientForm.Meta.fields)
        return [*fields, "secret_state"] if obj else fields

    @admin.display(description=_("Client secret"))
    def secret_state(self, obj: Application) -> str:
        if obj.client_type != Application.CLIENT_CONFIDENTIAL:
            return str(_("A public client has no secret."))
        return str(_("Kept only as a hash. If it is lost, make a new one."))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.hash_client_secret = True
            # The model's default made a fresh secret; this is the only moment it is readable.
            request._polise_client_secret = obj.client_secret  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: Any = None
    ) -> HttpResponse:
        secret = getattr(request, "_polise_client_secret", None)
        if secret is None or obj.client_type != Application.CLIENT_CONFIDENTIAL:
            return super().response_add(request, obj, post_url_continue)
        return self._secret_once(request, obj, secret, title=_("OIDC client added"))

    def get_urls(self) -> list[Any]:
        rotate = path(
            "<int:object_id>/rotate-secret/",
            self.admin_site.admin_view(self.rotate_secret_view),
            name="sso_oidcclient_rotate_secret",
        )
        return [rotate, *super().get_urls()]

    def rotate_secret_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        client = self.get_object(request, str(object_id))
        if client is None:
            raise Http404
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        if client.client_type != Application.CLIENT_CONFIDENTIAL:
            raise Http404
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": client,
                "title": _("Make a new secret"),
            }
            return TemplateResponse(request, "admin/sso/oidcclient/rotate_secret.html", context)
        secret = services.client_secret_rotate(application=client)
        self.log_change(request, client, [{"changed": {"fields": ["client secret"]}}])
        return self._secret_once(request, client, secret, title=_("New secret made"))

    def _secret_once(
        self, request: HttpRequest, client: Application, secret: str, *, title: Any
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": client,
            "secret": secret,
            "title": title,
        }
        response = TemplateResponse(request, "admin/sso/oidcclient/secret_once.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "algorithm":
            # ID tokens are signed with RS256 only: discovery offers nothing else, and the
            # authorization endpoint gives no code to a client set to anything else.
            kwargs["choices"] = [(Application.RS256_ALGORITHM, _("RSA with SHA-2 256"))]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(SignInSession)
class SignInSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "auth_time", "last_seen", "ip_address", "method", "ended_at"]
    list_filter = ["ended_at", "method"]
    search_fields = ["user__username", "ip_address"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in SignInSession._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("End the selected sessions (and sign out of their apps)"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[SignInSession]) -> None:
        ended = sum(
            services.session_end(
                session=s,
                reason=SignInSession.EndReason.REVOKED_BY_ADMIN,
                request=request,
                actor=request.user,  # type: ignore[arg-type]
            )
            for s in queryset.filter(ended_at__isnull=True)
        )
        self.message_user(
            request, _("%(count)d sessions ended.") % {"count": ended}, messages.SUCCESS
        )


@admin.register(Launch)
class LaunchAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "app"]
    search_fields = ["user__username", "app__name"]
    list_select_related = ["user", "app"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description=_("End all sessions of the selected users"))
def revoke_sessions(modeladmin: Any, request: HttpRequest, queryset: QuerySet[User]) -> None:
    ended = 0
    for user in queryset:
        ended += services.sessions_revoke(
            user=user,
            reason=SignInSession.EndReason.REVOKED_BY_ADMIN,
            actor=request.user,  # type: ignore[arg-type]
            request=request,
        )
    modeladmin.message_user(
        request, _("%(count)d sessions ended.") % {"count": ended}, messages.SUCCESS
    )


class UserAdmin(AccountsUserAdmin):
    """The accounts' user admin, plus ending a user's sign-in sessions (single sign-on's part)."""

    actions = [revoke_sessions, unlock, remove_mfa]


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
