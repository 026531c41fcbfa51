"""Reads of policies and their versions, each a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from people.models import User
from policies.models import Clause, Policy, PolicyVersion, VersionStatus
from policies.permissions import editable_policies, readable_policies

REVIEW_WARNING_DAYS = 60


@dataclass
class PolicyRow:
    policy: Policy
    current: PolicyVersion | None
    draft: PolicyVersion | None
    editable: bool


def policy_rows(user: User) -> list[PolicyRow]:
    """Every policy the person may read, with its current and draft version (three queries)."""
    policies = list(readable_policies(user).select_related("school", "trust").order_by("title"))
    editable = set(editable_policies(user).values_list("pk", flat=True))
    versions = PolicyVersion.objects.filter(
        policy__in=policies, status__in=[VersionStatus.PUBLISHED, VersionStatus.DRAFT]
    )
    current = {v.policy_id: v for v in versions if v.status == VersionStatus.PUBLISHED}
    drafts = {v.policy_id: v for v in versions if v.status == VersionStatus.DRAFT}
    return [
        PolicyRow(
            policy=p,
            current=current.get(p.pk),
            draft=drafts.get(p.pk) if p.pk in editable else None,
            editable=p.pk in editable,
        )
        for p in policies
    ]


def due_for_review(user: User, *, today: datetime.date | None = None) -> QuerySet[PolicyVersion]:
    """Current versions of the policies this person owns whose review falls due soon or has."""
    today = today or timezone.localdate()
    return (
        PolicyVersion.objects.filter(
            status=VersionStatus.PUBLISHED,
            policy__in=editable_policies(user),
            review_due__lte=today + datetime.timedelta(days=REVIEW_WARNING_DAYS),
        )
        .select_related("policy", "policy__school", "policy__trust")
        .order_by("review_due")
    )


def version_with_history(
    policy: Policy, number: int | None, *, editable: bool
) -> tuple[PolicyVersion, list[PolicyVersion]]:
    """A version of the policy by number, or the current one (drafts only for its editors), and
    every version that has been published, newest first: one query (a policy has a few)."""
    versions = list(policy.versions.select_related("published_by").order_by("-number"))
    if number is None:
        version = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
    else:
        version = next((v for v in versions if v.number == number), None)
    if version is None or (version.is_draft and not editable):
        raise Http404("No such version")
    return version, [v for v in versions if not v.is_draft]


def version_for_reading(policy: Policy, number: int | None, *, editable: bool) -> PolicyVersion:
    return version_with_history(policy, number, editable=editable)[0]


def clauses_of(version: PolicyVersion, *, query: str = "") -> list[Clause]:
    clauses = version.clauses.all()
    if query:
        clauses = clauses.filter(Q(text__icontains=query) | Q(section__icontains=query))
    return list(clauses)


def previous_published(version: PolicyVersion) -> PolicyVersion | None:
    return (
        version.policy.versions.exclude(status=VersionStatus.DRAFT)
        .filter(number__lt=version.number)
        .order_by("-number")
        .first()
    )


# The public text of published versions (DESIGN.md: anyone may check a receipt without an
# account). Only versions that were published: a draft is nobody's business outside the school.


def public_version(owner_slug: str, policy_pk: int, number: int) -> PolicyVersion:
    """A published or superseded version of a policy of the school or trust `owner_slug`,
    or 404 alike for a draft, a wrong owner or a version that does not exist (one query)."""
    try:
        return (
            PolicyVersion.objects.filter(
                Q(policy__school__slug=owner_slug) | Q(policy__trust__slug=owner_slug),
                policy_id=policy_pk,
                number=number,
                status__in=[VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED],
            )
            .select_related("policy__school", "policy__trust")
            .get()
        )
    except PolicyVersion.DoesNotExist:
        raise Http404("No such published version") from None
