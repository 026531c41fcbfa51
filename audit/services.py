"""The one way to write the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.http import HttpRequest

from audit.models import AuditEvent
from lib.client import client_ip

if TYPE_CHECKING:  # the log knows the people app only by name (people imports audit)
    from people.models import School, User


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    school: School | None = None,
    record: models.Model | None = None,
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event. `detail` says what kind of change it was, never what it contained."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is None or actor.pk else None,
        school=school,
        record=f"{record._meta.label} {record.pk}" if record is not None else "",
        detail=detail[:300],
        ip_address=client_ip(request),
    )
