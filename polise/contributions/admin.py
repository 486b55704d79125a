"""The platform team's side: who an unmapped git identity is, the work-weight formula, syncs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from polise.forge import api

from . import jobs, selectors
from .models import Identity, SyncState, Weights


class LinkedFilter(admin.SimpleListFilter):
    title = _("linked to a developer")
    parameter_name = "linked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("Not linked (to assign)")), ("yes", _("Linked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Identity]) -> QuerySet[Identity]:
        if self.value() not in {"yes", "no"}:
            return queryset
        linked = set(selectors.developers_for(queryset))
        if self.value() == "yes":
            return queryset.filter(pk__in=linked)
        return queryset.exclude(pk__in=linked)


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "github_login", "developer", "linked_to"]
    list_filter = [LinkedFilter]
    search_fields = ["email", "name", "github_login"]
    readonly_fields = ["email", "name", "github_login", "first_seen", "linked_to"]
    fields = ["email", "name", "github_login", "developer", "linked_to", "first_seen"]
    autocomplete_fields = ["developer"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # identities come from the git history

    @admin.display(description=_("counted for"))
    def linked_to(self, identity: Identity) -> str:
        developer = selectors.developers_for([identity]).get(identity.pk)
        return str(developer) if developer else "—"


@admin.register(Weights)
class WeightsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "commits",
        "code",
        "usage_docs",
        "database_docs",
        "tests",
        "excluded",
    ]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not Weights.objects.exists()

    def save_model(self, request: HttpRequest, obj: Weights, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin):
    list_display = [
        "app", "status", "processed", "total", "synced_tip", "synced_at", "forge_imported_at",
    ]  # fmt: skip
    readonly_fields = [f.name for f in SyncState._meta.fields]
    actions = ["import_from_forge"]

    @admin.action(description=_("Count again and import pull requests and reviews from GitHub"))
    def import_from_forge(self, request: HttpRequest, queryset: QuerySet[SyncState]) -> None:
        if missing := api.not_configured():
            self.message_user(request, missing, messages.ERROR)
            return
        apps = [state.app for state in queryset.select_related("app")]
        queued = jobs.contributions_catch_up(apps=apps, forge=True)
        self.message_user(request, _("%(n)d app(s) queued.") % {"n": queued}, messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
