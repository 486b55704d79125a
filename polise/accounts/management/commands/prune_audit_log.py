from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from polise.accounts.audit import audit_prune


class Command(BaseCommand):
    help = "Delete audit events older than POLISE_AUDIT_RETENTION_DAYS (run it daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = audit_prune()
        self.stdout.write(
            f"deleted {deleted} audit events older than {settings.AUDIT_RETENTION_DAYS} days"
        )
