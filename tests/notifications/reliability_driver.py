"""Runs one step of a reliability test in its own process, against the real broker.

    python -m tests.notifications.reliability_driver submit '{"reporter": 1, ...}'

Prints one line of JSON. The test process runs with Celery in-process; this one runs with
CELERY_BROKER_URL from its environment, as the web process would in production.
"""

import datetime
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.notifications.reliability_settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from conduct_portal.celery import app  # noqa: E402
from incidents.models import Incident  # noqa: E402
from incidents.services import report_submit  # noqa: E402
from notifications.services import pending_requeue  # noqa: E402
from people.models import School, User  # noqa: E402
from people.services import person_add  # noqa: E402


class Rollback(Exception):
    pass


def submit(args: dict) -> Incident:
    subject = User.objects.get(pk=args["subject"]) if args.get("subject") else None
    return report_submit(
        reporter=User.objects.get(pk=args["reporter"]),
        school=School.objects.get(pk=args["school"]),
        category=args["category"],
        subject_kind="adult" if subject else "unknown",
        subject_user=subject,
        description="Reliability test report.",
        happened_on=datetime.date(2026, 1, 5),
    )


def person_added(args: dict) -> User:
    """A Head adds someone with a role, as the people page does: cases follow on commit."""
    with transaction.atomic():
        return person_add(
            school=School.objects.get(pk=args["school"]),
            by=User.objects.get(pk=args["by"]),
            full_name=args["full_name"],
            email=args["email"],
            staff_category="governor",
            roles=args["roles"],
            starts_on=datetime.date.today(),
        )


def main() -> None:
    command, args = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    assert not app.conf.task_always_eager, "the driver must publish to a real broker"
    if command == "submit":
        result = {"incident": submit(args).pk}
    elif command == "submit-and-roll-back":
        try:
            with transaction.atomic():
                submit(args)
                raise Rollback
        except Rollback:
            result = {"rolled_back": True}
    elif command == "add-person":
        result = {"user": person_added(args).pk}
    elif command == "sweep":
        result = {"queued": pending_requeue(older_than=datetime.timedelta(0))}
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
