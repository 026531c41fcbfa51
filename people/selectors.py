"""Reads about people and where they work, scoped by who is asking."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from lib.prepared import prepared
from people.models import Membership, Role, School, User


def memberships_for(user: User) -> list[Membership]:
    """The person's memberships in force today or starting later (a new joiner is invited
    before their first day), with their school or trust, in one query."""
    return _memberships.all(user=user.pk, today=timezone.localdate())


@prepared(user=int, today=datetime.date)
def _memberships(user: int, today: datetime.date) -> QuerySet[Membership]:
    return (
        Membership.objects.not_ended(today)
        .filter(user=user)
        .select_related("school", "school__trust", "trust")
        .order_by("school__name", "trust__name", "role")
    )


def schools_for(user: User) -> list[School]:
    """The schools a person belongs to: their own, and every school of a trust they serve.

    One query for their memberships with their schools, and one more only for someone who
    serves a trust: cheaper, for most people, than one query with two subqueries to build.
    """
    schools: dict[int, School] = {}
    trusts: set[int] = set()
    for membership in _current_roles.all(user=user.pk, today=timezone.localdate()):
        if membership.school_id:
            schools.setdefault(membership.school_id, membership.school)
        if membership.trust_id:
            trusts.add(membership.trust_id)
    if trusts:
        for school in School.objects.filter(trust_id__in=trusts).select_related("trust"):
            schools.setdefault(school.pk, school)
    return list(schools.values())


@prepared(user=int, today=datetime.date)
def _current_roles(user: int, today: datetime.date) -> QuerySet[Membership]:
    return Membership.objects.current(today).filter(user=user).select_related("school__trust")


def holders_of(role: Role, school: School) -> list[User]:
    """Who holds a role at a school today, counting trust-level holders for trust roles."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.current().covering(school).filter(role=role),
        ).distinct()
    )
