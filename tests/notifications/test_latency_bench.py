"""`make bench-latency` in miniature: the script itself, with every process it starts, against
real PostgreSQL and its own redis-server — 20 reports, a 3-second Redis outage, and urgent reports
during a reminder run for 200 people — loses and duplicates nothing.

It uses its own database (`conduct_latency_test` on the server of DATABASE_URL), made afresh,
and tests/notifications/latency_settings.py, whose sweeper runs every 2 s instead of every
minute. Latency is not asserted: a shared CI machine's timings are not the budget's.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator

import psycopg
import pytest

from tests.notifications.services_support import ROOT
from tests.support import require

pytestmark = pytest.mark.services

DATABASE = "conduct_latency_test"
# Two schools of 100 people: the reminder run is for 200.
SEED = """
import django
django.setup()
from seeding.scale import Size, seed_scale
seed_scale(Size(trusts=1, schools_per_trust=1, standalone_schools=1, people_per_school=100,
                incidents_per_school=10, declarations_per_school=1, approvals_per_school=1))
"""


def server_url() -> str:
    """The PostgreSQL server the suite uses (DATABASE_URL), or the local one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return urllib.parse.urlparse(url)._replace(path="/postgres").geturl()


def postgres_reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture
def latency_database() -> Iterator[str]:
    admin = server_url()
    require(postgres_reachable(admin), "PostgreSQL")
    require(shutil.which("redis-server") is not None, "redis-server")
    drop = f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'  # our own name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url = urllib.parse.urlparse(admin)._replace(path=f"/{DATABASE}").geturl()
    env = environment(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="conduct_portal.settings")
    for args in (["manage.py", "migrate", "--no-input", "-v0"], ["-c", SEED]):
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, timeout=120)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)


def environment(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    return {**env, **changes}


def test_no_notification_is_lost_or_duplicated_through_an_outage_and_a_reminder_run(
    latency_database, tmp_path
):
    out = tmp_path / "latency"
    result = subprocess.run(
        [sys.executable, "bench/latency.py", "--database-url", latency_database,
         "--reports", "20", "--rate", "4", "--outage-seconds", "3",
         "--urgent-reports", "10", "--urgent-rate", "4",
         "--settings", "tests.notifications.latency_settings", "--out", str(out)],
        cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    # 1 is a missed budget (a latency on a busy machine); anything else is a crash.
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.with_suffix(".json").read_text())
    phases = {phase["name"]: phase for phase in report["phases"]}
    assert list(phases) == ["steady", "outage", "reminders"]
    for phase in phases.values():
        assert phase["submissions"]["errors"] == 0, phase["submissions"]
        assert (phase["all"]["lost"], phase["all"]["duplicated"]) == (0, 0), phase["all"]
    assert phases["steady"]["groups"]["reports"]["received"] == 20
    outage = phases["outage"]["groups"]
    assert sum(f["received"] for name, f in outage.items() if name.startswith("reports")) == 20
    assert outage["reports written while Redis was down"]["received"] > 0
    assert phases["outage"]["notes"]["redis_down_s"] >= 3
    reminders = phases["reminders"]
    assert reminders["notes"]["people_reminded"] == 200
    assert reminders["groups"]["reminders"]["received"] >= 200
    # Each Prevent report goes to the school's DSL and its Head.
    assert reminders["groups"]["urgent reports"]["received"] == 20
    assert (out.with_suffix(".md")).read_text().startswith("# Notification latency")
