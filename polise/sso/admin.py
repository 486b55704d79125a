from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from polise.accounts.admin import UserAdmin as AccountsUserAdmin
from polise.accounts.admin_audit import AuditedAdmin
from polise.accounts.admin_security import remove_mfa, unlock
from polise.accounts.models import User

from . import services
from .models import ClientProfile, Launch, SignInSession


class ClientProfileInline(admin.StackedInline):
    model = ClientProfile
    can_delete = False
    autocomplete_fields = ["app"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ApplicationAdmin(AuditedAdmin):
    """OpenID Connect clients. `skip authorization` marks the office's own apps (no consent).
    django-oauth-toolkit registers it itself (OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"])."""

    list_display = ["name", "client_id", "client_type", "skip_authorization"]
    list_filter = ["client_type", "skip_authorization"]
    search_fields = ["name", "client_id"]
    inlines = [ClientProfileInline]
    fields = [
        "name",
        "client_id",
        "client_secret",
        "client_type",
        "authorization_grant_type",
        "redirect_uris",
        "post_logout_redirect_uris",
        "skip_authorization",
        "algorithm",
        "hash_client_secret",
    ]

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
