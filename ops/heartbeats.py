"""Scheduled tasks say when they last ran, so the status endpoint can tell a stopped beat."""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.utils import timezone

from ops.models import Heartbeat

P = ParamSpec("P")
R = TypeVar("R")


def heartbeat_record(name: str) -> None:
    # One upsert: no read first, and two runs at once cannot collide on the first insert.
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, at=timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["at"],
    )


def records_heartbeat(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a task: each run that finishes records its heartbeat. A run that raises does
    not, so a task failing every minute shows as late rather than as healthy."""

    def decorate(task: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(task)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            result = task(*args, **kwargs)
            heartbeat_record(name)
            return result

        return run

    return decorate
