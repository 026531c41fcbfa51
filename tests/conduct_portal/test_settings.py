"""Production refuses to start on an unsafe setting; with no environment it runs on one machine."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAFE_KEY = "k" * 64
# Settings the test run's own environment may carry, which each test sets for itself.
CLEARED = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}


def start_django(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update(environment)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_with_no_environment_it_runs_on_sqlite_with_in_process_tasks_and_console_mail():
    result = start_django()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_database_url_selects_postgresql_and_a_broker_turns_off_in_process_tasks():
    result = start_django(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["django.db.backends.postgresql", "False"]


@pytest.mark.parametrize(
    ("environment", "complaint"),
    [
        ({"ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": SAFE_KEY}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": SAFE_KEY, "ALLOWED_HOSTS": "portal.example", "DEBUG": "true"}, "DEBUG"),
    ],
)
def test_production_refuses_to_start_on_an_unsafe_setting(environment, complaint):
    result = start_django(DJANGO_ENV="production", **environment)
    assert result.returncode != 0
    assert "Unsafe production settings" in result.stderr
    assert complaint in result.stderr


# What production needs besides a secret and its hosts: a shared cache and a broker.
SERVICES = {"CACHE_URL": "redis://redis:6379/1", "CELERY_BROKER_URL": "redis://redis:6379/0"}
SAFE = {"SECRET_KEY": SAFE_KEY, "ALLOWED_HOSTS": "portal.example", **SERVICES}


def test_production_starts_with_safe_settings():
    result = start_django(DJANGO_ENV="production", **SAFE)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"CACHE_URL": None}, "CACHE_URL must point at a cache every web process shares"),
        ({"CACHE_URL": "locmemcache://"}, "not locmem, dummy or file"),
        ({"CACHE_URL": "dummycache://"}, "not locmem, dummy or file"),
        ({"CACHE_URL": "filecache:///tmp/portal-cache"}, "not locmem, dummy or file"),
        ({"CACHE_URL": "nosuchcache://x"}, "CACHE_URL must point at a cache"),
        ({"CELERY_BROKER_URL": None}, "CELERY_BROKER_URL must name the broker"),
        ({"CELERY_BROKER_URL": "memory://"}, "CELERY_BROKER_URL must name the broker"),
    ],
    ids=[
        "no cache", "locmem cache", "dummy cache", "file cache", "unknown cache", "no broker",
        "in-memory broker",
    ],
)  # fmt: skip
def test_production_refuses_to_start_without_a_shared_cache_and_a_broker(changes, complaint):
    environment = {k: v for k, v in {**SAFE, **changes}.items() if v is not None}
    result = start_django(DJANGO_ENV="production", **environment)
    assert result.returncode != 0
    assert "Unsafe production settings" in result.stderr
    assert complaint in result.stderr


@pytest.mark.parametrize(
    "cache_url", ["redis://redis:6379/1", "pymemcache://memcached:11211", "dbcache://cache_table"]
)
def test_production_starts_with_any_cache_its_processes_share(cache_url):
    result = start_django(DJANGO_ENV="production", **{**SAFE, "CACHE_URL": cache_url})
    assert result.returncode == 0, result.stderr
