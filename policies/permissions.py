"""Who may read and who may change a policy. Every view reaches a policy through here."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from audit.refusal import Refused
from people.models import Membership, Role, User
from policies.models import Policy, PolicyVersion

Action = Literal["read", "edit"]


def _current(user: User) -> QuerySet[Membership]:
    return Membership.objects.current().filter(user=user)


def readable(user: User, path: str = "") -> Exists:
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
    return Exists(_current(user).filter(place))


def readable_policies(user: User) -> QuerySet[Policy]:
    """Policies of every school the person belongs to, and of those schools' trusts; a trust's
    officers read its schools' too (one subquery: `readable`)."""
    return Policy.objects.filter(readable(user))


def editable_policies(user: User) -> QuerySet[Policy]:
    """A school's policies are its Head's to change; a trust's, its named owner's."""
    heads_of = _current(user).filter(role=Role.HEAD, school__isnull=False).values("school_id")
    return Policy.objects.filter(Q(school_id__in=heads_of) | Q(trust__isnull=False, owner=user))


def policy_for_user(user: User, pk: int, *, action: Action = "read") -> Policy:
    """The policy, with `editable` saying whether the person may change it (one query), or 404
    for a policy of another school, or 403 for a reader asked to edit."""
    editable = Exists(editable_policies(user).filter(pk=OuterRef("pk")))
    try:
        policy = (
            readable_policies(user)
            .select_related("school", "trust")
            .annotate(editable=editable)
            .get(pk=pk)
        )
    except Policy.DoesNotExist:
        raise Refused("No such policy") from None
    if action == "edit" and not policy.editable:
        raise PermissionDenied("Only the Head can change this policy.")
    return policy


def version_for_user(user: User, pk: int) -> PolicyVersion:
    """A version of a policy the person may read, with its policy, school and trust (one
    query), or 404 for any other."""
    try:
        return (
            PolicyVersion.objects.select_related("policy__school", "policy__trust")
            .filter(readable(user, "policy__"))
            .get(pk=pk)
        )
    except PolicyVersion.DoesNotExist:
        raise Refused("No such policy") from None
