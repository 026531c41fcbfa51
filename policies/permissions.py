"""Who may read and who may change a policy. Every view reaches a policy through here."""

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.refusal import Refused
from lib.prepared import prepared
from people.models import Membership, Role, User
from policies.models import Policy, PolicyVersion

Action = Literal["read", "edit"]


Person = User | int  # a person, or their primary key (in a prepared query)


def _current(user: Person, on: datetime.date | None) -> QuerySet[Membership]:
    return Membership.objects.current(on).filter(user=user)


def readable(user: Person, path: str = "", on: datetime.date | None = None) -> Exists:
    """The rule of readable_policies, for a query of policies (`path` "") or of what leads to
    one (`path` "policy__" for versions): a role today at the policy's school or at its
    school's trust, or at the policy's trust or one of its schools. Filtering by it directly,
    rather than by `policy__in=` a query of policies, saves a level of subquery to build."""
    place = (
        Q(school=OuterRef(f"{path}school"))
        | Q(trust=OuterRef(f"{path}school__trust"))
        | Q(trust=OuterRef(f"{path}trust"))
        | Q(school__trust=OuterRef(f"{path}trust"))
    )
    return Exists(_current(user, on).filter(place))


def readable_policies(user: Person, on: datetime.date | None = None) -> QuerySet[Policy]:
    """Policies of every school the person belongs to, and of those schools' trusts; a trust's
    officers read its schools' too (one subquery: `readable`)."""
    return Policy.objects.filter(readable(user, on=on))


def editable_policies(user: Person, on: datetime.date | None = None) -> QuerySet[Policy]:
    """A school's policies are its Head's to change; a trust's, its named owner's."""
    heads_of = _current(user, on).filter(role=Role.HEAD, school__isnull=False).values("school_id")
    return Policy.objects.filter(Q(school_id__in=heads_of) | Q(trust__isnull=False, owner=user))


@prepared(user=int, pk=int, today=datetime.date)
def _policy(user: int, pk: int, today: datetime.date) -> QuerySet[Policy]:
    editable = Exists(editable_policies(user, today).filter(pk=OuterRef("pk")))
    return (
        readable_policies(user, today)
        .select_related("school", "trust")
        .annotate(editable=editable)
        .filter(pk=pk)
    )


def policy_for_user(user: User, pk: int, *, action: Action = "read") -> Policy:
    """The policy, with `editable` saying whether the person may change it (one query), or 404
    for a policy of another school, or 403 for a reader asked to edit."""
    policy = _policy.one(user=user.pk, pk=pk, today=timezone.localdate())
    if policy is None:
        raise Refused("No such policy")
    if action == "edit" and not policy.editable:
        raise PermissionDenied("Only the Head can change this policy.")
    return policy


def version_for_user(user: User, pk: int) -> PolicyVersion:
    """A version of a policy the person may read, with its policy, school and trust (one
    query), or 404 for any other."""
    version = _version.one(user=user.pk, pk=pk, today=timezone.localdate())
    if version is None:
        raise Refused("No such policy")
    return version


@prepared(user=int, pk=int, today=datetime.date)
def _version(user: int, pk: int, today: datetime.date) -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.select_related("policy__school", "policy__trust").filter(
        readable(user, "policy__", today), pk=pk
    )
