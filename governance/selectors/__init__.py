"""Reads for the governors' dashboard.

Every figure is an aggregate computed by the database, and a dashboard takes the same number
of queries however many people, sign-offs, declarations or incidents there are (and, for a
trust, however many schools). Each section of the page is built by one function, from a
`Scope` (a school, or a trust and its schools); `sections` puts them in order.
"""

import datetime

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from governance.cache import dashboard_cached
from governance.figures import Dashboard, Section
from governance.periods import Period
from governance.permissions import SCHOOL_ROLES, TRUST_ROLES
from governance.selectors.allegations import allegations_section
from governance.selectors.incidents import Tally, incidents_section
from governance.selectors.reviews import reviews_section
from governance.selectors.scope import Scope
from governance.selectors.signoff import signoff_section
from governance.selectors.triage import escalations_section, time_to_acknowledge_section
from governance.selectors.waiting import waiting_section
from lib.prepared import prepared
from people.models import Membership, School, Trust, User
from policies.models import Audience, PolicyVersion, VersionStatus

__all__ = ["Scope", "dashboards_for", "school_dashboard", "sections", "trust_dashboard"]


def dashboards_for(user: User) -> list[tuple[str, str]]:
    """The dashboards a person may open, as (name, url): their trusts', then schools'. One query
    of their governing roles; a second, of the trusts' schools, only for a trust-level role."""
    roles = _governing_roles.all(user=user.pk, today=timezone.localdate())
    trusts = {m.trust for m in roles if m.trust_id}
    schools = {m.school for m in roles if m.school_id}
    if trusts:
        schools.update(School.objects.filter(trust__in=trusts))
    return [
        (t.name, reverse("governance:trust", args=[t.slug])) for t in sorted(trusts, key=_name)
    ] + [(s.name, reverse("governance:school", args=[s.slug])) for s in sorted(schools, key=_name)]


@prepared(user=int, today=datetime.date)
def _governing_roles(user: int, today: datetime.date) -> QuerySet[Membership]:
    return (
        Membership.objects.current(today)
        .filter(
            Q(trust__isnull=False, role__in=TRUST_ROLES)
            | Q(school__isnull=False, role__in=SCHOOL_ROLES)
        )
        .filter(user=user)
        .select_related("school", "trust")
    )


def _name(place: School | Trust) -> str:
    return place.name


def school_dashboard(
    school: School, period: Period, *, today: datetime.date | None = None
) -> Dashboard:
    return _dashboard(Scope.of_school(school), period, today)


def trust_dashboard(
    trust: Trust, period: Period, *, today: datetime.date | None = None
) -> Dashboard:
    schools = list(trust.schools.order_by("name"))
    return _dashboard(Scope.of_trust(trust, schools), period, today)


def _dashboard(scope: Scope, period: Period, today: datetime.date | None) -> Dashboard:
    """Computed once for each change to what it counts, and kept (governance.cache)."""
    today = today or timezone.localdate()
    return dashboard_cached(
        scope,
        period,
        today,
        lambda: Dashboard(
            kind=scope.kind,
            name=scope.name,
            slug=scope.slug,
            period=period,
            today=today,
            produced_at=timezone.localtime(),
            sections=sections(scope, period, today),
        ),
    )


def sections(scope: Scope, period: Period, today: datetime.date) -> list[Section]:
    """The dashboard's sections, in the order of the page, the CSV and the PDF."""
    versions = current_versions(scope)
    signed = [v for v in versions if v.policy.audience == Audience.STAFF]
    tally = Tally.of(scope, period)
    return [
        signoff_section(scope, signed, today),
        waiting_section(scope),
        incidents_section(scope, period, tally),
        time_to_acknowledge_section(scope, period, tally),
        escalations_section(scope, period, tally),
        allegations_section(scope, period),
        reviews_section(scope, versions, today),
    ]


def current_versions(scope: Scope) -> list[PolicyVersion]:
    """The published versions in force in scope, staff policies and parents' codes alike, with
    their policy (one query). Only staff policies are signed; every policy is reviewed."""
    place = Q(policy__school__in=scope.schools)
    trust_ids = {scope.trust.pk} if scope.trust else {s.trust_id for s in scope.schools}
    if trust_ids - {None}:
        place |= Q(policy__trust_id__in=trust_ids - {None})
    versions = PolicyVersion.objects.filter(place, status=VersionStatus.PUBLISHED)
    return sorted(
        versions.select_related("policy", "policy__school"),
        key=lambda v: (v.policy.title, v.policy.school_id or 0, v.pk),
    )
