"""Who sees which dashboard. Every dashboard view reaches its school or trust through here.

- A school's dashboard: its current governors, Chair and Head, and the trust-level governance
  roles (trustees, the trust's Head of HR, its Data Protection Lead) of the trust it belongs to.
- A trust's dashboard: those trust-level roles only.

Anyone else with a place at the school or trust gets 403; anyone with none, 404, so nothing
tells them that the school or trust is in the portal.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.refusal import Refused
from lib.prepared import prepared
from people.models import Membership, Role, School, Trust, User

SCHOOL_ROLES = frozenset({Role.GOVERNOR, Role.CHAIR, Role.VICE_CHAIR, Role.HEAD})
# At trust level a governor or Chair is a trustee or the Chair of trustees.
TRUST_ROLES = frozenset({Role.GOVERNOR, Role.CHAIR, Role.TRUST_HR, Role.DPL})


def school_for_user(user: User, slug: str) -> School:
    """The school, 404 if the person has no place there, 403 if they may not see its figures.
    One query."""
    school = _school.one(user=user.pk, slug=slug, today=timezone.localdate())
    if school is None or not school.has_place:
        raise Refused("No such school")
    if not school.governs:
        raise PermissionDenied("The dashboard is for governors, the Chair and the Head.")
    return school


@prepared(user=int, slug=str, today=datetime.date)
def _school(user: int, slug: str, today: datetime.date) -> QuerySet[School]:
    mine = Membership.objects.current(today).filter(user=user)
    here, its_trust = Q(school=OuterRef("pk")), Q(trust=OuterRef("trust_id"))
    return (
        School.objects.select_related("trust")
        .filter(slug=slug)
        .annotate(
            has_place=Exists(mine.filter(here | its_trust)),
            governs=Exists(
                mine.filter(here & Q(role__in=SCHOOL_ROLES) | its_trust & Q(role__in=TRUST_ROLES))
            ),
        )
        .order_by("pk")[:1]
    )


def trust_for_user(user: User, slug: str) -> Trust:
    """The trust, 404 if the person has no place in it, 403 if they hold no trust-level
    governance role. One query."""
    mine = Membership.objects.current().filter(user=user)
    itself, its_schools = Q(trust=OuterRef("pk")), Q(school__trust=OuterRef("pk"))
    trust = (
        Trust.objects.filter(slug=slug)
        .annotate(
            has_place=Exists(mine.filter(itself | its_schools)),
            governs=Exists(mine.filter(itself & Q(role__in=TRUST_ROLES))),
        )
        .first()
    )
    if trust is None or not trust.has_place:
        raise Refused("No such trust")
    if not trust.governs:
        raise PermissionDenied("The trust's dashboard is for its trustees and trust officers.")
    return trust
