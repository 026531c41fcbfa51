"""Thin tasks: load by id, call the service, retry with backoff. The truth is in the outbox."""

import datetime

from celery import Task, shared_task

from notifications.services import (
    MAX_ATTEMPTS,
    URGENT_MAX_ATTEMPTS,
    notification_deliver,
    pending_requeue,
)

# The lease a delivery holds (services.DEFAULT_CLAIM_SECONDS) outlasts the hard limit.
DELIVERY_LIMITS = {"soft_time_limit": 60, "time_limit": 90}


def _deliver(task: Task, notification_id: int) -> str:
    outcome = notification_deliver(
        notification_id=notification_id, worker=task.request.hostname or ""
    )
    # In-process (no broker) a failed delivery is left to the sweeper rather than retried at once.
    if outcome.retry_in is not None and not task.request.is_eager:
        raise task.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(
    bind=True, name="notifications.deliver", acks_late=True, max_retries=MAX_ATTEMPTS,
    **DELIVERY_LIMITS,
)  # fmt: skip
def deliver(self, notification_id: int) -> str:
    return _deliver(self, notification_id)


@shared_task(
    bind=True, name="notifications.deliver_urgent", acks_late=True,
    max_retries=URGENT_MAX_ATTEMPTS, **DELIVERY_LIMITS,
)  # fmt: skip
def deliver_urgent(self, notification_id: int) -> str:
    """The same delivery, routed to the urgent queue and its own worker (settings), with the
    urgent backoff: more, shorter retries (services.backoff_seconds)."""
    return _deliver(self, notification_id)


@shared_task(name="notifications.sweep")
def sweep(older_than_seconds: int = 60) -> int:
    return pending_requeue(older_than=datetime.timedelta(seconds=older_than_seconds))
