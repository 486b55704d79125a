"""The worker status page: the job list of django-tasks-db, with the queue's state above it
(length, oldest waiting job, live workers), each failed job's error, and a retry button."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_tasks import TaskResultStatus
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from .jobs import job_retry, jobs_overview

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class JobAdmin(DBTaskResultAdmin):
    list_display = (  # type: ignore[assignment]
        "task_name",
        "status",
        "queue_name",
        "enqueued_at",
        "started_at",
        "finished_at",
        "error",
    )
    list_filter = ("status", "queue_name")  # type: ignore[assignment]
    search_fields = ("task_path", "exception_class_path", "traceback")
    actions = ["retry"]
    change_list_template = "core/admin/jobs_change_list.html"
    change_form_template = "core/admin/job_change_form.html"

    @admin.display(description=_("error"))
    def error(self, obj: DBTaskResult) -> str:
        """The last line of the traceback: the exception and its message."""
        lines = obj.traceback.strip().splitlines()
        return lines[-1][:160] if lines else ""

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("django_tasks_db.change_dbtaskresult")

    @admin.action(description=_("Retry the selected failed jobs"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[DBTaskResult]) -> None:
        retried = sum(job_retry(row=row) for row in queryset)
        self.message_user(
            request,
            ngettext("%(count)d job queued again.", "%(count)d jobs queued again.", retried)
            % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )

    def retry_one(self, request: HttpRequest, object_id: str) -> HttpResponse:
        row = get_object_or_404(DBTaskResult, pk=object_id)
        if not self.has_retry_permission(request):
            self.message_user(request, _("You may not retry jobs."), messages.ERROR)
        elif job_retry(row=row):
            self.message_user(request, _("The job was queued again."), messages.SUCCESS)
        else:
            self.message_user(request, _("Only a failed job can be retried."), messages.WARNING)
        return HttpResponseRedirect(reverse(f"admin:{self._url_prefix}_changelist"))

    @property
    def _url_prefix(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}"

    def get_urls(self) -> list[Any]:
        retry = self.admin_site.admin_view(require_POST(self.retry_one))
        return [
            path("<path:object_id>/retry/", retry, name=f"{self._url_prefix}_retry"),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {**(extra_context or {}), "overview": jobs_overview()}
        return super().changelist_view(request, extra_context=extra)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        row = self.get_object(request, object_id)
        retryable = bool(
            row and row.status == TaskResultStatus.FAILED and self.has_retry_permission(request)
        )
        extra = {**(extra_context or {}), "retryable": retryable}
        return super().change_view(request, object_id, form_url, extra_context=extra)
