"""/healthz is liveness (the web process and its database); /healthz/status tells monitoring the
rest: broker, workers, beat's heartbeats and the outbox, degraded but 200 while reports are
still taken, down (503) only without the database."""

import datetime
import os

import pytest
import redis
from django.utils import timezone

from conduct_portal.celery import app as celery_app
from incidents import tasks as incident_tasks
from notifications import tasks as notification_tasks
from notifications.models import Channel, Kind, Notification, Status
from ops import health
from ops.heartbeats import heartbeat_record
from ops.models import Heartbeat
from tests.conduct_portal.test_celery_worker import worker  # noqa: F401 - a fixture
from tests.support import celery_setting, require

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def beat_just_ran(db):
    for name in health.HEARTBEATS.values():
        heartbeat_record(name)


@pytest.fixture
def broker_at(monkeypatch):
    """Tasks go to a broker at the given URL instead of running in-process."""

    def use(url: str) -> None:
        celery_setting(monkeypatch, "task_always_eager", False)
        celery_setting(monkeypatch, "broker_url", url)
        # The app keeps its connections and producers in pools made on first use: an earlier
        # test's in-process broker would still receive the workers' broadcast. New pools, for
        # this broker; and the old ones back afterwards.
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)

    return use


def pending_email(bob, *, age: datetime.timedelta) -> Notification:
    return Notification.objects.create(
        recipient=bob,
        kind=Kind.MESSAGE,
        channel=Channel.EMAIL,
        status=Status.PENDING,
        created_at=timezone.now() - age,
    )


def test_liveness_answers_ok_with_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_liveness_stays_200_when_the_broker_is_unreachable(client, db, broker_at):
    broker_at(UNREACHABLE_BROKER)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_liveness_answers_503_without_the_database(client, db, monkeypatch):
    monkeypatch.setattr("ops.views.database_check", lambda: {"state": "unreachable"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "unreachable"}


def test_the_status_is_ok_in_process_with_beat_having_just_run(client, beat_just_ran):
    response = client.get("/healthz/status")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"state": "ok"}
    assert body["checks"]["broker"] == {"state": "in-process"}
    assert body["checks"]["workers"] == {"state": "in-process"}
    assert body["checks"]["escalations"]["state"] == "ok"
    assert body["checks"]["escalations"]["last_run_seconds_ago"] <= 5
    assert body["checks"]["notifications"] == {
        "state": "ok",
        "pending": 0,
        "oldest_pending_seconds": None,
    }


def test_the_status_is_degraded_but_200_when_the_broker_is_unreachable(
    client, beat_just_ran, broker_at
):
    broker_at(UNREACHABLE_BROKER)
    response = client.get("/healthz/status")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"] == {"state": "unreachable"}
    # Nobody can be asked without a broker: unknown, not "none".
    assert body["checks"]["workers"]["state"] == "unknown"
    assert body["checks"]["database"] == {"state": "ok"}


def test_the_status_is_down_and_503_without_the_database(client, db, monkeypatch):
    monkeypatch.setattr(health, "database_check", lambda: {"state": "unreachable"})
    response = client.get("/healthz/status")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    # Nothing is read from a database that is not there.
    assert "notifications" not in body["checks"]


def test_a_beat_that_stopped_shows_as_late_and_one_that_never_ran_as_never(client, db):
    Heartbeat.objects.create(
        name="incidents.run_escalations", at=timezone.now() - datetime.timedelta(minutes=4)
    )
    body = client.get("/healthz/status").json()
    assert body["status"] == "degraded"
    assert body["checks"]["escalations"]["state"] == "late"
    assert 235 <= body["checks"]["escalations"]["last_run_seconds_ago"] <= 250
    assert body["checks"]["notifications_sweep"] == {"state": "never", "last_run_seconds_ago": None}


def test_the_oldest_pending_notification_counts_its_age_and_is_late_past_five_minutes(
    client, beat_just_ran, bob
):
    pending_email(bob, age=datetime.timedelta(minutes=2))
    body = client.get("/healthz/status").json()
    assert body["status"] == "ok"
    assert body["checks"]["notifications"]["pending"] == 1
    assert 115 <= body["checks"]["notifications"]["oldest_pending_seconds"] <= 130

    pending_email(bob, age=datetime.timedelta(minutes=6))
    body = client.get("/healthz/status").json()
    assert body["status"] == "degraded"
    assert body["checks"]["notifications"]["state"] == "late"
    assert body["checks"]["notifications"]["pending"] == 2


