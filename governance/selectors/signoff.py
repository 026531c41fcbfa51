"""Sign-off of each current policy version, as it stands today. Sign-off is about staff
compliance, not cases, and no one is named; but a staff group of fewer than five people (one
trainee, two agency staff) is never shown on its own, or a governor could tell whether that
person signed: see `_merge_small` and governance/README.md."""

import datetime
from functools import reduce
from operator import or_

from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.formats import date_format

from acknowledgements.models import SignOff
from acknowledgements.selectors import DEFAULT_SIGNOFF_DAYS
from governance.figures import Cell, Chart, Headline, Row, Section, Table, plural
from governance.selectors.scope import Scope
from governance.suppression import THRESHOLD
from people.models import StaffCategory
from policies.models import PolicyVersion

TITLE = "Sign-off of current policies"
COLUMNS = ["People", "Signed", "Not signed", "Overdue", "Signed (%)"]
TRUST_ROLES_ROW = "Trust-wide roles"
OTHER_CATEGORIES = "Other staff groups"
OTHER_PLACES = "Other schools and trust-wide roles"
CATEGORY_NOTE = (
    "Someone in two staff categories is counted once, in the first of them in this list. "
    f"Staff groups of fewer than {THRESHOLD} people are counted together as "
    f'"{OTHER_CATEGORIES}", with the next smallest group if they are still fewer than '
    f"{THRESHOLD} together, so that no one's sign-off can be told."
)
PLACE_NOTE = (
    "Someone at two schools is counted at each, and once in the total. Places with fewer than "
    f'{THRESHOLD} people are counted together as "{OTHER_PLACES}", with the next smallest if '
    f"they are still fewer than {THRESHOLD} together."
)


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
    # Each person in one category only, the first of theirs in StaffCategory's order: counted in
    # each, the categories would add up to more than "Everyone", and the difference would say
    # whether the one person in two categories had signed.
    rank = Case(
        *(When(staff_category=value, then=Value(n)) for n, value in enumerate(StaffCategory))
    )
    first_category = (
        scope.memberships(today)
        .filter(user=OuterRef("user_id"))
        .annotate(rank=rank)
        .order_by("rank")
        .values("staff_category")[:1]
    )
    by_category = {
        figures["category"]: figures
        for figures in members.annotate(category=Subquery(first_category))
        .values("category")
        .annotate(**measures)
        .order_by()
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
        categories = _merge_small(
            pk,
            [
                (label, by_category[value])
                for value, label in StaffCategory.choices
                if by_category.get(value, {}).get(f"people_{pk}")
            ],
            OTHER_CATEGORIES,
        )
        tables.append(
            Table(
                f"signoff-{pk}-category",
                f"{title}: sign-off by staff category",
                "Staff category",
                COLUMNS,
                [*categories, everyone],
                chart,
                note=CATEGORY_NOTE,
            )
        )
        if scope.kind == "trust":
            groups = [
                (school.name, by_school[school.pk])
                for school in scope.schools_under(version)
                if by_school.get(school.pk, {}).get(f"people_{pk}")
            ]
            if by_school.get(None, {}).get(f"people_{pk}"):
                groups.append((TRUST_ROLES_ROW, by_school[None]))
            places = _merge_small(pk, groups, OTHER_PLACES)
            tables.append(
                Table(
                    f"signoff-{pk}-school",
                    f"{title}: sign-off by school",
                    "School",
                    COLUMNS,
                    [*places, everyone],
                    chart,
                    note=PLACE_NOTE,
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


def _merge_small(pk: int, groups: list[tuple[str, dict]], other: str) -> list[Row]:
    """The rows of a breakdown in which no group of fewer than THRESHOLD people stands alone.

    Groups that small are added together under `other`; if they are still fewer than THRESHOLD
    together, the smallest of the rest (the first on a tie) joins them, and so on, so that the
    "Everyone" row minus the rows shown never leaves a small group either. If every group ends
    up merged, the breakdown would only repeat "Everyone", and has no rows. The steps depend on
    group sizes only, never on who signed, so knowing the rule tells a reader nothing more.
    """
    people = f"people_{pk}"
    kept = [(label, figures) for label, figures in groups if figures[people] >= THRESHOLD]
    merged = [figures for _, figures in groups if figures[people] < THRESHOLD]
    if not merged:
        return [_row(pk, label, figures) for label, figures in groups]
    while sum(figures[people] for figures in merged) < THRESHOLD and kept:
        smallest = min(kept, key=lambda group: group[1][people])
        kept.remove(smallest)
        merged.append(smallest[1])
    if not kept:
        return []
    measures = (people, f"signed_{pk}_n", f"overdue_{pk}")
    together = {m: sum(figures[m] for figures in merged) for m in measures}
    return [*(_row(pk, label, figures) for label, figures in kept), _row(pk, other, together)]


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
