"""Writes to the outbox: notifications written with their event, delivered, swept, read.

A notification is created in the same transaction as the event it is about, and handed to
Celery only once that transaction commits. Delivery claims the row before sending, so however
many messages about one row reach however many workers, it is sent once; a worker that dies
mid-delivery leaves the row pending, and the sweeper queues it again once its claim lapses.
"""

import datetime
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications.email import (
    render_templated_email,
    send_rendered_email,
    send_templated_email,
)
from notifications.models import Channel, Kind, Notification, NotificationAttempt, Status
from people.models import User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Seconds to wait before the next attempt, after the 1st, 2nd, 3rd and 4th failure.
BACKOFF_SECONDS = (30, 120, 600, 1800)
# A delivery holds its row this long; it must outlast the task's hard time limit (tasks.py).
DEFAULT_CLAIM_SECONDS = 120
SWEEP_AFTER = datetime.timedelta(minutes=1)
SWEEP_BATCH = 500
# Publishing to a broker that is down gives up quickly: the sweeper queues the row again later.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
NOTIFICATION_ID_HEADER = "X-Notification-Id"
# After a publish fails, this process does not try the broker for this long, rather than make
# every request that writes a notification wait out the retries again.
BROKER_REST_SECONDS = 5
HELD_AT_MOST = 5000


@dataclass
class BrokerState:
    """What this process knows of the broker: until when it leaves it alone after a failure,
    and the deliveries it held meanwhile, queued with the next ones once it tries again. They
    are pending rows, so the sweeper queues them too if this process never gets to."""

    resting_until: float = 0.0
    held: list[tuple[int, bool]] = field(default_factory=list)


broker = BrokerState()


def _claim_seconds() -> int:
    return int(getattr(settings, "NOTIFICATIONS_CLAIM_SECONDS", DEFAULT_CLAIM_SECONDS))


def notifications_create(
    *, recipients: Iterable[User], kind: Kind, urgent: bool = False, incident=None
) -> list[Notification]:
    """One e-mail and one in-app notification per recipient, queued once the event commits.

    Call it inside the transaction that writes the event: if that rolls back, so do these rows,
    and nothing is queued.
    """
    rows = [
        Notification(recipient=user, incident=incident, kind=kind, urgent=urgent, channel=channel)
        for user in recipients
        for channel in (Channel.IN_APP, Channel.EMAIL)
    ]
    Notification.objects.bulk_create(rows)
    transaction.on_commit(partial(deliveries_queue, [(row.pk, row.urgent) for row in rows]))
    logger.info("%s notifications (%s) written%s", len(rows), kind, " as urgent" if urgent else "")
    return rows


def email_queue(
    *, recipient: User, template: str, context: dict, secret: bool = False
) -> Notification:
    """An e-mail that is not about a case (a reminder, a decision, an invitation) through the
    outbox: rendered now, inside the caller's transaction, delivered by a worker once it commits,
    retried if the relay is down. `secret`: the message holds a link that signs someone in, and
    is emptied from the outbox once sent."""
    message = render_templated_email(template, {"recipient": recipient, **context})
    notification = Notification.objects.create(
        recipient=recipient,
        kind=Kind.MESSAGE,
        channel=Channel.EMAIL,
        message={**message, "secret": secret},
    )
    transaction.on_commit(partial(deliveries_queue, [(notification.pk, False)]))
    return notification


def deliveries_queue(items: list[tuple[int, bool]]) -> int:
    """Hand deliveries to Celery: urgent ones to their own queue. Never raises.

    With no broker configured the tasks run here and now. With a broker that cannot be reached,
    the rows stay pending and the sweeper queues them when it can; for BROKER_REST_SECONDS
    after that, this process holds its deliveries rather than try again (a report would wait
    out the retries), and queues them with the next ones after that.
    """
    from notifications.tasks import deliver, deliver_urgent  # tasks import this module

    if time.monotonic() < broker.resting_until:
        broker.held = (broker.held + items)[-HELD_AT_MOST:]
        logger.warning(
            "The broker failed a moment ago: notifications %s held", [p for p, _ in items]
        )
        return 0
    items, broker.held = broker.held + items, []
    queued = []
    for index, (pk, urgent) in enumerate(items):
        task = deliver_urgent if urgent else deliver
        try:
            task.apply_async(args=[pk], retry_policy=PUBLISH_RETRY)
        except Exception as error:
            logger.warning(
                "Notification %s could not be queued now; the sweeper will queue it again",
                pk,
                exc_info=True,
            )
            if isinstance(error, OperationalError | OSError):  # the broker, not the task
                broker.resting_until = time.monotonic() + BROKER_REST_SECONDS
                broker.held = items[index:][-HELD_AT_MOST:]
            break
        queued.append(pk)
    if queued:
        Notification.objects.filter(pk__in=queued, status=Status.PENDING).update(
            queued_at=timezone.now()
        )
    return len(queued)


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent", "skipped", "retry" or "failed"
    retry_in: int | None = None


