"""Policy reviews: each current version's review date, as it stands today."""

import datetime

from django.utils.formats import date_format

from governance.figures import Cell, Chart, Headline, Row, Section, Table, plural
from governance.selectors.scope import Scope
from policies.models import PolicyVersion
from policies.selectors import REVIEW_WARNING_DAYS

STATES = [
    "Past its review date",
    f"Due within {REVIEW_WARNING_DAYS} days",
    "Not due yet",
    "No review date set",
]


def reviews_section(scope: Scope, versions: list[PolicyVersion], today: datetime.date) -> Section:
    """How many current policies are past or near their review date, and each one's date.
    No query: the versions are already read."""
    listed = [(version, *_state(version, today)) for version in versions]
    counts = [sum(1 for _, state, _ in listed if state == n) for n in range(len(STATES))]
    return Section(
        "reviews",
        "Policy reviews",
        f"As they stand today. A policy is flagged {REVIEW_WARNING_DAYS} days before its review "
        "date.",
        [
            Table(
                "reviews-count",
                "Current policies by review date",
                "Review",
                ["Policies"],
                [Row(label, [Cell.number(n)]) for label, n in zip(STATES, counts, strict=True)]
                + [Row("All current policies", [Cell.number(len(listed))], total=True)],
                Chart("bars", [0]),
            ),
            Table(
                "reviews-list",
                "Review date of each current policy",
                "Policy",
                ["Review due", "Status"],
                [
                    Row(
                        scope.title(version),
                        [Cell.words(_date(version.review_due)), Cell.words(text)],
                    )
                    for version, _, text in listed
                ],
            ),
        ],
        headlines=[
            Headline(
                str(counts[0]),
                plural(counts[0], "policy past its", "policies past their") + " review date",
            )
        ],
    )


def _state(version: PolicyVersion, today: datetime.date) -> tuple[int, str]:
    """The version's place in STATES, and what to say of it."""
    due = version.review_due
    if due is None:
        return 3, "No review date set"
    if due < today:
        return 0, f"Overdue by {(today - due).days} days"
    if (due - today).days <= REVIEW_WARNING_DAYS:
        return 1, f"Due in {(due - today).days} days"
    return 2, "Not due yet"


def _date(day: datetime.date | None) -> str:
    return date_format(day, "j M Y") if day else "–"
