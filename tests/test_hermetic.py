"""The test run is the same whatever the developer's shell exports or their `.env` says."""

import os
import subprocess
import sys

from django.conf import settings

from conduct_portal.celery import app as celery_app
from tests import settings as loaded
from tests.hermetic import (
    ENV_FILE_VARIABLE,
    ROOT,
    example_variables,
    hermetic_environment,
    settings_variables,
)

# What the README tells a user to export to run on real services, and a `.env` for production.
PRODUCTION = {
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6379/2",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp://127.0.0.1:1025",
    "DJANGO_ENV": "production",
    "MFA_REQUIRED": "true",
    "SECURE_SSL_REDIRECT": "true",
    "DEBUG": "false",
    "SITE_URL": "https://portal.elsewhere.example",
    "PRIVATE_MEDIA_ROOT": "/data/private_media",
    "SECRET_KEY": "k" * 64,
    "ALLOWED_HOSTS": "portal.elsewhere.example",
}


def test_the_portals_settings_and_celerys_are_cleared_and_the_database_is_kept():
    environ = {
        **PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "conduct_portal.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/mine",
        "TEST_REDIS_URL": "redis://127.0.0.1:6379/14",
        "CI": "true",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "PATH": "/usr/bin",
        ENV_FILE_VARIABLE: "/home/me/portal.env",
    }
    assert hermetic_environment(environ) == {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/mine",
        "TEST_REDIS_URL": "redis://127.0.0.1:6379/14",
        "CI": "true",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "PATH": "/usr/bin",
        # No .env file, and a process the tests start configures itself as the portal does.
        ENV_FILE_VARIABLE: "",
        "DJANGO_SETTINGS_MODULE": "conduct_portal.settings",
    }


def test_every_variable_the_settings_or_env_example_name_is_cleared():
    read = settings_variables()
    # Found in the settings' source, so a new setting needs no list kept by hand.
    assert {"DJANGO_ENV", "MFA_REQUIRED", "EMAIL_URL", "CACHE_URL", "SITE_URL"} <= read
    assert {"SECURE_SSL_REDIRECT", "PRIVATE_MEDIA_ROOT", "DEBUG", ENV_FILE_VARIABLE} <= read
    example = example_variables()
    assert {"DJANGO_ENV", "SECRET_KEY", "CELERY_BROKER_URL", "POSTGRES_PASSWORD"} <= example
    left = hermetic_environment(dict.fromkeys(read | example, "x"))
    assert set(left) == {"DATABASE_URL", ENV_FILE_VARIABLE, "DJANGO_SETTINGS_MODULE"}
    assert left["DATABASE_URL"] == "x"  # the one the suite keeps: CI runs on PostgreSQL


def test_this_run_has_tasks_in_process_a_local_cache_and_the_test_outbox():
    # As the settings module loaded them (fixtures change some per test, e.g. the media root).
    assert loaded.PRODUCTION is False
    assert loaded.CELERY_TASK_ALWAYS_EAGER is True
    assert loaded.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert loaded.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    assert loaded.MFA_REQUIRED is False
    assert loaded.DEBUG is True
    assert not hasattr(loaded, "SECURE_SSL_REDIRECT")
    assert loaded.SITE_URL == "http://127.0.0.1:8000"
    assert loaded.PRIVATE_MEDIA_ROOT == ROOT / "private_media"
    assert loaded.ENV_FILE == ""
    assert os.environ[ENV_FILE_VARIABLE] == ""
    # Celery prefers an exported CELERY_BROKER_URL to its settings: none is left to prefer.
    assert celery_app.conf.broker_url == "memory://localhost/"
    assert celery_app.conf.task_always_eager is True
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_a_run_started_with_production_exported_and_a_production_env_file_is_unaffected(
    tmp_path,
):
    """The whole start-up path, in a pytest of its own: the environment above, and an env file
    saying production (the same read as a `.env` beside manage.py), reach none of its settings."""
    env_file = tmp_path / "production.env"
    env_file.write_text("\n".join(f"{name}={value}" for name, value in PRODUCTION.items()))
    environment = {
        **os.environ,
        **PRODUCTION,
        "SITE_URL": "https://exported.example",
        "DJANGO_SETTINGS_MODULE": "conduct_portal.settings",
        ENV_FILE_VARIABLE: str(env_file),
    }
    environment.pop("PYTEST_CURRENT_TEST", None)
    inner = "tests/test_hermetic.py::test_this_run_has_tasks_in_process_a_local_cache_and_the_test_outbox"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", inner],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
