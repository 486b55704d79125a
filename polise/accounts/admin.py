from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Developer, GitEmail, OrgUnit, User


class DeveloperInline(admin.StackedInline):
    model = Developer
    can_delete = False
    verbose_name_plural = _("developer identity")
    fields = ["github_login"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [DeveloperInline]
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "org_units"]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    list_select_related = ["parent"]


class GitEmailInline(admin.TabularInline):
    model = GitEmail
    extra = 1


@admin.register(Developer)
class DeveloperAdmin(admin.ModelAdmin):
    list_display = ["github_login", "user"]
    search_fields = ["github_login", "user__username", "git_emails__email"]
    autocomplete_fields = ["user"]
    inlines = [GitEmailInline]
    list_select_related = ["user"]


# Security actions and models (polise.accounts.admin_security): registered here so that the
# admin autodiscovery, which imports only admin.py, finds them.
from .admin_security import remove_mfa, unlock  # noqa: E402

UserAdmin.actions = [unlock, remove_mfa]  # type: ignore[misc]
