"""GET /metrics for Prometheus: the process metrics of polise.core.metrics, plus what the
database knows at scrape time (jobs, GitHub writes, webhook deliveries, deploys), each as a
few grouped counts: one small query per family, however much history there is.

Closed unless the platform team opens it: POLISE_METRICS_TOKEN (Prometheus sends it as
`Authorization: Bearer ...`, compared in constant time) and/or POLISE_METRICS_NETWORKS
(addresses or CIDR blocks the scraper comes from). With neither set, /metrics is a 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from polise.core.metrics import forward_auth_tally
from polise.deployments.models import DeployRecord
from polise.forge.models import Delivery, Write


def _grouped(
    name: str, documentation: str, rows: Iterator[dict], labels: list[str]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for row in rows:
        family.add_metric([str(row[label]) for label in labels], row["n"])
    return family


class DatabaseCollector(Collector):
    """Counts read from the database at scrape time; gauges, since old rows may be pruned."""

    def collect(self) -> Iterator[Metric]:
        yield _grouped(
            "polise_jobs",
            "Background jobs by queue and state (READY: queued, RUNNING, FAILED, SUCCESSFUL).",
            DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id")).iterator(),
            ["queue_name", "status"],
        )
        yield _grouped(
            "polise_github_writes",
            "Outbox writes to GitHub by kind and status (pending, running, done, failed).",
            Write.objects.values("kind", "status").annotate(n=Count("id")).iterator(),
            ["kind", "status"],
        )
        yield _grouped(
            "polise_webhook_deliveries",
            "Webhook deliveries received from GitHub, by event and status.",
            Delivery.objects.values("event", "status").annotate(n=Count("id")).iterator(),
            ["event", "status"],
        )
        yield _grouped(
            "polise_deploys",
            "Deploys and rollbacks recorded by polise deploy, by kind and result.",
            DeployRecord.objects.values("kind", "result").annotate(n=Count("id")).iterator(),
            ["kind", "result"],
        )


_database = CollectorRegistry(auto_describe=False)
_database.register(DatabaseCollector())


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return True
    if settings.METRICS_NETWORKS:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in network for network in settings.METRICS_NETWORKS)
    return False


def exposition() -> bytes:
    """The whole text exposition, as /metrics serves it."""
    forward_auth_tally.flush()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process = CollectorRegistry()
        MultiProcessCollector(process)
        return generate_latest(process) + generate_latest(_database)
    return generate_latest(REGISTRY) + generate_latest(_database)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        # The same answer as for a path that does not exist: no hint that it is here.
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
