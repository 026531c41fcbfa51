"""Who administers a school's or trust's single sign-on: as for its people, the Head (and the
trust's Head of HR for its schools); for the trust itself, the trust's Head of HR."""

from django.core.exceptions import PermissionDenied

from audit.refusal import Refused
from people.models import Membership, Role, School, Trust, User
from people.permissions import school_for_manager


def school_for_sign_in_manager(user: User, slug: str) -> School:
    return school_for_manager(user, slug)


def trust_for_sign_in_manager(user: User, slug: str) -> Trust:
    """The trust, 404 if the person has no place there, 403 unless its Head of HR."""
    trust = Trust.objects.filter(slug=slug).first()
    current = Membership.objects.current().filter(user=user)
    if trust is None or not (
        current.filter(trust=trust).exists() or current.filter(school__trust=trust).exists()
    ):
        raise Refused("No such trust")
    if not current.filter(trust=trust, role=Role.TRUST_HR).exists():
        raise PermissionDenied("Only the trust's Head of HR manages the trust's sign-in.")
    return trust
