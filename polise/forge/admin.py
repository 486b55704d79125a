from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .models import Delivery, HookSecret, Write
from .webhooks import process_delivery


@admin.register(Write)
class WriteAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "repo", "status", "attempts", "ambiguous", "short_error"]
    list_filter = ["status", "kind", "ambiguous"]
    search_fields = ["key", "repo", "last_error"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [f.name for f in Write._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj: Write) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Retry the selected failed or stuck writes"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Write]) -> None:
        retried = sum(outbox.write_retry(write=write) for write in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d write put back in line.", "%(count)d writes put back in line.", retried
            )
            % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "received_at",
        "event",
        "action",
        "repo",
        "status",
        "redeliveries",
        "delivery_id",
    ]
    list_filter = ["status", "event"]
    search_fields = ["delivery_id", "repo", "outcome"]
    date_hierarchy = "received_at"
    actions = ["reprocess"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Process the selected failed deliveries again"))
    def reprocess(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        failed = list(queryset.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True))
        for pk in failed:
            process_delivery.enqueue(pk)
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": len(failed)})


@admin.register(HookSecret)
class HookSecretAdmin(admin.ModelAdmin):
    list_display = ["repo", "hook_id", "created_at"]
    search_fields = ["repo", "hook_id"]
    fields = ["repo", "hook_id", "secret"]

    def get_readonly_fields(self, request: HttpRequest, obj: HookSecret | None = None) -> list[str]:
        # A stored secret is never shown again; replace the row to rotate it.
        return ["repo", "hook_id", "secret"] if obj else []

    def get_fields(self, request: HttpRequest, obj: HookSecret | None = None) -> list[str]:  # type: ignore[override]
        return ["repo", "hook_id"] if obj else ["repo", "hook_id", "secret"]
