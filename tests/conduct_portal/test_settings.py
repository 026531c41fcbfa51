"""Production refuses to start on an unsafe setting; with no environment it runs on one machine."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAFE_KEY = "k" * 64


def start_django(**environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
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


def test_production_starts_with_safe_settings():
    result = start_django(
        DJANGO_ENV="production", SECRET_KEY=SAFE_KEY, ALLOWED_HOSTS="portal.example"
    )
    assert result.returncode == 0, result.stderr
