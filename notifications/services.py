"""Writes to the outbox: notifications written with their event, delivered, swept, read.

A notification is created in the same transaction as the event it is about. An in-app one is
delivered by being written: it is in the recipient's bell the moment that transaction commits,
with no worker involved. An e-mail is handed to Celery only once the transaction commits.
Delivery claims the row before sending, so however many messages about one row reach however
many workers, only one sends at a time; a worker that dies mid-delivery leaves the row pending,
and the sweeper queues it again once its claim lapses. E-mail is therefore delivered at least
once: a worker killed after the relay accepted a message and before the row was marked sent
sends it again, under the same Message-ID.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from lib.prepared import prepared
from notifications.email import (
    render_templated_email,
    send_rendered_email,
    send_templated_email,
)
from notifications.models import Channel, Kind, Notification, NotificationAttempt, Status

if TYPE_CHECKING:
    from people.models import User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Seconds to wait before the next attempt, after the 1st, 2nd, 3rd and 4th failure.
BACKOFF_SECONDS = (30, 120, 600, 1800)
# An urgent alert (Prevent, indecent images, a pupil at risk) must not sit out a 10 or 30 minute
# backoff once the relay is back: it waits 10 s, 20 s, 30 s... never more than a minute, and is
# tried for at least as long as any other notification (about 46 minutes) before it fails.
URGENT_BACKOFF_STEP_SECONDS = 10
URGENT_BACKOFF_CAP_SECONDS = 60
URGENT_MAX_ATTEMPTS = 50
# The tasks that deliver one row (tasks.py): an ordinary one, and an urgent one on its queue.
DELIVERY_TASKS = ("notifications.deliver", "notifications.deliver_urgent")
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
    *,
    recipients: Iterable[User],
    kind: Kind,
    urgent: bool = False,
    incident=None,
    link: str = "",
    email: bool = True,
) -> list[Notification]:
    """One in-app notification and one e-mail per recipient.

    `link`: where they open, when not the case page (Notification.url). `email=False`: in-app
    only, for an event whose e-mail goes out on its own (a decision's, through email_queue).

    Call it inside the transaction that writes the event: if that rolls back, so do these rows,
    and nothing is queued. The in-app row is written already sent, so the bell shows it the
    moment the event commits even with every worker down (an urgent Prevent alert must not wait
    for one); only the e-mail goes through a worker, queued once the event commits.
    """
    now = timezone.now()
    rows = []
    for user in recipients:
        common = {
            "recipient": user, "incident": incident, "kind": kind, "urgent": urgent, "url": link
        }  # fmt: skip
        rows.append(
            Notification(
                **common, channel=Channel.IN_APP, status=Status.SENT, created_at=now, sent_at=now
            )
        )
        if email:
            # Written as queued: handed to the broker as the event commits, rather than one more
            # UPDATE per event saying so (deliveries_queue clears it for what fails to be).
            rows.append(
                Notification(**common, channel=Channel.EMAIL, created_at=now, queued_at=now)
            )
    Notification.objects.bulk_create(rows)
    emails = [(row.pk, row.urgent) for row in rows if row.channel == Channel.EMAIL]
    if emails:
        transaction.on_commit(partial(deliveries_queue, emails, marked=True))
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


def deliveries_queue(items: list[tuple[int, bool]], *, marked: bool = False) -> int:
    """Hand deliveries to Celery: urgent ones to their own queue. Never raises.

    With no broker configured the tasks run here and now. With a broker that cannot be reached,
    the rows stay pending and the sweeper queues them when it can; for BROKER_REST_SECONDS
    after that, this process holds its deliveries rather than try again (a report would wait
    out the retries), and queues them with the next ones after that.

    `marked`: the rows of `items` were written with `queued_at` set (notifications_create), so
    it is cleared for those that could not be queued, instead of set for those that were. For
    the sweeper the two are the same: it looks only at rows created more than a minute ago.
    """
    # By name from Celery's registry (apps.py loads tasks.py), because tasks import this module.
    deliver, deliver_urgent = (current_app.tasks[name] for name in DELIVERY_TASKS)
    if time.monotonic() < broker.resting_until:
        broker.held = (broker.held + items)[-HELD_AT_MOST:]
        logger.warning(
            "The broker failed a moment ago: notifications %s held", [p for p, _ in items]
        )
        if marked:
            _unmark([pk for pk, _ in items])
        return 0
    held, broker.held = broker.held, []
    items = held + items
    queued, left = [], []
    for index, (pk, urgent) in enumerate(items):
        task = deliver_urgent if urgent else deliver
        try:
            task.apply_async(args=[pk], retry_policy=PUBLISH_RETRY)
        except (OperationalError, OSError):  # the broker: nothing after this one gets through
            logger.warning(
                "Notification %s could not be queued now; the sweeper will queue it again",
                pk,
                exc_info=True,
            )
            broker.resting_until = time.monotonic() + BROKER_REST_SECONDS
            broker.held = items[index:][-HELD_AT_MOST:]
            left += [pk for pk, _ in items[index:]]
            break
        except Exception as error:
            # Something about this one message, not the broker: the others are queued all the
            # same. Its row stays pending, so the sweeper tries it again a minute later.
            logger.error(
                "Notification %s could not be queued (%s); the others go on",
                pk,
                type(error).__name__,
            )
            left.append(pk)
            continue
        queued.append(pk)
    # Rows held from an earlier call were not written as queued, whatever `marked` says.
    unmarked = {pk for pk, _ in held} if marked else None
    stamp = queued if unmarked is None else [pk for pk in queued if pk in unmarked]
    if stamp:
        Notification.objects.filter(pk__in=stamp, status=Status.PENDING).update(
            queued_at=timezone.now()
        )
    if marked and left:
        _unmark([pk for pk in left if pk not in unmarked])
    return len(queued)


def _unmark(pks: list[int]) -> None:
    """Rows written as queued that were not: the sweeper's to queue."""
    if pks:
        Notification.objects.filter(pk__in=pks, status=Status.PENDING).update(queued_at=None)


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent", "skipped", "retry" or "failed"
    retry_in: int | None = None


# What a delivery reads (_send, and the attempt's outcome): the e-mail says only that something
# needs attention, so of the case no more than where it is and its reference.
_DELIVERY_COLUMNS = (
    "kind", "channel", "urgent", "attempts", "created_at", "url", "message",
    "recipient__email", "recipient__full_name", "incident__school__name",
)  # fmt: skip


@prepared(pk=int)
def _delivered(pk: int) -> QuerySet[Notification]:
    return (
        Notification.objects.select_related("recipient", "incident__school")
        .only(*_DELIVERY_COLUMNS)
        .filter(pk=pk)
    )


def notification_deliver(*, notification_id: int, worker: str = "") -> Outcome:
    """Deliver one notification, recording the attempt and any error.

    The claim is one UPDATE of a pending row whose previous claim or backoff has run out: two
    workers handed the same id cannot both pass it. Only a worker that dies between sending and
    marking the row sent leaves it to be sent again once the claim lapses (at least once).
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
        notification = _delivered.one(pk=notification_id)
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


def backoff_seconds(*, attempt: int, urgent: bool) -> int | None:
    """Seconds to wait after the `attempt`-th failed attempt before the next; None after the
    last one, when the notification is marked failed."""
    if urgent:
        if attempt >= URGENT_MAX_ATTEMPTS:
            return None
        return min(URGENT_BACKOFF_STEP_SECONDS * attempt, URGENT_BACKOFF_CAP_SECONDS)
    if attempt >= MAX_ATTEMPTS:
        return None
    return BACKOFF_SECONDS[attempt - 1]


def notification_message_id(notification: Notification) -> str:
    """The e-mail's Message-ID, derived from its outbox row alone, so every send of one row
    carries the same one. Delivery is at least once (a worker killed after the relay accepted
    the message sends it again); the same Message-ID lets mail clients and relays recognise the
    resend as the message they already have. Django would otherwise make a new one per send.

    The row's creation time is hashed in so that two databases (another school's portal, a
    restored backup) never give two different messages the same id; nothing about the case.
    """
    created = notification.created_at.astimezone(datetime.UTC).isoformat()
    digest = hashlib.sha256(f"{notification.pk}:{created}".encode()).hexdigest()[:16]
    domain = urlsplit(settings.SITE_URL).hostname or "conduct-portal.invalid"
    return f"<notification-{notification.pk}.{digest}@{domain}>"


def _send(notification: Notification) -> None:
    if notification.channel == Channel.IN_APP:
        # In-app rows are written sent (notifications_create); one left pending by an older
        # release, or queued again from the admin, is delivered by becoming visible.
        return
    # X-Notification-Id names the outbox row, so a received e-mail can be traced to it
    # (support, the latency benchmark); neither header says anything about the case.
    headers = {
        NOTIFICATION_ID_HEADER: str(notification.pk),
        "Message-ID": notification_message_id(notification),
    }
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
    backoff = backoff_seconds(attempt=notification.attempts, urgent=notification.urgent)
    final = backoff is None
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


def notifications_mark_read(*, user: User, incident=None, link: str | None = None) -> int:
    """Mark the person's in-app notifications read: all of them, or those about one incident,
    or those that open one page (`link`: a declaration, a request, My reports)."""
    unread = Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, status=Status.SENT, read_at__isnull=True
    )
    if incident is not None:
        unread = unread.filter(incident=incident)
    if link is not None:
        unread = unread.filter(url=link)
    return unread.update(read_at=timezone.now())
