"""Liveness and readiness probes for the swarm health check and the proxy."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests; touches nothing else."""
    return JsonResponse({"status": "ok"})


# Once this process has seen every migration applied it stays so: migrations only arrive with a
# new release, which is a new process. Later probes then cost one round trip, not a graph load.
_migrated = False


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers and every migration is applied."""
    global _migrated
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                body = {
                    "status": "unavailable",
                    "database": "ok",
                    "pending_migrations": len(pending),
                }
                return JsonResponse(body, status=503)
            _migrated = True
    except Exception as exc:
        body = {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
