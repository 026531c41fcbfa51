"""How quickly reports are acknowledged, and how many were escalated, for the period.

Counts go through governance.suppression like every incident count. A median taken over fewer
than 5 reports is withheld: it would describe one case's timing.
"""

import datetime

from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from governance import suppression
from governance.figures import Cell, Headline, Row, Section, Table
from governance.periods import Period
from governance.selectors.incidents import Tally, reported_in
from governance.selectors.scope import Scope
from incidents.models import Incident

LABELS = {"urgent": "Urgent reports", "other": "Other reports"}
WAIT = ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField())


def _by_urgency(tally: Tally, measure: str) -> dict[tuple[int, str], int]:
    """How many reports of each school, urgent and other, were acknowledged (or escalated)."""
    return {
        (school, "urgent" if urgent else "other"): n
        for (school, urgent), n in tally.by("urgent", measure).items()
    }


def _protected(scope: Scope, counts: dict[tuple[int, str], int]):
    """Protect each school's breakdown, and combine them for a trust."""
    by_school = [
        suppression.protect({"urgency": [counts.get((s.pk, key), 0) for key in LABELS]})
        for s in scope.schools
    ]
    if scope.kind == "school":
        return by_school[0]
    if by_school:
        return suppression.combine(by_school)
    return suppression.protect({"urgency": [0] * len(LABELS)})


def _middle(n: int) -> list[int]:
    """The positions (from 1) of the middle one or two of n values in order."""
    return list(range((n - 1) // 2 + 1, n // 2 + 2)) if n else []


def median_waits(
    incidents: QuerySet[Incident], sizes: dict[str, int]
) -> dict[str, datetime.timedelta | None]:
    """The median time from report to acknowledgement of all the acknowledged reports, and of
    the urgent and the other ones, given how many there are of each: the database numbers the
    waits in order, overall and within each urgency, and returns only the middle ones. One
    query whatever the sizes, so the page's query count does not depend on the data. None for
    fewer than 5 reports."""
    in_order = [WAIT.asc(), F("pk").asc()]
    middle = {key: _middle(n) for key, n in sizes.items()}
    middles = (
        incidents.filter(acknowledged_at__isnull=False)
        .annotate(
            wait=WAIT,
            overall=Window(RowNumber(), order_by=in_order),
            within=Window(RowNumber(), partition_by=[F("urgent")], order_by=in_order),
        )
        .filter(
            Q(overall__in=middle["all"])
            | Q(urgent=True, within__in=middle["urgent"])
            | Q(urgent=False, within__in=middle["other"])
        )
        .values_list("urgent", "wait", "overall", "within")
    )
    found: dict[str, list[datetime.timedelta]] = {key: [] for key in sizes}
    for urgent, wait, overall, within in middles:
        if overall in middle["all"]:
            found["all"].append(wait)
        group = "urgent" if urgent else "other"
        if within in middle[group]:
            found[group].append(wait)
    return {
        key: sum(waits, datetime.timedelta()) / len(waits)
        if sizes[key] >= suppression.THRESHOLD and waits
        else None
        for key, waits in found.items()
    }


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


def time_to_acknowledge_section(scope: Scope, period: Period, tally: Tally) -> Section:
    """The median time to acknowledge reports made in the period: all, urgent and other."""
    by_school = _by_urgency(tally, "acknowledged")
    acknowledged = _protected(scope, by_school)
    n = {key: sum(c for (_, k), c in by_school.items() if k == key) for key in LABELS}
    median = median_waits(reported_in(scope, period), {"all": sum(n.values()), **n})
    sizes = [sum(n.values()), *n.values()]
    medians = [median["all"], *(median[key] for key in LABELS)]
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


def escalations_section(scope: Scope, period: Period, tally: Tally) -> Section:
    """Reports made in the period that nobody acknowledged in time, so were escalated."""
    escalated = _protected(scope, _by_urgency(tally, "escalated"))
    rows = [
        Row(label, [Cell.count(count)])
        for label, count in zip(LABELS.values(), escalated.breakdowns["urgency"], strict=True)
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
