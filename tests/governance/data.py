"""Data for the dashboard's tests: made directly, at chosen moments, in bulk."""

import datetime
import itertools

from django.utils import timezone

from acknowledgements.models import (
    ApprovalKind,
    ApprovalRequest,
    Declaration,
    SignOff,
)
from incidents.models import Incident, SubjectKind
from people.models import School, StaffCategory, Trust
from tests.factories import MembershipFactory, UserFactory


def trust_member(trust: Trust, role: str, **fields):
    """A person holding a role at trust level (no school)."""
    user = UserFactory(**fields)
    MembershipFactory(
        user=user,
        school=None,
        trust=trust,
        role=role,
        staff_category=StaffCategory.NON_TEACHING,
        employed_centrally=True,
    )
    return user


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """A moment of a day in UK time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def reports(
    school: School, *, on: datetime.date, n: int = 1, hour: int = 12, minute: int = 0, **fields
) -> list[Incident]:
    """n incidents reported at the school on a day; the reporter and the words are names and
    details that the dashboard must never show."""
    reporter = UserFactory(full_name="Rita Reporter-Secret")
    details = {
        "category": "breach",
        "status": "new",
        "subject_kind": SubjectKind.UNKNOWN,
        "subject_description": "Zebedee Pupilname",
        "description": "Case detail: posted a photo of Zebedee Pupilname.",
        **fields,
    }
    return Incident.objects.bulk_create(
        Incident(
            school=school,
            reporter=reporter,
            happened_on=on,
            created_at=at(on, hour, minute),
            **details,
        )
        for _ in range(n)
    )


def signed(user, version, *, on: datetime.datetime | None = None) -> SignOff:
    """A sign-off at a chosen moment (the service always signs now)."""
    return SignOff.objects.bulk_create(
        [
            SignOff(
                user=user,
                version=version,
                signed_at=on or timezone.now(),
                text_sha256=version.content_sha256,
                statement="I confirm that I have read it.",
            )
        ]
    )[0]


def waiting(model, school: School, user, *, days_ago: int, **fields):
    """A declaration or approval request made some days ago."""
    if model is Declaration:
        item = Declaration.objects.create(
            user=user, school=school, pupil_name="Zebedee Pupilname", class_or_year="Year 2",
            relationship="nephew", **fields,
        )  # fmt: skip
    else:
        item = ApprovalRequest.objects.create(
            user=user, school=school, kind=ApprovalKind.OFFICIAL_SITE,
            details="A class blog for Zebedee Pupilname's year", **fields,
        )  # fmt: skip
    model.objects.filter(pk=item.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return item


def staff(school: School, n: int, *categories: str) -> list:
    """n people at the school, their staff categories in turn."""
    people = []
    for _, category in zip(range(n), itertools.cycle(categories or ["teaching"]), strict=False):
        user = UserFactory()
        MembershipFactory(user=user, school=school, staff_category=category)
        people.append(user)
    return people


def table(dashboard, key: str):
    """One table of a dashboard, by its key."""
    return next(t for s in dashboard.sections for t in s.tables if t.key == key)


def rows(dashboard, key: str) -> dict[str, list[str]]:
    """A table's rows as printed: {row label: [cell texts]}."""
    return {row.label: [cell.text for cell in row.cells] for row in table(dashboard, key).rows}
