"""The admin site: the platform team's sections in plain words, the library tables they never
touch left out, and every add, change and delete made through it recorded in the audit log.

The audit works from the admin's own history (LogEntry), which every ModelAdmin writes, so a
new admin page is audited without anyone remembering to: each POST to the admin runs in one
transaction with the audit events for the history entries it wrote.
"""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import AuditEvent

# (section, models as "app_label.model_name"), in the order the index shows them. Models of
# Polise's own apps that are not listed keep a section of their own after these.
SECTIONS: list[tuple[str, Any, list[str]]] = [
    (
        "apps",
        _("Apps"),
        ["catalog.app", "reports.report", "deployments.deployrecord", "deployments.deploytoken"],
    ),
    ("teams", _("Teams"), ["accounts.orgunit", "accounts.user", "accounts.developer"]),
    ("access", _("Access"), ["auth.group", "sso.signinsession", "sso.launch"]),
    ("sso", _("SSO"), ["sso.oidcclient"]),
    (
        "security",
        _("Security"),
        [
            "accounts.auditevent",
            "accounts.mfarequirement",
            "axes.accessattempt",
            "forge.webhooksecret",
        ],
    ),
    (
        "jobs",
        _("Background jobs"),
        ["django_tasks_db.dbtaskresult", "forge.write", "forge.delivery"],
    ),
]

# Library tables the platform team never edits by hand: tokens and grants (revoked by ending
# sessions), authenticator devices (removed by a user action), the libraries' own logs, the
# social-login tables (Polise links GitHub accounts through Developer), and the library's own
# admin of OIDC clients (managed as sso.OidcClient, with secrets Polise generates).
UNTOUCHED = {
    "oauth2_provider.application",
    "oauth2_provider.accesstoken",
    "oauth2_provider.grant",
    "oauth2_provider.idtoken",
    "oauth2_provider.refreshtoken",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "axes.accesslog",
    "axes.accessfailurelog",
    "account.emailaddress",
    "socialaccount.socialaccount",
    "socialaccount.socialapp",
    "socialaccount.socialtoken",
}

# The libraries ship these names without Indonesian; Polise's catalog translates them.
LIBRARY_NAMES = (_("Task Result"), _("Task Results"))


def unregister_untouched(site: admin.AdminSite) -> None:
    for model in list(site._registry):
        if model._meta.label_lower in UNTOUCHED:
            site.unregister(model)


def _content_type(entry: LogEntry) -> ContentType | None:
    return ContentType.objects.get_for_id(entry.content_type_id) if entry.content_type_id else None


def _change_detail(entry: LogEntry) -> dict[str, Any]:
    """What the history entry says changed: field names and related objects, never values."""
    action = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}[entry.action_flag]
    detail: dict[str, Any] = {"action": action, "object_id": entry.object_id}
    content_type = _content_type(entry)
    if content_type is not None:
        detail["model"] = f"{content_type.app_label}.{content_type.model}"
    try:
        messages = json.loads(entry.change_message or "[]")
    except json.JSONDecodeError:
        return {**detail, "message": entry.change_message}
    fields: list[str] = []
    related: list[dict[str, str]] = []
    for message in messages if isinstance(messages, list) else []:
        for verb, about in message.items():
            if about.get("name"):  # an inline object: say which kind, not what it holds
                related.append({verb: about["name"]})
            fields += about.get("fields", [])
    if fields:
        detail["fields"] = fields
    if related:
        detail["related"] = related
    return detail


def _audit_history(request: HttpRequest, after_pk: int) -> None:
    entries = LogEntry.objects.filter(pk__gt=after_pk, user_id=request.user.pk or 0)
    for entry in entries.order_by("pk"):
        content_type = _content_type(entry)
        # One name per kind of object, whichever language the admin reads: the office's.
        with translation.override(settings.LANGUAGE_CODE):
            kind = str(content_type.name) if content_type is not None else ""
        audit_record(
            AuditEvent.Kind.ADMIN_CHANGE,
            request=request,
            target=f"{kind}: {entry.object_repr}",
            **_change_detail(entry),
        )


class PoliseAdminSite(admin.AdminSite):
    site_title = _("Polise administration")
    site_header = _("Polise administration")
    index_title = _("What the platform team looks after")

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        checked = super().admin_view(view, cacheable)

        @wraps(view)
        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "POST" or not request.user.is_authenticated:
                return checked(request, *args, **kwargs)
            last = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            with transaction.atomic():
                response = checked(request, *args, **kwargs)
                _audit_history(request, last)
            return response

        return audited

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        if app_label is not None:
            return super().get_app_list(request, app_label)
        apps = self._build_app_dict(request)
        by_label = {
            f"{app['app_label']}.{model['object_name'].lower()}": model
            for app in apps.values()
            for model in app["models"]
        }
        placed: set[str] = set()
        sections = []
        for slug, name, labels in SECTIONS:
            models = [by_label[label] for label in labels if label in by_label]
            placed.update(labels)
            if models:
                sections.append({"name": name, "app_label": slug, "app_url": "", "models": models})
        rest = []
        for app in apps.values():
            left = [
                m
                for m in app["models"]
                if f"{app['app_label']}.{m['object_name'].lower()}" not in placed
            ]
            if left:
                rest.append({**app, "models": sorted(left, key=lambda m: m["name"])})
        return sections + sorted(rest, key=lambda app: str(app["name"]).lower())
