"""What /healthz and /healthz/status check, and how their answers combine.

Liveness (/healthz) is the web process and its database: a load balancer takes a web server out
only when it cannot serve. Reports are an outbox in the database, so they are still taken while
the broker or the workers are down; the status (/healthz/status) says so as "degraded", for
monitoring, and "down" only when the database is unreachable.

Everything here is a state, a count or an age in seconds: no names, hosts or case details.
"""

import datetime
import logging
from typing import Any

from celery import current_app as celery_app  # the project's app (conduct_portal/celery.py)
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.utils import timezone

from notifications.models import Notification, Status
from ops.models import Heartbeat

logger = logging.getLogger(__name__)

OK = "ok"
IN_PROCESS = "in-process"  # no broker configured (the demo): tasks run in the web process
HEALTHY = {OK, IN_PROCESS}

# The beat tasks whose last run the status reports, by the name their heartbeat is recorded as.
HEARTBEATS = {
    "escalations": "incidents.run_escalations",
    "notifications_sweep": "notifications.sweep",
}
URGENT_QUEUE = "urgent"

Check = dict[str, Any]


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"state": OK}
    except DatabaseError:
        logger.exception("Health check: the database is unreachable")
        return {"state": "unreachable"}


def broker_check() -> Check:
    if celery_app.conf.task_always_eager:
        return {"state": IN_PROCESS}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"state": OK}
    except Exception:
        logger.exception("Health check: the Celery broker is unreachable")
        return {"state": "unreachable"}


def workers_check(broker: Check) -> Check:
    """How many workers answer within a second, and how many serve the urgent queue."""
    if broker["state"] == IN_PROCESS:
        return {"state": IN_PROCESS}
    if broker["state"] != OK:
        return {"state": "unknown", "answering": None, "serving_urgent": None}
    try:
        # A broadcast every worker answers with the queues it consumes: a ping that also says
        # whether a Prevent alert would find a worker.
        replies = celery_app.control.inspect(timeout=settings.HEALTH_WORKER_TIMEOUT).active_queues()
    except Exception:
        logger.exception("Health check: asking the workers failed")
        return {"state": "unknown", "answering": None, "serving_urgent": None}
    replies = replies or {}
    urgent = sum(
        1 for queues in replies.values() if any(q.get("name") == URGENT_QUEUE for q in queues)
    )
    if not replies:
        state = "none"
    elif not urgent:
        state = "no-urgent-worker"
    else:
        state = OK
    return {"state": state, "answering": len(replies), "serving_urgent": urgent}


def _seconds_since(moment: datetime.datetime | None, now: datetime.datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def heartbeat_checks(now: datetime.datetime) -> dict[str, Check]:
    last = dict(Heartbeat.objects.filter(name__in=HEARTBEATS.values()).values_list("name", "at"))
    checks = {}
    for label, name in HEARTBEATS.items():
        ago = _seconds_since(last.get(name), now)
        if ago is None:
            state = "never"
        elif ago > settings.HEALTH_HEARTBEAT_LATE_SECONDS:
            state = "late"
        else:
            state = OK
        checks[label] = {"state": state, "last_run_seconds_ago": ago}
    return checks


def outbox_check(now: datetime.datetime) -> Check:
    pending = Notification.objects.filter(status=Status.PENDING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    oldest = _seconds_since(pending["oldest"], now)
    late = oldest is not None and oldest > settings.HEALTH_PENDING_LATE_SECONDS
    return {
        "state": "late" if late else OK,
        "pending": pending["count"],
        "oldest_pending_seconds": oldest,
    }


def overall(checks: dict[str, Check]) -> str:
    """Down only when the database is; degraded when anything else is not as it should be."""
    if checks["database"]["state"] != OK:
        return "down"
    if any(check["state"] not in HEALTHY for check in checks.values()):
        return "degraded"
    return OK


def status_report() -> dict[str, Any]:
    checks: dict[str, Check] = {"database": database_check()}
    broker = checks["broker"] = broker_check()
    checks["workers"] = workers_check(broker)
    if checks["database"]["state"] == OK:
        now = timezone.now()
        try:
            checks.update(heartbeat_checks(now))
            checks["notifications"] = outbox_check(now)
        except DatabaseError:
            logger.exception("Health check: reading heartbeats and the outbox failed")
            checks["database"] = {"state": "unreachable"}
    return {"status": overall(checks), "checks": checks}
