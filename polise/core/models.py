"""The job runner's own bookkeeping: which workers are alive.

Core keeps no domain data; this one table belongs to the job runner (`polise.core.jobs`), which
every app uses, so it lives at the bottom with it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerLease(models.Model):
    """A running `polise worker`, renewed while it lives. A job row whose worker's lease has
    run out was left behind by a dead worker (killed, or its node lost) and is queued again."""

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    queues = models.CharField(_("queues"), max_length=200)
    started_at = models.DateTimeField(_("started"))
    renewed_at = models.DateTimeField(_("renewed"), db_index=True)

    class Meta:
        ordering = ["-renewed_at"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} ({self.worker_id})"
