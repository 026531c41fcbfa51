"""Concerns about adults (KCSIE Part 4) opened in the period: allegations by where they stand
and by outcome, low-level concerns, and how often the LADO was consulted within one working
day. Counts of people's conduct are the smallest on the dashboard, so every one goes through
governance.suppression, as incident counts do; the LADO share is withheld below 5 allegations.
"""

from django.db.models import CharField, Count, F, IntegerField, Q, Value

from allegations.models import Allegation, LowLevelConcern, Outcome, Threshold
from governance import suppression
from governance.figures import Cell, Headline, Row, Section, Table
from governance.periods import Period
from governance.selectors.scope import Scope

STANDING = ["Open", "Closed"]


def _protected(scope: Scope, per_school: dict[int, dict[str, list[int]]]):
    by_school = [suppression.protect(per_school[s.pk]) for s in scope.schools]
    if scope.kind == "school":
        return by_school[0]
    return suppression.combine(by_school) if by_school else None


def allegations_section(scope: Scope, period: Period) -> Section:
    """One query, whatever the numbers: allegations counted by school, standing, outcome and
    LADO timing, and low-level concerns counted by school, side by side (UNION ALL)."""
    start, after = period.bounds()
    number = IntegerField()
    measures = {
        "all": Count("pk"),
        "open": Count("pk", filter=Q(closed_at__isnull=True)),
        "may_meet": Count("pk", filter=Q(threshold=Threshold.MAY_MEET)),
        "in_time": Count("pk", filter=Q(lado_contacted_at__lte=F("lado_due_at"))),
        **{value: Count("pk", filter=Q(outcome=value)) for value in Outcome.values},
    }
    allegations = (
        Allegation.objects.filter(
            incident__school__in=scope.schools, opened_at__gte=start, opened_at__lt=after
        )
        .values("incident__school_id")
        .annotate(kind=Value("allegation", output_field=CharField()), **measures)
        .values_list("incident__school_id", "kind", *measures)
        .order_by()
    )
    concerns = (
        LowLevelConcern.objects.filter(
            school__in=scope.schools, raised_at__gte=start, raised_at__lt=after
        )
        .values("school_id")
        .annotate(
            kind=Value("concern", output_field=CharField()),
            all=Count("pk"),
            **{name: Value(0, output_field=number) for name in list(measures)[1:]},
        )
        .values_list("school_id", "kind", *measures)
        .order_by()
    )
    rows, concerns_by_school = {}, {}
    for school_id, kind, *counts in allegations.union(concerns, all=True):
        if kind == "allegation":
            rows[school_id] = dict(zip(measures, counts, strict=True))
        else:
            concerns_by_school[school_id] = counts[0]
    concerns = concerns_by_school
    empty = {"all": 0, "open": 0, "may_meet": 0, "in_time": 0, **dict.fromkeys(Outcome.values, 0)}
    per_school = {}
    for school in scope.schools:
        row = rows.get(school.pk, empty)
        decided = [row[value] for value in Outcome.values]
        per_school[school.pk] = {
            "standing": [row["open"], row["all"] - row["open"]],
            "outcome": [*decided, row["all"] - sum(decided)],
        }
    allegations = _protected(scope, per_school)
    low_level = _protected(scope, {s.pk: {"all": [concerns.get(s.pk, 0)]} for s in scope.schools})
    may_meet = sum(rows.get(s.pk, empty)["may_meet"] for s in scope.schools)
    in_time = sum(rows.get(s.pk, empty)["in_time"] for s in scope.schools)

    if allegations is None:  # a trust with no schools yet
        return Section("allegations", "Concerns about adults", "No schools yet.", [], "period")
    total = Row("All allegations", [Cell.count(allegations.total)], total=True)

    def table(key: str, caption: str, heading: str, labels: list[str], cells) -> Table:
        body = [Row(label, [Cell.count(c)]) for label, c in zip(labels, cells, strict=True)]
        return Table(f"allegations-{key}", caption, heading, ["Allegations"], [*body, total])

    outcome_labels = [label.split(":")[0] for label in Outcome.labels] + ["No outcome yet"]
    lado = (
        Cell.percent(in_time, may_meet)
        if may_meet >= suppression.THRESHOLD
        else Cell.words(suppression.FEWER_THAN_5 if may_meet else "–")
    )
    tables = [
        table("standing", "Allegations about adults, by where they stand", "Standing", STANDING,
              allegations.breakdowns["standing"]),
        table("outcome", "Allegations about adults, by outcome", "Outcome", outcome_labels,
              allegations.breakdowns["outcome"]),
        Table(
            "allegations-lado",
            "Allegations that may meet the harm threshold: the LADO consulted within one "
            "working day",
            "Measure",
            ["Value"],
            [
                Row("Share consulted in time", [lado]),
                Row("Low-level concerns raised", [Cell.count(low_level.total)]),
            ],
        ),
    ]  # fmt: skip
    intro = (
        f"Concerns about adults who work at the school, opened from {period.dates}. As with "
        "incidents, a count of 1 to 4 shows as “fewer than 5” and no total or difference gives "
        "one away; the share consulted in time is shown only for 5 or more allegations."
    )
    return Section(
        "allegations",
        "Concerns about adults",
        intro,
        tables,
        "period",
        [Headline(allegations.total.label, f"allegations about adults {period.briefly}")],
    )
