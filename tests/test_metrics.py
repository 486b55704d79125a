"""/metrics: Prometheus's text format, read back with Prometheus's own parser."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from polise.deployments.models import DeployRecord
from polise.forge.models import Delivery, Write
from polise.forge.outbox import perform_write
from polise.sso import forward_auth
from tests.factories import make_app

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def scrape() -> dict[str, dict[tuple, float]]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        samples: dict[str, dict[tuple, float]] = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                key = tuple(sorted(sample.labels.items()))
                samples.setdefault(sample.name, {})[key] = sample.value
        return samples

    return scrape


def test_metrics_are_closed_unless_a_token_or_network_opens_them(client, settings):
    settings.METRICS_TOKEN = None
    settings.METRICS_NETWORKS = []
    assert client.get("/metrics").status_code == 404

    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200

    import ipaddress

    settings.METRICS_TOKEN = None
    settings.METRICS_NETWORKS = [ipaddress.ip_network("10.0.9.0/24")]
    assert client.get("/metrics", REMOTE_ADDR="10.0.9.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.8.7").status_code == 404


def test_requests_are_counted_and_timed_by_view(client, scrape):
    before = scrape()
    key = (("method", "GET"), ("status", "2xx"), ("view", "healthz"))
    seen = before.get("polise_http_requests_total", {}).get(key, 0)

    for _ in range(3):
        client.get("/healthz")
    after = scrape()

    assert after["polise_http_requests_total"][key] == seen + 3
    assert after["polise_http_request_duration_seconds_count"][(("view", "healthz"),)] >= 3


def test_database_counts_jobs_outbox_deliveries_and_deploys(scrape):
    app = make_app()
    for n, status in enumerate(["pending", "pending", "failed", "done"]):
        Write.objects.create(
            key=f"k{n}", kind="create_issue", repo="o/r", payload={}, status=status
        )
    Delivery.objects.create(delivery_id="d1", event="push", payload={}, status="processed")
    Delivery.objects.create(delivery_id="d2", event="push", payload={}, status="failed")
    now = timezone.now()
    for result in ("succeeded", "succeeded", "rolled_back"):
        DeployRecord.objects.create(
            deploy_id=uuid.uuid4(), app=app, stack=app.slug, started_at=now, result=result
        )
    perform_write.enqueue(Write.objects.get(key="k0").pk)  # one job queued

    samples = scrape()

    writes = samples["polise_github_writes"]
    assert writes[(("kind", "create_issue"), ("status", "pending"))] == 2
    assert writes[(("kind", "create_issue"), ("status", "failed"))] == 1
    deliveries = samples["polise_webhook_deliveries"]
    assert deliveries[(("event", "push"), ("status", "failed"))] == 1
    deploys = samples["polise_deploys"]
    assert deploys[(("kind", "deploy"), ("result", "succeeded"))] == 2
    assert deploys[(("kind", "deploy"), ("result", "rolled_back"))] == 1
    assert samples["polise_jobs"][(("queue_name", "forge"), ("status", "READY"))] == 1


def test_forward_auth_decisions_are_counted(scrape, settings):
    settings.FORWARD_AUTH_CACHE_SECONDS = 0
    key = (("decision", "unknown_app"),)
    seen = scrape().get("polise_forward_auth_decisions_total", {}).get(key, 0)

    for _ in range(70):  # past one flush of the tally, and a remainder flushed by the scrape
        status, _headers = forward_auth.decide(
            {"HTTP_X_FORWARDED_HOST": "nowhere.example.go.id", "HTTP_X_FORWARDED_PROTO": "https"}
        )
        assert status.startswith("403")

    assert scrape()["polise_forward_auth_decisions_total"][key] == seen + 70
