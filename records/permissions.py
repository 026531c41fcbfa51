"""The Data Protection Lead reads the audit log and exports what is held about a person, for the
schools their role covers (a trust-level lead: every school of the trust)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from audit.refusal import Refused
from people.models import Membership, Role, School, User


def dpl_schools(user: User) -> list[School]:
    leads = Membership.objects.current().filter(user=user, role=Role.DPL)
    return list(
        School.objects.filter(
            Q(id__in=leads.values("school_id")) | Q(trust_id__in=leads.values("trust_id"))
        ).order_by("name")
    )


def schools_for_dpl(user: User) -> list[School]:
    schools = dpl_schools(user)
    if not schools:
        raise PermissionDenied("Only the Data Protection Lead reads the audit log.")
    return schools


def subject_for_dpl(user: User, pk: int) -> tuple[User, list[School]]:
    """A person who has (or had) a role at a school the lead covers; anyone else: 404. Never
    the lead themselves: their own request is answered by someone else (the export lists the
    reports about a person, and nobody may learn that a report about them exists)."""
    schools = schools_for_dpl(user)
    person = User.objects.filter(pk=pk, memberships__school__in=schools).distinct().first()
    if person is None or person.pk == user.pk:
        raise Refused("No such person")
    return person, schools
