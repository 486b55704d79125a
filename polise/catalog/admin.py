from django.contrib import admin
from django.db import models

from .models import App


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner_unit", "technology", "placement", "lifecycle", "repo"]
    list_filter = ["technology", "placement", "lifecycle", "owner_unit"]
    search_fields = ["name", "slug", "summary", "repo"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["owner_unit"]
    filter_horizontal = ["owners"]
    list_select_related = ["owner_unit"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description", "url", "lifecycle"]}),
        ("GitHub", {"fields": ["repo", "technology", "usage_docs_path", "database_docs_path"]}),
        ("Swarm", {"fields": ["placement"]}),
        (None, {"fields": ["owner_unit", "owners"]}),
    ]
