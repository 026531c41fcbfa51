"""What the people app tells the apps above it, which it may not import (it is the base layer).

`memberships_changed` is sent by people.services whenever memberships are written — added,
ended, imported — with the schools and trusts they belong to, inside the write's transaction.
The apps that keep something derived from who holds which role listen: the dashboards' cache
(governance) and the cases that follow their roles (incidents.handover), each choosing when to
act (now, or once the write commits).
"""

from collections.abc import Iterable

from django.dispatch import Signal

from people.models import Membership

memberships_changed = Signal()  # school_ids: set[int], trust_ids: set[int]
# Asked before a person's roles at a school are reduced (roles set, leaver): each receiver
# answers with a list of sentences saying what would then stop working, for the Head to confirm.
roles_removal_asked = Signal()  # school, user, roles: set[str]


def roles_removal_warnings(*, school, user, roles: set[str]) -> list[str]:
    """What taking these roles from the person would leave without anyone (nothing to say: [])."""
    if not roles:
        return []
    answers = roles_removal_asked.send(sender=Membership, school=school, user=user, roles=roles)
    return [sentence for _, sentences in answers for sentence in sentences or []]


def memberships_written(
    *, school_ids: Iterable[int | None] = (), trust_ids: Iterable[int | None] = ()
) -> None:
    memberships_changed.send(
        sender=Membership,
        school_ids={pk for pk in school_ids if pk},
        trust_ids={pk for pk in trust_ids if pk},
    )
