"""Reads of a person's own in-app notifications: nobody reads anyone else's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from notifications.models import Channel, Notification, Status

if TYPE_CHECKING:
    from people.models import User

LIST_LENGTH = 50

# Which reports a person may still read notifications about is incidents' rule: the cases that
# reach them today (incidents.selectors.cases_visible_to). incidents sends notifications, so
# notifications does not import it: incidents hands the rule over at start (incidents/apps.py).
_rules: dict[str, Callable[[User], QuerySet]] = {}


def cases_visible_rule(rule: Callable[[User], QuerySet]) -> None:
    _rules["cases"] = rule


def _cases_visible_to(user: User) -> QuerySet:
    return _rules["cases"](user)


def inbox(user: User) -> QuerySet[Notification]:
    """In-app notifications delivered to the person, newest first. A notification about a report
    stays only while the report still reaches them (or is their own, for its status): a
    recipient whose role ended no longer reads even its reference and school here."""
    return Notification.objects.filter(
        Q(incident__isnull=True)
        | Q(incident__reporter=user)
        | Q(incident__in=_cases_visible_to(user)),
        recipient=user,
        channel=Channel.IN_APP,
        status=Status.SENT,
    ).order_by("-created_at", "-pk")


def latest(user: User) -> list[Notification]:
    """The latest in-app notifications with their report and school: one query."""
    return list(inbox(user).select_related("incident", "incident__school")[:LIST_LENGTH])


def unread_count(user: User) -> int:
    return inbox(user).filter(read_at__isnull=True).count()
