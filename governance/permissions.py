"""Who sees which dashboard. Every dashboard view reaches its school or trust through here.

- A school's dashboard: its current governors, Chair and Head, and the trust-level governance
  roles (trustees, the trust's Head of HR, its Data Protection Lead) of the trust it belongs to.
- A trust's dashboard: those trust-level roles only.

Anyone else with a place at the school or trust gets 403; anyone with none, 404, so nothing
tells them that the school or trust is in the portal.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from audit.refusal import Refused
from people.models import Membership, Role, School, Trust, User

SCHOOL_ROLES = frozenset({Role.GOVERNOR, Role.CHAIR, Role.HEAD})
# At trust level a governor or Chair is a trustee or the Chair of trustees.
TRUST_ROLES = frozenset({Role.GOVERNOR, Role.CHAIR, Role.TRUST_HR, Role.DPL})


def school_for_user(user: User, slug: str) -> School:
    """The school, 404 if the person has no place there, 403 if they may not see its figures."""
    school = School.objects.select_related("trust").filter(slug=slug).first()
    if school is None:
        raise Refused("No such school")
    places = list(
        Membership.objects.current()
        .covering(school)
        .filter(user=user)
        .values_list("role", "school_id")
    )
    if not places:
        raise Refused("No such school")
    if not any(role in (SCHOOL_ROLES if school_id else TRUST_ROLES) for role, school_id in places):
        raise PermissionDenied("The dashboard is for governors, the Chair and the Head.")
    return school


def trust_for_user(user: User, slug: str) -> Trust:
    """The trust, 404 if the person has no place in it, 403 if they hold no trust-level
    governance role."""
    trust = Trust.objects.filter(slug=slug).first()
    if trust is None:
        raise Refused("No such trust")
    places = list(
        Membership.objects.current()
        .filter(Q(trust=trust) | Q(school__trust=trust), user=user)
        .values_list("role", "trust_id")
    )
    if not places:
        raise Refused("No such trust")
    if not any(trust_id and role in TRUST_ROLES for role, trust_id in places):
        raise PermissionDenied("The trust's dashboard is for its trustees and trust officers.")
    return trust
