from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from polise.accounts.models import User

from . import services
from .models import Attachment, Comment, Report, StatusChange


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["original_name", "content_type", "size"]
    readonly_fields = ["original_name", "content_type", "size"]
    can_delete = False


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ["author", "body", "public", "created_at"]
    readonly_fields = ["author", "body", "created_at"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ["at", "old_status", "new_status", "source", "actor_name", "note"]
    readonly_fields = ["at", "old_status", "new_status", "source", "actor_name", "note"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReportAdminForm(forms.ModelForm):
    # The status the page showed: if GitHub (or someone else) changed it since, saving the
    # page must not quietly put the old one back.
    status_seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Report
        fields = [
            "app",
            "reporter",
            "kind",
            "title",
            "what_happened",
            "expected",
            "steps",
            "area",
            "status",
            "duplicate_of",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status_seen"].initial = self.instance.status

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status, current = data.get("status"), self.instance.status
        seen = data.get("status_seen") or current
        if self.instance.pk and status == seen:
            data["status"] = current  # left alone here: keep what is stored now
        elif self.instance.pk and seen != current:
            self.add_error(
                "status",
                _("The status changed to “%(status)s” while you were editing; check it again.")
                % {"status": self.instance.get_status_display()},
            )
        original = data.get("duplicate_of")
        if status == Report.Status.DUPLICATE and (
            original is None
            or original.pk == self.instance.pk
            or original.app_id != self.instance.app_id
        ):
            self.add_error(
                "duplicate_of",
                _("Choose another report about the same app that this one duplicates."),
            )
        return data


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    form = ReportAdminForm
    list_display = [
        "id",
        "title",
        "app",
        "kind",
        "status",
        "channel",
        "created_at",
        "github_number",
    ]
    list_filter = ["status", "kind", "channel", "app"]
    search_fields = ["title", "what_happened", "github_repo"]
    date_hierarchy = "created_at"
    list_select_related = ["app"]
    raw_id_fields = ["reporter", "duplicate_of"]
    inlines = [StatusChangeInline, AttachmentInline, CommentInline]
    # What filing and GitHub keep up to date is shown, not edited: a stale form must not
    # write it back.
    readonly_fields = [
        "channel",
        "github_repo",
        "github_number",
        "github_url",
        "created_at",
        "filed_at",
        "first_response_at",
        "resolved_at",
        "github_updated_at",
        "notified_status",
        "context",
        "problem",
    ]

    def get_queryset(self, request):
        # Security reports are for the app owners and the security team, not all staff.
        from .selectors import in_security_team

        reports = super().get_queryset(request)
        if not in_security_team(request.user):
            reports = reports.exclude(kind=Report.Kind.SECURITY)
        return reports

    def save_model(
        self, request: HttpRequest, obj: Report, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        actor = request.user if isinstance(request.user, User) else None
        status, original = obj.status, obj.duplicate_of
        edited = [
            name
            for name in form.changed_data
            if name not in ("status", "duplicate_of", "status_seen")
        ]
        with transaction.atomic():
            # Only what the form changed: GitHub may be moving the same report right now.
            if edited:
                obj.save(update_fields=edited)
            if "status" in form.changed_data or "duplicate_of" in form.changed_data:
                if status == Report.Status.DUPLICATE and original is not None:
                    services.report_mark_duplicate(
                        report=obj,
                        original=original,
                        actor=actor,
                        source=StatusChange.Source.ADMIN,
                    )
                else:
                    services.report_change_status(
                        report=obj,
                        status=status,
                        actor=actor,
                        source=StatusChange.Source.ADMIN,
                        note="changed in the admin",
                    )
