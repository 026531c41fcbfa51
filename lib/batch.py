"""Batch jobs that carry on past a bad item.

A job (the escalation run, retention, reminders) walks a list of items. Each item is done in
its own transaction (a savepoint when the job runs inside one): an item that raises is rolled
back alone, logged at ERROR with its key and the exception's type only (an error's text can
quote what a record said), counted in the run's result, and left to wait before it is tried
again: `first_delay` after its first failure, doubling each time up to `max_delay`. While it
waits the job skips it, so one bad item neither stops the items behind it nor takes every run's
time by sorting first forever.

The failure counts live in the cache (Redis in production, shared by every worker), under
`batch:<job>:<key>`, and are forgotten once the item succeeds. With a cache local to each
process, or none reachable, an item is only tried again sooner than it would be: it still never
stops the others, because that rests on the transaction per item, not on the cache.
"""

import datetime
import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_DELAY = datetime.timedelta(minutes=1)
MAX_DELAY = datetime.timedelta(hours=6)
# How long a failure count is kept for an item that is never tried again (it stopped being due).
KEEP_FAILURES_SECONDS = 7 * 24 * 3600


@dataclass
class BatchRun:
    """What one run of a job did, by item key."""

    job: str
    done: list[Hashable] = field(default_factory=list)
    skipped: list[Hashable] = field(default_factory=list)  # nothing to do once re-read
    failed: list[Hashable] = field(default_factory=list)
    waiting: list[Hashable] = field(default_factory=list)  # failed before; not due again yet
    outcomes: dict[Hashable, object] = field(default_factory=dict)  # what work() returned

    def summary(self) -> dict[str, int]:
        """Counts only: what a Celery task returns and a log line carries."""
        return {
            "done": len(self.done),
            "skipped": len(self.skipped),
            "failed": len(self.failed),
            "waiting": len(self.waiting),
        }


def _cache_key(job: str, key: Hashable) -> str:
    return f"batch:{job}:{key}"


def failures_of(job: str, key: Hashable) -> dict[str, Any] | None:
    """{"count": failures so far, "retry_at": POSIX time before which it is not tried}."""
    try:
        return cache.get(_cache_key(job, key))
    except Exception:
        logger.warning("The cache cannot be reached: %s does not know past failures", job)
        return None


def _record_failure(
    job: str,
    key: Hashable,
    previous: dict[str, Any] | None,
    now: datetime.datetime,
    first_delay: datetime.timedelta,
    max_delay: datetime.timedelta,
) -> tuple[int, datetime.datetime]:
    count = (previous or {}).get("count", 0) + 1
    delay = min(first_delay * 2 ** (count - 1), max_delay)
    retry_at = now + delay
    try:
        cache.set(
            _cache_key(job, key),
            {"count": count, "retry_at": retry_at.timestamp()},
            KEEP_FAILURES_SECONDS,
        )
    except Exception:
        logger.warning("The cache cannot be reached: %s cannot hold back a failed item", job)
    return count, retry_at


def _forget(job: str, key: Hashable) -> None:
    try:
        cache.delete(_cache_key(job, key))
    except Exception:
        logger.warning("The cache cannot be reached: %s keeps an old failure count", job)


def run_each(
    job: str,
    items: Iterable[T],
    work: Callable[[T], object],
    *,
    key: Callable[[T], Hashable] = lambda item: item.pk,  # type: ignore[attr-defined]
    now: datetime.datetime | None = None,
    first_delay: datetime.timedelta = FIRST_DELAY,
    max_delay: datetime.timedelta = MAX_DELAY,
) -> BatchRun:
    """Call work(item) for each item, each in its own transaction, and carry on past failures.

    `work` returning False means it found nothing to do once it had the item (counted as
    skipped); anything else counts as done, and what it returned is kept in `outcomes`. `key`
    names an item in logs and in the failure counts: an id or a reference, never anything a
    record says.
    """
    now = now or timezone.now()
    run = BatchRun(job)
    for item in items:
        item_key = key(item)
        previous = failures_of(job, item_key)
        if previous and previous["retry_at"] > now.timestamp():
            run.waiting.append(item_key)
            continue
        try:
            with transaction.atomic():
                outcome = work(item)
        except Exception as error:
            count, retry_at = _record_failure(job, item_key, previous, now, first_delay, max_delay)
            logger.error(
                "%s: item %s failed (%s), %s time(s) now; not tried again before %s",
                job,
                item_key,
                type(error).__name__,
                count,
                retry_at.isoformat(timespec="seconds"),
            )
            # The traceback (which may quote data) only for whoever turns on debug logging.
            logger.debug("%s: item %s failed", job, item_key, exc_info=True)
            run.failed.append(item_key)
            continue
        if previous:
            _forget(job, item_key)
        (run.skipped if outcome is False else run.done).append(item_key)
        run.outcomes[item_key] = outcome
    if run.failed:
        logger.error("%s: %s", job, run.summary())
    else:
        logger.info("%s: %s", job, run.summary())
    return run
