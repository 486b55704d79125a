from django.contrib import admin

from .models import Mirror


@admin.register(Mirror)
class MirrorAdmin(admin.ModelAdmin):
    list_display = ["repo", "remote_url", "fetched_at", "failed_at", "fetches"]
    search_fields = ["repo", "remote_url"]
    readonly_fields = ["fetched_at", "failed_at", "last_error", "fetches"]