def test_the_beat_tasks_record_their_heartbeat_when_they_run(db):
    assert not Heartbeat.objects.exists()
    incident_tasks.run_escalations.apply().get()
    notification_tasks.sweep.apply().get()
    assert set(Heartbeat.objects.values_list("name", flat=True)) == set(health.HEARTBEATS.values())


def test_a_task_that_fails_records_no_heartbeat(db, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the escalations failed")

    monkeypatch.setattr(incident_tasks, "escalations_run", broken)
    with pytest.raises(RuntimeError):
        incident_tasks.run_escalations.apply().get()
    assert not Heartbeat.objects.exists()


def test_the_status_says_nothing_about_people_or_cases(client, beat_just_ran, bob):
    pending_email(bob, age=datetime.timedelta(minutes=1))
    text = client.get("/healthz/status").content.decode()
    assert bob.email not in text and bob.full_name not in text


def test_with_a_token_set_the_status_needs_it(client, beat_just_ran, settings):
    settings.HEALTH_STATUS_TOKEN = "monitoring-secret"
    assert client.get("/healthz/status").status_code == 403
    wrong = client.get("/healthz/status", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403
    right = client.get("/healthz/status", headers={"Authorization": "Bearer monitoring-secret"})
    assert right.status_code == 200
    # The load balancer's liveness check never needs it.
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ({"database": "ok", "broker": "ok", "workers": "ok", "escalations": "ok"}, "ok"),
        ({"database": "ok", "broker": "in-process", "workers": "in-process"}, "ok"),
        ({"database": "ok", "broker": "unreachable", "workers": "unknown"}, "degraded"),
        ({"database": "ok", "broker": "ok", "workers": "none"}, "degraded"),
        ({"database": "ok", "broker": "ok", "workers": "no-urgent-worker"}, "degraded"),
        ({"database": "ok", "escalations": "late", "notifications": "ok"}, "degraded"),
        ({"database": "ok", "notifications": "late"}, "degraded"),
        ({"database": "unreachable", "broker": "ok", "workers": "ok"}, "down"),
        ({"database": "unreachable", "broker": "unreachable", "workers": "unknown"}, "down"),
    ],
)
def test_the_overall_state_is_down_only_without_the_database(states, expected):
    assert health.overall({name: {"state": state} for name, state in states.items()}) == expected


def redis_is_up() -> bool:
    try:
        return redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.services
def test_with_a_broker_and_no_worker_the_status_counts_no_worker_and_is_degraded(
    client, beat_just_ran, broker_at
):
    require(redis_is_up(), f"Redis at {TEST_REDIS_URL}")
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    broker_at(TEST_REDIS_URL)
    body = client.get("/healthz/status").json()
    assert body["checks"]["broker"] == {"state": "ok"}
    assert body["checks"]["workers"] == {"state": "none", "answering": 0, "serving_urgent": 0}
    assert body["status"] == "degraded"


@pytest.mark.services
def test_a_real_worker_answers_and_serves_the_urgent_queue(
    beat_just_ran,
    broker_at,
    worker,  # noqa: F811
    settings,
):
    broker_at(TEST_REDIS_URL)
    # A loaded machine can take more than the 1 s a monitor waits to answer: this test is about
    # what the answer says, not how fast it comes.
    settings.HEALTH_WORKER_TIMEOUT = 5
    # The worker takes a few seconds to start, and much longer on a loaded 2-core machine: ask
    # until it answers (or give up after 180 s).
    deadline = timezone.now() + datetime.timedelta(seconds=180)
    workers = health.workers_check({"state": "ok"})
    while workers["state"] != "ok" and timezone.now() < deadline:
        assert worker.poll() is None, "the worker stopped"
        workers = health.workers_check({"state": "ok"})
    assert workers == {"state": "ok", "answering": 1, "serving_urgent": 1}
