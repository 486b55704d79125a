"""Ratings in the admin: read-only (they are the users' words), with who hid a comment and
why; hiding is done from the app's ratings dashboard, which records it in the audit log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Rating, RatingRevision, Reply


class RevisionInline(admin.TabularInline):
    model = RatingRevision
    extra = 0
    can_delete = False
    fields = ("at", "quality", "ease", "docs", "version", "comment")
    readonly_fields = ("at", "quality", "ease", "docs", "version", "comment")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReplyInline(admin.StackedInline):
    model = Reply
    extra = 0
    can_delete = False
    fields = ("author", "body", "updated_at")
    readonly_fields = ("author", "body", "updated_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = [
        "app", "user", "quality", "ease", "docs", "version_short", "updated_at", "hidden_by",
        "hidden_reason",
    ]  # fmt: skip
    list_filter = ["hidden_at"]
    search_fields = ["app__slug", "app__name", "user__username", "comment"]
    list_select_related = ["app", "user", "hidden_by"]
    fields = (
        "app", "user", "quality", "ease", "docs", "comment", "version", "created_at",
        "updated_at", "hidden_at", "hidden_by", "hidden_reason",
    )  # fmt: skip
    readonly_fields = fields
    inlines = [ReplyInline, RevisionInline]

    @admin.display(description=_("version"))
    def version_short(self, obj: Rating) -> str:
        return obj.version[:12]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
