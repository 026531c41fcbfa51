"""Sign-off of each current policy version, as it stands today. Sign-off is about staff
compliance, not cases: its counts are not suppressed, but no one is named."""

import datetime
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format

from acknowledgements.models import SignOff
from acknowledgements.selectors import DEFAULT_SIGNOFF_DAYS
from governance.figures import Cell, Chart, Headline, Row, Section, Table, plural
from governance.selectors.scope import Scope
from people.models import StaffCategory
from policies.models import PolicyVersion

TITLE = "Sign-off of current policies"
COLUMNS = ["People", "Signed", "Not signed", "Overdue", "Signed (%)"]
TRUST_ROLES_ROW = "Trust-wide roles"


def signoff_section(scope: Scope, versions: list[PolicyVersion], today: datetime.date) -> Section:
    """Each current version's sign-off overall, by staff category (for a trust, by school too),
    and its course since publication. Three queries; four for a trust."""
    place = "the school" if scope.kind == "school" else "the trust and its schools"
    intro = (
        f"As it stands today, of the people at {place} today. Not signed: outstanding. "
        "Overdue: not signed within the days the school gives to sign, counted from "
        "publication, or from a newcomer's first day."
    )
    if not versions:
        return Section("signoff", TITLE, intro + " There is no published policy to sign.", [])
    members = scope.memberships(today).annotate(
        **{
            f"signed_{v.pk}": Exists(SignOff.objects.filter(user=OuterRef("user_id"), version=v))
            for v in versions
        }
    )
    measures = {}
    for version in versions:
        applies, signed = scope.applies(version), Q(**{f"signed_{version.pk}": True})
        overdue = applies & ~signed & _overdue(scope, version, today)
        measures[f"people_{version.pk}"] = Count("user", distinct=True, filter=applies)
        measures[f"signed_{version.pk}_n"] = Count("user", distinct=True, filter=applies & signed)
        measures[f"overdue_{version.pk}"] = Count("user", distinct=True, filter=overdue)
    overall = members.aggregate(**measures)
    by_category = {
        figures["staff_category"]: figures
        for figures in members.values("staff_category").annotate(**measures).order_by()
    }
    by_school = {}
    if scope.kind == "trust":
        by_school = {
            figures["school_id"]: figures
            for figures in members.values("school_id").annotate(**measures).order_by()
        }
    course = _signed_by(scope, versions, today)

    tables, headlines = [], []
    for version in versions:
        pk, title = version.pk, scope.title(version)
        everyone = _row(pk, "Everyone", overall, total=True)
        chart = Chart("bars", [4], unit="%")
        categories = [
            _row(pk, label, by_category[value])
            for value, label in StaffCategory.choices
            if by_category.get(value, {}).get(f"people_{pk}")
        ]
        tables.append(
            Table(
                f"signoff-{pk}-category",
                f"{title}: sign-off by staff category",
                "Staff category",
                COLUMNS,
                [*categories, everyone],
                chart,
                note="Someone in two staff categories is counted in each.",
            )
        )
        if scope.kind == "trust":
            places = [
                _row(pk, school.name, by_school[school.pk])
                for school in scope.schools_under(version)
                if by_school.get(school.pk, {}).get(f"people_{pk}")
            ]
            if by_school.get(None, {}).get(f"people_{pk}"):
                places.append(_row(pk, TRUST_ROLES_ROW, by_school[None]))
            tables.append(
                Table(
                    f"signoff-{pk}-school",
                    f"{title}: sign-off by school",
                    "School",
                    COLUMNS,
                    [*places, everyone],
                    chart,
                    note="Someone at two schools is counted at each, and once in the total.",
                )
            )
        tables.append(_course(version, title, overall[f"people_{pk}"], course[pk]))
        outstanding, overdue = everyone.cells[2].text, everyone.cells[3].text
        headlines.append(
            Headline(
                everyone.cells[4].text,
                f"signed {title} ({outstanding} outstanding, {overdue} overdue)",
            )
        )
    return Section("signoff", TITLE, intro, tables, headlines=headlines)


