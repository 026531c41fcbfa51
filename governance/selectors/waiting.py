"""Declarations not yet acknowledged and requests not yet decided, as they stand today."""

import datetime

from django.db.models import Count, Min, Q, QuerySet, Subquery, Value
from django.utils import timezone

from acknowledgements.models import (
    ApprovalRequest,
    ApprovalStatus,
    Declaration,
    DeclarationStatus,
)
from governance.figures import Cell, Chart, Headline, Row, Section, Table, plural
from governance.selectors.scope import Scope
from people.models import School

# (label, at least so many days old, younger than so many days)
AGES = [("Under 1 week", 0, 7), ("1 to 4 weeks", 7, 28), ("Over 4 weeks", 28, None)]


def waiting_section(scope: Scope) -> Section:
    """How many are waiting, by how long they have waited. One query; three for a trust."""
    now = timezone.now()
    declarations = Declaration.objects.filter(
        school__in=scope.schools,
        status__in=[DeclarationStatus.PENDING, DeclarationStatus.MORE_INFO],
    )
    requests = ApprovalRequest.objects.filter(
        school__in=scope.schools, status=ApprovalStatus.PENDING
    )
    d, r = _aggregated_together(
        scope,
        (
            declarations,
            {
                **_by_age(now, "head", Q(status=DeclarationStatus.PENDING)),
                **_by_age(now, "more", Q(status=DeclarationStatus.MORE_INFO)),
                **_by_age(now, "all", Q()),
            },
        ),
        (requests, _by_age(now, "all", Q())),
    )

    tables = [
        Table(
            "waiting-declarations",
            "Declarations of a family relationship with a pupil not yet acknowledged, by how "
            "long they have waited",
            "Waiting",
            ["Waiting for the Head", "Sent back for more information", "All"],
            _rows(now, d, ["head", "more", "all"]),
            Chart("bars", [2]),
        ),
        Table(
            "waiting-requests",
            "Requests for prior approval not yet decided, by how long they have waited",
            "Waiting",
            ["Requests"],
            _rows(now, r, ["all"]),
            Chart("bars", [0]),
        ),
    ]
    if scope.kind == "trust":
        per_school = {
            "d": dict(declarations.values_list("school").annotate(n=Count("pk")).order_by()),
            "r": dict(requests.values_list("school").annotate(n=Count("pk")).order_by()),
        }
        rows = [
            Row(s.name, [Cell.number(per_school[k].get(s.pk, 0)) for k in ("d", "r")])
            for s in scope.schools
        ]
        total = Row("All schools", [Cell.number(d["all_all"]), Cell.number(r["all_all"])], True)
        tables.append(
            Table(
                "waiting-school",
                "Declarations and requests waiting, by school",
                "School",
                ["Declarations", "Requests"],
                [*rows, total],
                Chart("bars", [0, 1]),
            )
        )
    return Section(
        "waiting",
        "Declarations and requests waiting",
        "As they stand today, counted from the day each was made. The Head acknowledges each "
        "declaration of a family relationship with a pupil, and decides each request for prior "
        "approval before the person goes ahead.",
        tables,
        headlines=[
            Headline(
                str(d["all_all"]),
                plural(d["all_all"], "declaration", "declarations") + " waiting to be acknowledged",
            ),
            Headline(
                str(r["all_all"]),
                plural(r["all_all"], "request", "requests")
                + " for approval waiting for a decision",
            ),
        ],
    )


def _aggregated_together(scope: Scope, *parts: tuple[QuerySet, dict]) -> list[dict]:
    """Each queryset's aggregates, all in one round trip: every aggregate a scalar subquery of
    one SELECT (anchored on a school of the scope, so it has a row to return)."""
    if not scope.schools:
        return [qs.aggregate(**measures) for qs, measures in parts]
    columns = {}
    for index, (qs, measures) in enumerate(parts):
        grouped = qs.annotate(whole=Value(1)).values("whole").order_by()
        for name, measure in measures.items():
            columns[f"p{index}_{name}"] = Subquery(grouped.annotate(v=measure).values("v")[:1])
    row = School.objects.filter(pk=scope.schools[0].pk).values(**columns).get()
    results = []
    for index, (_, measures) in enumerate(parts):
        # An empty queryset has no group: its counts are 0, its oldest None.
        results.append(
            {
                name: row[f"p{index}_{name}"]
                if row[f"p{index}_{name}"] is not None or name.endswith("_oldest")
                else 0
                for name in measures
            }
        )
    return results


def _by_age(now: datetime.datetime, prefix: str, which: Q) -> dict[str, Count | Min]:
    measures = {
        f"{prefix}_all": Count("pk", filter=which),
        f"{prefix}_oldest": Min("created_at", filter=which),
    }
    for n, (_, at_least, younger_than) in enumerate(AGES):
        age = Q(created_at__lte=now - datetime.timedelta(days=at_least))
        if younger_than is not None:
            age &= Q(created_at__gt=now - datetime.timedelta(days=younger_than))
        measures[f"{prefix}_{n}"] = Count("pk", filter=which & age)
    return measures


def _rows(now: datetime.datetime, figures: dict, prefixes: list[str]) -> list[Row]:
    def longest(prefix: str) -> Cell:
        oldest = figures[f"{prefix}_oldest"]
        return Cell.number((now - oldest).days) if oldest else Cell.words("–")

    return [
        *(
            Row(label, [Cell.number(figures[f"{p}_{n}"]) for p in prefixes])
            for n, (label, _, _) in enumerate(AGES)
        ),
        Row("All waiting", [Cell.number(figures[f"{p}_all"]) for p in prefixes], total=True),
        Row("Longest wait (days)", [longest(p) for p in prefixes], total=True),
    ]
