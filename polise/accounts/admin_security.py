"""Admin for the security side of accounts: the audit log, second-factor rules, and the user
actions the platform team needs (lift a lockout, remove a second factor; ending a user's
sessions is single sign-on's, in polise.sso.admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import AuditEvent, MfaRequirement, User


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "username", "ip_address", "target"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "ip_address", "target", "detail"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    # The log is evidence: nobody edits or adds to it by hand; pruning is the retention job's.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MfaRequirement)
class MfaRequirementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "unit", "group", "created_at"]
    autocomplete_fields = ["unit"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            AuditEvent.Kind.ADMIN_CHANGE, request=request, target=f"second factor required: {obj}"
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            AuditEvent.Kind.ADMIN_CHANGE,
            request=request,
            target=f"second factor no longer required: {obj}",
        )
        super().delete_model(request, obj)


@admin.action(description=_("Lift the sign-in lockout of the selected users"))
def unlock(modeladmin: Any, request: HttpRequest, queryset: QuerySet[User]) -> None:
    from axes.utils import reset

    for user in queryset:
        removed = reset(username=user.get_username())
        audit_record(
            AuditEvent.Kind.UNLOCKED,
            request=request,
            target=user.get_username(),
            attempts_cleared=removed,
        )
    modeladmin.message_user(request, _("Lockouts lifted."), messages.SUCCESS)


@admin.action(description=_("Remove the second factor of the selected users"))
def remove_mfa(modeladmin: Any, request: HttpRequest, queryset: QuerySet[User]) -> None:
    from .mfa import mfa_remove

    for user in queryset:
        mfa_remove(user=user, actor=request.user, request=request)  # type: ignore[arg-type]
    modeladmin.message_user(request, _("Second factors removed."), messages.SUCCESS)
