from django.contrib import admin
from django.http import HttpRequest

from .models import Onboarding, ProvisionedDatabase, Step


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = ["position", "name", "status", "attempts", "detail", "finished_at"]
    readonly_fields = ["position", "name", "status", "attempts", "detail", "finished_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Onboarding)
class OnboardingAdmin(admin.ModelAdmin):
    """Read-only: onboardings start from the form or `polise onboard`, steps change by running."""

    list_display = ["app", "created_by", "created_at"]
    search_fields = ["app__slug", "app__name"]
    list_select_related = ["app", "created_by"]
    readonly_fields = ["app", "spec", "created_by", "created_at"]
    inlines = [StepInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ProvisionedDatabase)
class ProvisionedDatabaseAdmin(admin.ModelAdmin):
    list_display = ["name", "engine", "app", "delivered_as", "created_at", "dropped_at"]
    list_filter = ["engine"]
    search_fields = ["name", "app__slug"]
    list_select_related = ["app"]
    readonly_fields = ["app", "engine", "name", "user", "delivered_as", "created_at", "dropped_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
