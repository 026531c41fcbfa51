"""How quickly reports are acknowledged, and how many were escalated, for the period.

Counts go through governance.suppression like every incident count. A median taken over fewer
than 5 reports is withheld: it would describe one case's timing.
"""

import datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from governance import suppression
from governance.figures import Cell, Headline, Row, Section, Table
from governance.periods import Period
from governance.selectors.incidents import reported_in
from governance.selectors.scope import Scope
from incidents.models import Incident

GROUPS = {"urgent": Q(urgent=True), "other": Q(urgent=False)}
LABELS = {"urgent": "Urgent reports", "other": "Other reports"}
WAIT = ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField())


def _protected(scope: Scope, counts: dict[tuple[int, str], int], keys: list[str]):
    """Protect each school's breakdown, and combine them for a trust."""
    by_school = [
        suppression.protect({"urgency": [counts.get((s.pk, key), 0) for key in keys]})
        for s in scope.schools
    ]
    if scope.kind == "school":
        return by_school[0]
    if by_school:
        return suppression.combine(by_school)
    return suppression.protect({"urgency": [0] * len(keys)})


def _per_school(incidents: QuerySet[Incident], condition: Q) -> dict[tuple[int, str], int]:
    """How many of the reports meet `condition`, by school and urgency: one grouped query."""
    rows = (
        incidents.filter(condition)
        .values("school_id")
        .annotate(**{f"{name}_count": Count("pk", filter=q) for name, q in GROUPS.items()})
    )
    return {(row["school_id"], name): row[f"{name}_count"] for row in rows for name in GROUPS}


def median_wait(incidents: QuerySet[Incident], n: int) -> datetime.timedelta | None:
    """The median time from report to acknowledgement of the n acknowledged reports: the
    database sorts them and returns the middle one (or two). None for fewer than 5 reports.
    One query whatever n is, so the page's query count does not depend on the data."""
    middle = list(
        incidents.filter(acknowledged_at__isnull=False)
        .annotate(wait=WAIT)
        .order_by("wait")
        .values_list("wait", flat=True)[max(n - 1, 0) // 2 : n // 2 + 1]
    )
    if n < suppression.THRESHOLD or not middle:
        return None
    return sum(middle, datetime.timedelta()) / len(middle)


NONE_YET = "none acknowledged yet"


def describe(wait: datetime.timedelta | None, n: int = suppression.THRESHOLD) -> str:
    if n == 0:
        return NONE_YET
    if wait is None:
        return suppression.WITHHELD
    minutes = round(wait.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days {hours % 24} h"


def time_to_acknowledge_section(scope: Scope, period: Period) -> Section:
    """The median time to acknowledge reports made in the period: all, urgent and other."""
    reported = reported_in(scope, period)
    keys = list(GROUPS)
    counts = _per_school(reported, Q(acknowledged_at__isnull=False))
    acknowledged = _protected(scope, counts, keys)
    n = {key: sum(c for (_, k), c in counts.items() if k == key) for key in keys}
    sizes = [sum(n.values()), *n.values()]
    medians = [median_wait(reported, sizes[0])] + [
        median_wait(reported.filter(q), n[key]) for key, q in GROUPS.items()
    ]
    counts = [acknowledged.total, *acknowledged.breakdowns["urgency"]]
    rows = [
        Row(
            label,
            [Cell.count(count), Cell.words(describe(median, size))],
            total=label == "All reports",
        )
        for label, count, median, size in zip(
            ["All reports", *LABELS.values()], counts, medians, sizes, strict=True
        )
    ]
    table = Table(
        "acknowledge",
        "Median time from report to acknowledgement",
        "Reports",
        ["Acknowledged", "Median time to acknowledge"],
        rows,
        note="An urgent report should be acknowledged within an hour, any other within two "
        "working days.",
    )
    return Section(
        "acknowledge",
        "Time to acknowledge",
        f"For reports made from {period.dates} that have been acknowledged. A median over fewer "
        "than 5 reports is withheld, as it would describe one case.",
        [table],
        "period",
        [Headline(describe(medians[0], sizes[0]), "median time to acknowledge")],
    )


def escalations_section(scope: Scope, period: Period) -> Section:
    """Reports made in the period that nobody acknowledged in time, so were escalated."""
    keys = list(GROUPS)
    counts = _per_school(reported_in(scope, period), Q(escalated_at__isnull=False))
    escalated = _protected(scope, counts, keys)
    rows = [
        Row(LABELS[key], [Cell.count(count)])
        for key, count in zip(keys, escalated.breakdowns["urgency"], strict=True)
    ]
    rows.append(Row("All reports", [Cell.count(escalated.total)], total=True))
    table = Table("escalations", "Reports escalated", "Reports", ["Escalated"], rows)
    return Section(
        "escalations",
        "Escalations",
        f"Reports made from {period.dates} that were not acknowledged in time (an hour for "
        "urgent ones, two working days for others) and went to the next person in line.",
        [table],
        "period",
        [Headline(escalated.total.label, "reports escalated")],
    )
