"""Incidents reported in the period. Every count goes through governance.suppression, once,
here: the page, its charts, the CSV and the PDF all print what this returns."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format

from governance import suppression
from governance.figures import Cell, Chart, Headline, Row, Section, Table
from governance.periods import Period
from governance.selectors.scope import Scope
from incidents.models import Category, Incident, Status


def reported_in(scope: Scope, period: Period) -> QuerySet[Incident]:
    """The reports made in scope in the period: what every incident figure counts."""
    start, after = period.bounds()
    return Incident.objects.filter(
        school__in=scope.schools, created_at__gte=start, created_at__lt=after
    )


@dataclass(frozen=True)
class Tally:
    """The period's reports counted once, by the database, for every incident section: how
    many each school has of each category, status, month and urgency, and of those how many
    were acknowledged and how many escalated. At most schools × categories × statuses × months
    × 2 rows, however many reports there are."""

    rows: list[dict]

    @classmethod
    def of(cls, scope: Scope, period: Period) -> "Tally":
        rows = (
            reported_in(scope, period)
            .annotate(month=TruncMonth("created_at"))
            .values("school_id", "category", "status", "month", "urgent")
            .annotate(
                reported=Count("pk"),
                acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
                escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
            )
            .order_by()
        )
        # The database gives the first moment of each month, in local time.
        return cls([{**row, "month": row["month"].date()} for row in rows])

    def by(self, field: str, measure: str = "reported") -> dict[tuple[int, object], int]:
        """How many reports (or acknowledged, or escalated ones) each school has of each value
        of the field."""
        counts: dict[tuple[int, object], int] = {}
        for row in self.rows:
            key = (row["school_id"], row[field])
            counts[key] = counts.get(key, 0) + row[measure]
        return counts


def incidents_section(scope: Scope, period: Period, tally: Tally) -> Section:
    """Reports made in the period by category, by month and by where they stand now (for a
    trust, by school too), suppressed."""
    months = period.months()
    counts = {name: tally.by(name) for name in ("category", "status", "month")}
    keys = {"category": Category.values, "status": Status.values, "month": months}
    by_school = {
        school.pk: suppression.protect(
            {name: [counts[name].get((school.pk, key), 0) for key in keys[name]] for name in keys}
        )
        for school in scope.schools
    }
    if scope.kind == "school":
        figures = by_school[scope.schools[0].pk]
    elif by_school:
        figures = suppression.combine(list(by_school.values()))
    else:  # a trust with no schools yet
        figures = suppression.protect({name: [0] * len(keys[name]) for name in keys})
    total = Row("All reports", [Cell.count(figures.total)], total=True)

    def table(key: str, caption: str, heading: str, labels: list[str], cells) -> Table:
        rows = [Row(label, [Cell.count(c)]) for label, c in zip(labels, cells, strict=True)]
        return Table(
            f"incidents-{key}", caption, heading, ["Reports"], [*rows, total], Chart("bars", [0])
        )

    tables = [
        table(
            "category",
            "Incidents reported, by category",
            "Category",
            Category.labels,
            figures.breakdowns["category"],
        ),
        table(
            "month",
            "Incidents reported, by month",
            "Month",
            [date_format(month, "F Y") for month in months],
            figures.breakdowns["month"],
        ),
        table(
            "status",
            "Incidents reported, by where they stand now",
            "Status",
            Status.labels,
            figures.breakdowns["status"],
        ),
    ]
    intro = (
        f"Reports made from {period.dates}. A count of 1 to 4 shows as “fewer than 5”, and "
        "where needed a few more counts are withheld, so that no total or difference gives a "
        "small count away."
    )
    if scope.kind == "trust":
        schools = [by_school[s.pk].total for s in scope.schools]
        names = [s.name for s in scope.schools]
        tables.insert(0, table("school", "Incidents reported, by school", "School", names, schools))
        intro += (
            " A trust-wide count is withheld wherever a school's count in it is, so that "
            "comparing this page with the schools' own pages gives nothing away either."
        )
    if figures.everything_withheld:
        intro += (
            " This period's reports are so few, and so spread out, that every count of them "
            "is withheld."
        )
    return Section(
        "incidents",
        "Incidents reported",
        intro,
        tables,
        "period",
        [Headline(figures.total.label, f"incidents reported {period.briefly}")],
    )
