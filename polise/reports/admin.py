from django.contrib import admin

from .models import Attachment, Comment, Report


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


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
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
    inlines = [AttachmentInline, CommentInline]
    readonly_fields = [
        "created_at",
        "filed_at",
        "first_response_at",
        "resolved_at",
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