def _row(pk: int, label: str, figures: dict, *, total: bool = False) -> Row:
    people, signed = figures[f"people_{pk}"], figures[f"signed_{pk}_n"]
    return Row(
        label,
        [
            Cell.number(people),
            Cell.number(signed),
            Cell.number(people - signed),
            Cell.number(figures[f"overdue_{pk}"]),
            Cell.percent(signed, people),
        ],
        total=total,
    )


def _overdue(scope: Scope, version: PolicyVersion, today: datetime.date) -> Q:
    """Memberships whose time to sign has run out: their deadline is the later of publication
    and their start, plus their school's days to sign (as in acknowledgements.selectors)."""
    published = timezone.localdate(version.published_at)
    places = [(Q(school=school), school.signoff_days) for school in scope.schools_under(version)]
    if scope.trust and version.policy.trust_id == scope.trust.pk:
        places.append((Q(trust=scope.trust), DEFAULT_SIGNOFF_DAYS))
    overdue = Q(pk__isnull=True)  # nobody; an empty Q(pk__in=[]) would empty the whole query
    for place, days in places:
        cutoff = today - datetime.timedelta(days=days)
        if published < cutoff:
            overdue |= place & Q(starts_on__lt=cutoff)
    return overdue


def checkpoints(published: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The days the course of sign-off is shown at: publication, then each week for its first
    thirteen weeks or the end of each month after, then today; at most 26 in all."""
    if today <= published:
        return [today]
    if (today - published).days <= 91:
        days = [published + datetime.timedelta(weeks=n) for n in range(14)]
    else:
        days, month = [published], published.replace(day=1)
        while month <= today:
            month = (month + datetime.timedelta(days=32)).replace(day=1)
            days.append(month - datetime.timedelta(days=1))
        days = days[:: -(-len(days) // 25)]
    return [day for day in days if day < today] + [today]


def _signed_by(scope: Scope, versions: list[PolicyVersion], today) -> dict[int, list[tuple]]:
    """For each version, (day, how many of today's people had signed it by the end of that
    day), all counted in one query."""
    days = {v.pk: checkpoints(timezone.localdate(v.published_at), today) for v in versions}
    people = {v.pk: scope.memberships(today).filter(scope.applies(v)) for v in versions}
    signoffs = SignOff.objects.filter(
        reduce(or_, (Q(version=pk, user__in=p.values("user_id")) for pk, p in people.items()))
    )
    counts = signoffs.aggregate(
        **{
            f"v{pk}_{n}": Count("pk", filter=Q(version=pk, signed_at__lt=_end_of(day)))
            for pk, points in days.items()
            for n, day in enumerate(points)
        }
    )
    return {
        pk: [(day, counts[f"v{pk}_{n}"]) for n, day in enumerate(points)]
        for pk, points in days.items()
    }


def _end_of(day: datetime.date) -> datetime.datetime:
    after = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(after)


def _course(version: PolicyVersion, title: str, people: int, points: list[tuple]) -> Table:
    published = date_format(timezone.localdate(version.published_at), "j F Y")
    applies_to = f"{people} {plural(people, 'person', 'people')}"
    rows = [
        Row(date_format(day, "j M Y"), [Cell.number(n), Cell.percent(n, people)], on=day)
        for day, n in points
    ]
    return Table(
        f"signoff-{version.pk}-course",
        f"{title}: sign-off since it was published on {published}",
        "By the end of",
        ["Signed", "Signed (%)"],
        rows,
        Chart(
            "line",
            [1],
            unit="%",
            description=f"The share of the {applies_to} it applies to today who had signed, "
            f"from publication to today, when it stands at {rows[-1].cells[1].text}.",
        ),
        note=f"Of the {applies_to} it applies to today.",
    )
