"""A real Celery worker process on a real Redis round-trips a task."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from celery import Celery

from tests.support import require

ROOT = Path(__file__).resolve().parents[2]
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_is_up() -> bool:
    try:
        return redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def worker():
    require(redis_is_up(), f"Redis at {TEST_REDIS_URL}")
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": TEST_REDIS_URL,
        "CELERY_RESULT_BACKEND": TEST_REDIS_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "conduct_portal",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.services
def test_a_worker_process_round_trips_a_task_through_redis(worker):
    client = Celery(broker=TEST_REDIS_URL, backend=TEST_REDIS_URL)
    result = client.send_task("conduct_portal.ping")
    assert result.get(timeout=60) == "pong"
    assert worker.poll() is None, "the worker stopped while handling the task"