def notification_deliver(*, notification_id: int, worker: str = "") -> Outcome:
    """Deliver one notification, once, recording the attempt and any error.

    The claim is one UPDATE of a pending row whose previous claim or backoff has run out: two
    workers handed the same id cannot both pass it.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            Notification.objects.filter(pk=notification_id, status=Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + datetime.timedelta(seconds=_claim_seconds()),
            )
        )
        if not claimed:
            logger.info("Notification %s is not due for delivery; skipped", notification_id)
            return Outcome("skipped")
        notification = Notification.objects.select_related(
            "recipient", "incident", "incident__school"
        ).get(pk=notification_id)
        attempt = NotificationAttempt.objects.create(
            notification=notification, number=notification.attempts, worker=worker[:200]
        )
    try:
        _send(notification)
    except Exception as error:
        return _record_failure(notification, attempt, error)
    finished = timezone.now()
    with transaction.atomic():
        sent = {"status": Status.SENT, "sent_at": finished, "next_attempt_at": None}
        if notification.message.get("secret"):
            sent["message"] = {}
        Notification.objects.filter(pk=notification.pk).update(last_error="", **sent)
        NotificationAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=finished, succeeded=True
        )
    logger.info(
        "Notification %s (%s) delivered on attempt %s",
        notification.pk,
        notification.channel,
        notification.attempts,
    )
    return Outcome("sent")


def _send(notification: Notification) -> None:
    if notification.channel == Channel.IN_APP:
        return  # delivered by becoming visible: the bell counts sent in-app notifications
    # Names the outbox row, so a received e-mail can be traced to it (support, the latency
    # benchmark); it says nothing about the case.
    headers = {NOTIFICATION_ID_HEADER: str(notification.pk)}
    to = [notification.recipient.email]
    if notification.kind == Kind.MESSAGE:
        send_rendered_email(notification.message, to=to, headers=headers)
        return
    incident = notification.incident
    # Only what says "something needs attention": never a case's details (DESIGN.md).
    context = {
        "recipient": notification.recipient,
        "urgent": notification.urgent,
        "link": notification.link,
        "reference": incident.reference if incident else "",
        "school": incident.school.name if incident else "",
    }
    send_templated_email(notification.kind, to=to, context=context, headers=headers)


def _record_failure(
    notification: Notification, attempt: NotificationAttempt, error: Exception
) -> Outcome:
    text = f"{type(error).__name__}: {error}"[:2000]
    final = notification.attempts >= MAX_ATTEMPTS
    backoff = None if final else BACKOFF_SECONDS[min(notification.attempts, MAX_ATTEMPTS) - 1]
    now = timezone.now()
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=Status.FAILED if final else Status.PENDING,
            last_error=text,
            next_attempt_at=None if final else now + datetime.timedelta(seconds=backoff),
        )
        NotificationAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=now, succeeded=False, error=text
        )
    if final:
        logger.error(
            "Notification %s failed for good after %s attempts: %s",
            notification.pk,
            notification.attempts,
            type(error).__name__,
        )
        return Outcome("failed")
    logger.warning(
        "Notification %s attempt %s failed (%s); next in %ss",
        notification.pk,
        notification.attempts,
        type(error).__name__,
        backoff,
    )
    return Outcome("retry", retry_in=backoff)


def pending_requeue(*, older_than: datetime.timedelta = SWEEP_AFTER) -> int:
    """The sweeper: queue again every notification still pending after a minute.

    It skips rows a worker holds or that wait for their backoff, and rows queued again less
    than a minute ago. Urgent ones go first.
    """
    now = timezone.now()
    cutoff = now - older_than
    due = list(
        Notification.objects.filter(status=Status.PENDING, created_at__lte=cutoff)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=cutoff))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("-urgent", "created_at", "pk")
        .values_list("pk", "urgent")[:SWEEP_BATCH]
    )
    if not due:
        return 0
    queued = deliveries_queue(due)
    logger.info("Sweeper queued %s of %s pending notifications again", queued, len(due))
    return queued


@transaction.atomic
def notifications_retry(*, notifications: Iterable[Notification]) -> int:
    """Give failed notifications a fresh set of attempts (support's admin action)."""
    ids = [n.pk for n in notifications]
    rows = Notification.objects.filter(pk__in=ids, status=Status.FAILED)
    items = list(rows.values_list("pk", "urgent"))
    rows.update(status=Status.PENDING, attempts=0, next_attempt_at=None, queued_at=None)
    transaction.on_commit(partial(deliveries_queue, items))
    return len(items)


def notifications_mark_read(*, user: User, incident=None) -> int:
    """Mark the person's in-app notifications read: all of them, or those about one incident."""
    unread = Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, status=Status.SENT, read_at__isnull=True
    )
    if incident is not None:
        unread = unread.filter(incident=incident)
    return unread.update(read_at=timezone.now())
