from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import jobs
from .models import AppNews, Edit, Item, Update


@admin.register(AppNews)
class AppNewsAdmin(admin.ModelAdmin):
    list_display = ["app", "branch", "hold_for_review", "synced_at", "last_error"]
    search_fields = ["app__slug", "app__name"]
    readonly_fields = [
        "synced_tip",
        "synced_at",
        "grouped_deploy_at",
        "grouped_deploy_commit",
        "last_error",
    ]
    actions = ["catch_up"]

    @admin.action(description=_("Read the selected apps' new commits now (catch up)"))
    def catch_up(self, request: HttpRequest, queryset: QuerySet[AppNews]) -> None:
        queued = jobs.news_catch_up(apps=[state.app for state in queryset.select_related("app")])
        self.message_user(request, _("%(n)d app(s) queued.") % {"n": queued}, messages.SUCCESS)


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    list_display = ["app", "kind", "status", "occurred_at", "published_at", "item_count", "title"]
    list_filter = ["status", "kind"]
    search_fields = ["app__slug", "title", "head_sha"]
    raw_id_fields = ["app"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["app", "sha", "category", "title", "skip_reason", "withdrawn_at", "hidden"]
    list_filter = ["category", "hidden"]
    search_fields = ["sha", "title", "author_email"]
    raw_id_fields = ["app", "update"]


@admin.register(Edit)
class EditAdmin(admin.ModelAdmin):
    list_display = ["at", "app", "user", "action", "update", "item"]
    readonly_fields = ["app", "update", "item", "user", "action", "before", "after", "at"]
