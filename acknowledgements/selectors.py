"""Reads about sign-off, declarations and approval requests, scoped by who is asking."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from acknowledgements.models import (
    ApprovalRequest,
    ApprovalStatus,
    Declaration,
    DeclarationStatus,
    SignOff,
)
from acknowledgements.permissions import decidable
from people.models import Membership, Role, School, StaffCategory, User
from policies.models import Audience, PolicyVersion, VersionStatus

DEFAULT_SIGNOFF_DAYS = 28


@dataclass
class Outstanding:
    version: PolicyVersion
    deadline: datetime.date
    last_signed: SignOff | None  # their sign-off of an earlier version, if any

    @property
    def overdue(self) -> bool:
        return self.deadline < timezone.localdate()


def _applying_to(memberships: list[Membership]) -> Q:
    """The policies that apply to a person with these memberships: their schools' and trusts'."""
    school_ids = {m.school_id for m in memberships if m.school_id}
    trust_ids = {m.trust_id for m in memberships if m.trust_id}
    trust_ids |= {m.school.trust_id for m in memberships if m.school_id and m.school.trust_id}
    return Q(policy__school_id__in=school_ids) | Q(policy__trust_id__in=trust_ids)


def current_versions_for(memberships: list[Membership]) -> list[PolicyVersion]:
    if not memberships:
        return []
    return list(
        PolicyVersion.objects.filter(
            _applying_to(memberships),
            status=VersionStatus.PUBLISHED,
            policy__audience=Audience.STAFF,
        ).select_related("policy", "policy__school", "policy__trust")
    )


def current_versions_for_school(school: School) -> list[PolicyVersion]:
    """The published staff versions in force at a school: its own and its trust's."""
    scope = Q(policy__school=school)
    if school.trust_id:
        scope |= Q(policy__trust_id=school.trust_id)
    return list(
        PolicyVersion.objects.filter(
            scope, status=VersionStatus.PUBLISHED, policy__audience=Audience.STAFF
        ).select_related("policy")
    )


def _covers(membership: Membership, policy) -> bool:
    if policy.school_id:
        return membership.school_id == policy.school_id
    school_trust = membership.school.trust_id if membership.school_id else None
    return policy.trust_id in (membership.trust_id, school_trust)


def _deadline(version: PolicyVersion, memberships: list[Membership]) -> datetime.date:
    """Counted from publication, or from a new joiner's start date if that is later."""
    relevant = [m for m in memberships if _covers(m, version.policy)]
    published = timezone.localdate(version.published_at)
    joined = min((m.starts_on for m in relevant), default=published)
    started = max(published, joined)
    school = version.policy.school or next((m.school for m in relevant if m.school_id), None)
    days = school.signoff_days if school else DEFAULT_SIGNOFF_DAYS
    return started + datetime.timedelta(days=days)


def outstanding_for(user: User, memberships: list[Membership]) -> list[Outstanding]:
    """Current versions the person must sign and has not, soonest deadline first (2 queries)."""
    versions = current_versions_for(memberships)
    if not versions:
        return []
    signed = list(
        SignOff.objects.filter(user=user, version__policy__in=[v.policy_id for v in versions])
        .select_related("version")
        .order_by("version__number")
    )
    signed_ids = {s.version_id for s in signed}
    latest = {s.version.policy_id: s for s in signed}
    items = [
        Outstanding(v, _deadline(v, memberships), latest.get(v.policy_id))
        for v in versions
        if v.pk not in signed_ids
    ]
    return sorted(items, key=lambda item: item.deadline)


def signoffs_for(user: User) -> list[SignOff]:
    return list(
        SignOff.objects.filter(user=user).select_related(
            "version", "version__policy", "version__policy__school", "version__policy__trust"
        )
    )


# The Head's view.


@dataclass
class SignOffRow:
    user: User
    category: str
    signoff: SignOff | None


def signoff_status(
    school: School, version: PolicyVersion, *, category: str = ""
) -> list[SignOffRow]:
    """Everyone at the school with whether and when they signed this version (2 queries)."""
    memberships = (
        Membership.objects.current()
        .filter(school=school)
        .select_related("user")
        .order_by("user__full_name", "role")
    )
    if category:
        memberships = memberships.filter(staff_category=category)
    by_user: dict[int, Membership] = {}
    for membership in memberships:
        by_user.setdefault(membership.user_id, membership)
    signoffs = {s.user_id: s for s in SignOff.objects.filter(version=version, user_id__in=by_user)}
    return [
        SignOffRow(m.user, StaffCategory(m.staff_category).label, signoffs.get(user_id))
        for user_id, m in by_user.items()
    ]


def pending_declarations(user: User) -> QuerySet[Declaration]:
    return (
        decidable(Declaration, user)
        .filter(status=DeclarationStatus.PENDING)
        .select_related("user", "school")
        .order_by("created_at")
    )


def pending_requests(user: User) -> QuerySet[ApprovalRequest]:
    return (
        decidable(ApprovalRequest, user)
        .filter(status=ApprovalStatus.PENDING)
        .select_related("user", "school")
        .order_by("created_at")
    )


def declarations_for(user: User) -> list[Declaration]:
    return list(Declaration.objects.filter(user=user).select_related("school"))


def requests_for(user: User) -> list[ApprovalRequest]:
    return list(ApprovalRequest.objects.filter(user=user).select_related("school"))


def schools_headed_by(user: User) -> list[School]:
    return list(
        School.objects.filter(
            memberships__in=Membership.objects.current().filter(user=user, role=Role.HEAD)
        ).distinct()
    )
