from django.contrib import admin
from django.db import models

from polise.accounts.admin_audit import AuditedAdmin

from .models import AccessPolicy, App


class AccessPolicyInline(admin.StackedInline):
    """Who may open the app, on the app's own form: without a policy it is open to everyone
    signed in."""

    model = AccessPolicy
    can_delete = False
    max_num = 1
    autocomplete_fields = ["units", "users"]


@admin.register(App)
class AppAdmin(AuditedAdmin):
    list_display = ["name", "slug", "owner_unit", "technology", "placement", "lifecycle", "repo"]
    list_filter = ["technology", "placement", "lifecycle", "owner_unit"]
    search_fields = ["name", "slug", "summary", "repo"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["owner_unit"]
    filter_horizontal = ["owners"]
    list_select_related = ["owner_unit"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [AccessPolicyInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description", "url", "lifecycle"]}),
        ("GitHub", {"fields": ["repo", "technology", "usage_docs_path", "database_docs_path"]}),
        ("Swarm", {"fields": ["placement"]}),
        (None, {"fields": ["owner_unit", "owners"]}),
    ]
