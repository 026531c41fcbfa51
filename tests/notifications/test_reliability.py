"""Notifications are never lost, proven with real services on loopback.

Each test starts its own redis-server on a free port, real `celery -A conduct_portal worker`
processes, and an SMTP relay, and submits reports from a separate process configured as the
web process is in production (tests/notifications/reliability_driver.py). They share this
test's PostgreSQL database, so they need PostgreSQL; without redis-server they skip locally
and fail in CI.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from celery import Celery
from django.db import connection

from incidents.models import Category, Incident
from notifications.models import Channel, Notification, Status
from tests.notifications.services_support import (
    ROOT,
    Processes,
    Redis,
    SMTPRelay,
    Worker,
    free_port,
    wait_until,
)
from tests.support import require

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Stack:
    """The processes of one test: a broker, workers, the web side (driver) and a relay."""

    def __init__(self, tmp_path) -> None:
        self.tmp = tmp_path
        self.processes = Processes()
        self.relay = SMTPRelay()
        self.broker_port = free_port()
        self.redis = Redis(self.processes, tmp_path, self.broker_port)
        self.workers = 0

    @property
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.notifications.reliability_settings",
            DATABASE_URL=database_url(),
            CELERY_BROKER_URL=self.redis.url,
            EMAIL_URL=f"smtp://127.0.0.1:{self.relay.port}",
            SITE_URL="http://portal.test",
        )
        return env

    def worker(self, queues: str = "celery,urgent") -> Worker:
        self.workers += 1
        return Worker(self.processes, self.env, self.tmp / f"worker{self.workers}.log", queues)

    def drive(self, command: str, **args) -> dict:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.notifications.reliability_driver",
                command,
                json.dumps(args),
            ],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def close(self) -> None:
        self.processes.stop_all()
        self.relay.close()


@pytest.fixture
def stack(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the test database, which needs PostgreSQL")
    require(shutil.which("redis-server") is not None, "redis-server")
    stack = Stack(tmp_path)
    yield stack
    stack.close()


@pytest.fixture
def reporter(se):
    return {"reporter": se.teacher.pk, "school": se.school.pk}


def notifications() -> list[Notification]:
    return list(Notification.objects.order_by("pk"))


def all_sent(expected: int):
    def check():
        rows = notifications()
        return len(rows) == expected and all(n.status == Status.SENT for n in rows)

    return check


def test_a_report_whose_transaction_rolls_back_sends_nothing(stack, reporter):
    stack.redis.start()
    stack.drive("submit-and-roll-back", category=Category.PREVENT, **reporter)
    assert not Incident.objects.exists()
    assert not Notification.objects.exists()
    assert stack.redis.queue_length("urgent") == stack.redis.queue_length("celery") == 0
    # The same report committed does reach the broker: the check above can fail.
    stack.drive("submit", category=Category.PREVENT, **reporter)
    assert stack.redis.queue_length("urgent") == 2  # the e-mails; in-app ones need no worker
    assert stack.relay.messages == []


def test_with_no_worker_running_an_urgent_alert_is_in_the_bell_as_soon_as_the_report_commits(
    stack, se, reporter, client
):
    stack.redis.start()  # a broker that works, and no worker at all
    incident = stack.drive("submit", category=Category.PREVENT, **reporter)["incident"]
    assert stack.redis.queue_length("urgent") == 2  # the e-mails, waiting for a worker
    for person in (se.dsl, se.head):
        client.force_login(person)
        assert 'aria-label="Notifications, 1 unread"' in client.get("/notifications/bell/").text
        assert f'href="/incidents/{incident}/"' in client.get("/notifications/").text
    assert stack.relay.messages == []


def test_with_the_broker_down_the_report_is_saved_and_delivered_once_when_it_is_back(
    stack, se, reporter
):
    started = time.monotonic()
    incident = stack.drive("submit", category=Category.PREVENT, **reporter)["incident"]
    assert time.monotonic() - started < 60, "submitting must not hang on a dead broker"
    assert Incident.objects.filter(pk=incident).exists()
    # The e-mails wait for the broker; the in-app notifications were sent with the report.
    assert {(n.channel, n.status, n.queued_at) for n in notifications()} == {
        (Channel.EMAIL, Status.PENDING, None),
        (Channel.IN_APP, Status.SENT, None),
    }

    stack.redis.start()
    stack.worker()
    assert stack.drive("sweep")["queued"] == 2
    wait_until(all_sent(4), timeout=60, what="all four notifications to be delivered")
    # A second sweep finds nothing, and nothing arrives twice.
    assert stack.drive("sweep")["queued"] == 0
    time.sleep(2)
    assert stack.relay.sent_to() == ["alice@se.example", "dsl@se.example"]
    assert sorted((n.channel, n.attempts) for n in notifications()) == [
        (Channel.EMAIL, 1),
        (Channel.EMAIL, 1),
        (Channel.IN_APP, 0),
        (Channel.IN_APP, 0),
    ]


def test_a_worker_killed_mid_delivery_neither_loses_nor_duplicates_it(stack, se, reporter):
    stack.redis.start()
    stack.relay.stall_next = True
    first = stack.worker()
    stack.drive("submit", category=Category.BREACH, **reporter)
    assert stack.relay.stalled.wait(timeout=60), "the worker never reached the relay"
    stack.processes.kill(first.process)  # SIGKILL, in the middle of the SMTP conversation

    email = Notification.objects.get(channel=Channel.EMAIL)
    assert (email.status, email.attempts) == (Status.PENDING, 1)
    assert [a.succeeded for a in email.attempt_log.all()] == [None]  # interrupted
    assert stack.relay.messages == []

    stack.worker()
    # The sweeper queues it again once the dead worker's claim lapses (3 s in these settings).
    wait_until(lambda: stack.drive("sweep")["queued"], timeout=30, what="the claim to lapse")
    wait_until(all_sent(2), timeout=60, what="the e-mail to be delivered")
    email.refresh_from_db()
    assert email.attempts == 2
    assert [a.succeeded for a in email.attempt_log.all()] == [None, True]
    time.sleep(2)
    assert stack.relay.sent_to() == ["alice@se.example"]


def test_an_urgent_alert_does_not_wait_behind_a_backlog_of_other_work(stack, se, reporter):
    stack.redis.start()
    backlog = Celery(broker=stack.redis.url)
    with backlog.producer_or_acquire() as producer:
        for _ in range(2000):
            backlog.send_task("conduct_portal.ping", producer=producer)
    assert stack.redis.queue_length("celery") == 2000
    stack.worker(queues="urgent")  # the urgent queue's own worker; nobody serves the rest yet

    stack.drive("submit", category=Category.PREVENT, **reporter)
    stack.drive("submit", category=Category.BREACH, **reporter)
    prevent = Notification.objects.filter(urgent=True)
    wait_until(
        lambda: all(n.status == Status.SENT for n in prevent) and prevent.count() == 4,
        timeout=30,
        what="the Prevent alert to be delivered",
    )
    assert stack.redis.queue_length("celery") == 2001  # the backlog, and the normal e-mail
    normal = Notification.objects.filter(urgent=False, channel=Channel.EMAIL)
    assert set(normal.values_list("status", flat=True)) == {Status.PENDING}
    assert stack.relay.sent_to() == ["alice@se.example", "dsl@se.example"]
