"""Reads of a person's own in-app notifications: nobody reads anyone else's."""

from django.db.models import Q, QuerySet

from incidents.selectors import cases_visible_to
from notifications.models import Channel, Notification, Status
from people.models import User

LIST_LENGTH = 50


def inbox(user: User) -> QuerySet[Notification]:
    """In-app notifications delivered to the person, newest first. A notification about a report
    stays only while the report still reaches them (or is their own, for its status): a
    recipient whose role ended no longer reads even its reference and school here."""
    return Notification.objects.filter(
        Q(incident__isnull=True)
        | Q(incident__reporter=user)
        | Q(incident__in=cases_visible_to(user)),
        recipient=user,
        channel=Channel.IN_APP,
        status=Status.SENT,
    ).order_by("-created_at", "-pk")


def latest(user: User) -> list[Notification]:
    """The latest in-app notifications with their report and school: one query."""
    return list(inbox(user).select_related("incident", "incident__school")[:LIST_LENGTH])


def unread_count(user: User) -> int:
    return inbox(user).filter(read_at__isnull=True).count()
