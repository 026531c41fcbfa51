"""The environment the test run gives itself, whatever the developer's shell or `.env` holds.

The portal reads its settings from the environment at import (conduct_portal/settings.py), and
so does Celery (it prefers an exported CELERY_BROKER_URL to any setting). A developer who
followed the README has CELERY_BROKER_URL, CACHE_URL and EMAIL_URL exported, and perhaps a
`.env` copied from `.env.example` that says DJANGO_ENV=production: the tests must not see any
of it, or e-mails they expect go to a broker nobody serves. tests/settings.py applies this
before the portal's settings are read; processes the tests start inherit it.
"""

import re
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_SOURCE = ROOT / "conduct_portal" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
# What the suite legitimately takes from the environment: which database to run on (CI runs
# on PostgreSQL), the Redis the services tests use, whether this is CI, and Django's switch for
# the browser tests' live server (Makefile).
KEPT = {"DATABASE_URL", "TEST_REDIS_URL", "CI", "DJANGO_ALLOW_ASYNC_UNSAFE"}
# Celery reads CELERY_* itself; DJANGO_* is the portal's and Django's own namespace.
CLEARED_PREFIXES = ("CELERY_", "DJANGO_")
# Settings read no .env file at all when this is empty.
ENV_FILE_VARIABLE = "CONDUCT_PORTAL_ENV_FILE"
# The test process chose tests.settings; a process it starts is configured as the portal is,
# from the environment the test gives it.
SET = {ENV_FILE_VARIABLE: "", "DJANGO_SETTINGS_MODULE": "conduct_portal.settings"}

# env.str("NAME", ...), env.bool("NAME"), env.db("NAME"), env("NAME") and the like.
_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# NAME=value, or "# NAME=value" for one the example leaves commented out.
_EXAMPLE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def settings_variables(source: Path = SETTINGS_SOURCE) -> set[str]:
    """Every variable the portal's settings read, found in their source, so that a setting
    added tomorrow is cleared too without anyone remembering to list it here."""
    return set(_READ.findall(source.read_text()))


def example_variables(example: Path = ENV_EXAMPLE) -> set[str]:
    """Every variable `.env.example` names: what a developer's `.env` or shell is likely to
    hold, including those read outside the settings (BACKUP_KEY, by the backup command)."""
    return set(_EXAMPLE.findall(example.read_text()))


def cleared(name: str, read: set[str]) -> bool:
    if name in KEPT:
        return False
    return name in read or name.startswith(CLEARED_PREFIXES)


def hermetic_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without anything that configures the portal, except what the suite keeps."""
    read = settings_variables() | example_variables()
    clean = {name: value for name, value in environ.items() if not cleared(name, read)}
    return {**clean, **SET}
