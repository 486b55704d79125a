"""An admin base class that records every change the platform team makes in the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .audit import audit_record
from .models import AuditEvent


class AuditedAdmin(admin.ModelAdmin):
    """Records every add, change and delete made here in the audit log, with the changed fields."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            AuditEvent.Kind.ADMIN_CHANGE,
            request=request,
            target=f"{obj._meta.verbose_name}: {obj}",
            action="changed" if change else "added",
            fields=sorted(form.changed_data),
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        changed = [formset.model._meta.label_lower for formset in formsets if formset.has_changed()]
        if changed:
            audit_record(
                AuditEvent.Kind.ADMIN_CHANGE,
                request=request,
                target=f"{form.instance._meta.verbose_name}: {form.instance}",
                action="changed",
                related=changed,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            AuditEvent.Kind.ADMIN_CHANGE,
            request=request,
            target=f"{obj._meta.verbose_name}: {obj}",
            action="deleted",
        )
        super().delete_model(request, obj)
