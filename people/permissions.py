"""Who manages a school's people: its Head, and the trust's Head of HR for a trust's schools."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from audit.refusal import Refused
from people.models import Membership, Role, School, User


def managed_schools(user: User) -> list[School]:
    current = Membership.objects.current().filter(user=user)
    return list(
        School.objects.filter(
            Q(id__in=current.filter(role=Role.HEAD).values("school_id"))
            | Q(trust_id__in=current.filter(role=Role.TRUST_HR).values("trust_id"))
        ).select_related("trust")
    )


def school_for_manager(user: User, slug: str) -> School:
    """The school, 404 if the person has no place there, 403 if they cannot manage it."""
    school = School.objects.select_related("trust").filter(slug=slug).first()
    if (
        school is None
        or not Membership.objects.current().covering(school).filter(user=user).exists()
    ):
        raise Refused("No such school")
    if school not in managed_schools(user):
        raise PermissionDenied("Only the Head manages the school's people.")
    return school
