import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.health import OK, database_check, status_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, for the load balancer: this web process and its database, nothing else. The
    broker and the workers being down must not take the web servers out: reports are still
    taken then (the outbox), so they are /healthz/status's business."""
    database = database_check()["state"]
    healthy = database == OK
    return JsonResponse(
        {"status": "ok" if healthy else "down", "database": database},
        status=200 if healthy else 503,
    )


def _token_accepted(request: HttpRequest) -> bool:
    expected = settings.HEALTH_STATUS_TOKEN
    if not expected:
        return True
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_GET
def healthz_status(request: HttpRequest) -> JsonResponse:
    """Readiness and status, for monitoring: JSON of states, counts and ages only. 200 while the
    portal takes reports (ok or degraded), 503 when it cannot (the database is down)."""
    if not _token_accepted(request):
        return JsonResponse({"status": "forbidden"}, status=403)
    report = status_report()
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)
