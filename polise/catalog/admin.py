from collections.abc import Sequence

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .access import access_summary
from .models import AccessPolicy, App


class AccessPolicyInline(admin.StackedInline):
    """Who may open the app, on the app's own form: without a policy it is open to everyone
    signed in."""

    model = AccessPolicy
    can_delete = False
    max_num = 1
    autocomplete_fields = ["units", "users"]


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner_unit", "who_may_open", "lifecycle", "repo"]
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
        (None, {"fields": ["owner_unit", "owners", "who_may_open", "news_rules"]}),
        (
            _("Catalog-as-code"),
            {
                "description": _(
                    "Fields read from the repository's polise.yaml are shown read-only: change "
                    "them in the repository, and Polise takes them on the next push."
                ),
                "fields": ["from_repository", "manifest_commit", "manifest_problem"],
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: App | None = None) -> list[str]:
        managed = list(obj.repo_fields) if obj is not None else []
        fixed = [
            "who_may_open",
            "news_rules",
            "from_repository",
            "manifest_commit",
            "manifest_problem",
        ]
        return [*fixed, *(name for name in managed if name not in fixed)]

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: App | None = None
    ) -> dict[str, Sequence[str]]:
        # The slug follows the name only while the name is typed here.
        if obj is not None and "name" in obj.repo_fields:
            return {}
        return super().get_prepopulated_fields(request, obj)

    @admin.display(description=_("from the repository"))
    def from_repository(self, obj: App) -> str:
        if not obj.repo_fields:
            return str(_("nothing yet: every field is edited here"))
        labels = [
            str(getattr(App._meta.get_field(name), "verbose_name", name))
            for name in obj.repo_fields
        ]
        return ", ".join(labels)

    def get_queryset(self, request: HttpRequest) -> QuerySet[App]:
        return (
            super()
            .get_queryset(request)
            .select_related("access_policy")
            .prefetch_related("access_policy__units", "access_policy__users")
        )

    @admin.display(description=_("who may open it"))
    def who_may_open(self, app: App) -> str:
        if app.pk is None:
            return str(_("Open to everyone who is signed in, unless a policy is set below."))
        access = access_summary(app)
        if access.open_to_all:
            return str(_("Open to everyone who is signed in."))
        listed = [*access.units, *access.users]
        return str(_("Only: %(listed)s") % {"listed": ", ".join(listed) or "—"})
