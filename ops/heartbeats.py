"""Scheduled tasks say when they last ran, so the status endpoint can tell a stopped beat."""

from django.utils import timezone

from ops.health import HEARTBEATS
from ops.models import Heartbeat

WATCHED = frozenset(HEARTBEATS.values())  # the tasks' names, which are their heartbeats' too


def heartbeat_record(name: str) -> None:
    # One upsert: no read first, and two runs at once cannot collide on the first insert.
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, at=timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["at"],
    )


def heartbeat_on_success(sender=None, **kwargs) -> None:
    """Celery's task_success (connected in apps.py): a watched beat task (`health.HEARTBEATS`)
    that finished records its heartbeat. A run that raises does not, so a task failing every
    minute shows as late rather than as healthy. Through the signal, because the tasks are
    the domain apps' and ops sits above them: they need not know they are watched."""
    if sender is not None and sender.name in WATCHED:
        heartbeat_record(sender.name)
