from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from . import services
from .models import DeployRecord, DeployToken


@admin.register(DeployToken)
class DeployTokenAdmin(admin.ModelAdmin):
    list_display = ["app", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["app__slug", "app__name", "label", "prefix"]
    list_select_related = ["app"]
    autocomplete_fields = ["app"]
    fields = ["app", "label", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A token's app never changes: a token for another app is a new token.
        return [*self.readonly_fields, "app"] if obj else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["label"])
            return
        token, plaintext = services.deploy_token_create(
            app=obj.app, label=obj.label, created_by=request.user
        )
        obj.pk, obj.prefix = token.pk, token.prefix
        # Kept on the request only: the response shows it once and nothing stores it.
        request._polise_deploy_token = plaintext  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: Any = None
    ) -> HttpResponse:
        plaintext = getattr(request, "_polise_deploy_token", None)
        if plaintext is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "token": obj,
            "plaintext": plaintext,
            "title": _("Deploy token created"),
        }
        response = TemplateResponse(request, "admin/deployments/deploytoken/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DeployToken]) -> None:
        for token in queryset:
            services.deploy_token_revoke(token=token)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)


@admin.register(DeployRecord)
class DeployRecordAdmin(admin.ModelAdmin):
    list_display = ["app", "kind", "short_commit", "result", "reason", "started_at", "duration"]
    list_filter = ["result", "kind", "app"]
    search_fields = ["app__slug", "commit", "digest", "deploy_id"]
    list_select_related = ["app"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # records come from the pipeline, never by hand

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("commit"))
    def short_commit(self, obj: DeployRecord) -> str:
        return obj.commit[:12]

    @admin.display(description=_("duration"))
    def duration(self, obj: DeployRecord) -> str:
        seconds = obj.duration_seconds
        return "" if seconds is None else f"{seconds:.0f} s"
