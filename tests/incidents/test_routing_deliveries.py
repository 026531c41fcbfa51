"""Routing with real deliveries: a Celery worker on its own redis-server and an SMTP relay on
loopback, the reports made from a process configured as production's web process is. What the
relay receives is who was told: never the subject, nor anyone who answers to them."""

import shutil

import pytest
from django.db import connection

from incidents.models import Category, Incident
from notifications.models import Notification, Status
from people.models import Membership, Role
from tests.factories import person
from tests.notifications.services_support import wait_until
from tests.notifications.test_reliability import Stack
from tests.support import require

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stack(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the test database, which needs PostgreSQL")
    require(shutil.which("redis-server") is not None, "redis-server")
    stack = Stack(tmp_path)
    stack.redis.start()
    stack.worker()
    yield stack
    stack.close()


def delivered(stack, count: int) -> list[str]:
    wait_until(
        lambda: (
            len(stack.relay.messages) >= count
            and not Notification.objects.exclude(status=Status.SENT).exists()
        ),
        timeout=60,
        what=f"{count} e-mails at the relay",
    )
    return stack.relay.sent_to()


def test_reports_about_the_head_and_the_chair_reach_only_those_above_them(stack, se):
    vice = person(se.school, Role.VICE_CHAIR, full_name="Vera Vice", email="vice@se.example")
    base = {"reporter": se.teacher.pk, "school": se.school.pk, "category": Category.BREACH}
    stack.drive("submit", subject=se.head.pk, **base)
    assert delivered(stack, 1) == ["chair@se.example"]
    stack.drive("submit", subject=se.chair.pk, **base)
    assert delivered(stack, 3) == sorted(["chair@se.example", se.head.email, "vice@se.example"])
    assert vice.email in stack.relay.sent_to()


def test_a_report_nobody_can_receive_waits_and_reaches_the_vice_chair_once_appointed(stack, se):
    Membership.objects.filter(user=se.chair).delete()
    dpl = person(se.school, Role.DPL, full_name="Dan Price", email="dpl@se.example")
    report = stack.drive(
        "submit", subject=se.head.pk, reporter=se.teacher.pk, school=se.school.pk,
        category=Category.BREACH,
    )  # fmt: skip
    # Only the Data Protection Lead is told — that a role needs filling, nothing more.
    assert delivered(stack, 1) == [dpl.email]
    (_, message) = stack.relay.messages[0]
    assert b"A role needs filling" in message and b"Reliability test report" not in message
    stack.drive(
        "add-person", school=se.school.pk, by=se.dsl.pk, full_name="Vera Vice",
        email="vice@se.example", roles=[Role.VICE_CHAIR],
    )  # fmt: skip
    sent = delivered(stack, 3)  # the invitation and the report's e-mail
    assert sent.count("vice@se.example") == 2
    incident = Incident.objects.get(pk=report["incident"])
    assert incident.routing_decisions.filter(recipient__email="vice@se.example").exists()
    assert se.head.email not in sent and se.deputy_head.email not in sent
