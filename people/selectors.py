"""Reads about people and where they work, scoped by who is asking."""

from django.db.models import Q

from people.models import Membership, Role, School, User


def memberships_for(user: User) -> list[Membership]:
    """The person's memberships in force today or starting later (a new joiner is invited
    before their first day), with their school or trust, in one query."""
    return list(
        Membership.objects.not_ended()
        .filter(user=user)
        .select_related("school", "school__trust", "trust")
        .order_by("school__name", "trust__name", "role")
    )


def schools_for(user: User) -> list[School]:
    """The schools a person belongs to: their own, and every school of a trust they serve."""
    memberships = Membership.objects.current().filter(user=user)
    return list(
        School.objects.filter(
            Q(id__in=memberships.values("school_id"))
            | Q(trust_id__in=memberships.filter(trust__isnull=False).values("trust_id"))
        ).select_related("trust")
    )


def holders_of(role: Role, school: School) -> list[User]:
    """Who holds a role at a school today, counting trust-level holders for trust roles."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.current().covering(school).filter(role=role),
        ).distinct()
    )
