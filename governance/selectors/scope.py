"""Whose figures a dashboard shows: one school, or a trust with its schools."""

import datetime
from dataclasses import dataclass
from typing import Literal

from django.db.models import Q, QuerySet

from people.models import Membership, School, Trust
from policies.models import PolicyVersion


@dataclass(frozen=True)
class Scope:
    """One school, or a trust with its schools and its trust-level people."""

    kind: Literal["school", "trust"]
    name: str
    slug: str
    schools: list[School]
    trust: Trust | None = None  # only for a trust's own dashboard

    @classmethod
    def of_school(cls, school: School) -> "Scope":
        return cls("school", school.name, school.slug, [school])

    @classmethod
    def of_trust(cls, trust: Trust, schools: list[School]) -> "Scope":
        return cls("trust", trust.name, trust.slug, schools, trust)

    def memberships(self, today: datetime.date) -> QuerySet[Membership]:
        """Everyone in scope today: the people the policies apply to."""
        place = Q(school__in=self.schools)
        if self.trust:
            place |= Q(trust=self.trust)
        return Membership.objects.current(on=today).filter(place)

    def schools_under(self, version: PolicyVersion) -> list[School]:
        """The schools in scope whose people the version applies to."""
        policy = version.policy
        if policy.school_id:
            return [s for s in self.schools if s.pk == policy.school_id]
        return [s for s in self.schools if s.trust_id == policy.trust_id]

    def applies(self, version: PolicyVersion) -> Q:
        """Of the memberships in scope, those the version applies to."""
        place = Q(school__in=self.schools_under(version))
        if self.trust and version.policy.trust_id == self.trust.pk:
            place |= Q(trust=self.trust)
        return place

    def title(self, version: PolicyVersion) -> str:
        """A version as the dashboard names it; on a trust's, with the school it is for."""
        title = f"{version.policy.title}, version {version.number}"
        if self.kind == "trust" and version.policy.school_id:
            title += f" ({version.policy.school.name})"
        return title
