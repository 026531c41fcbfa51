"""The SQLite demo serves two people writing at once: the second waits for the first, never fails.

Each test opens its own SQLite file under tmp_path through a database alias of its own, so every
thread gets its own connection (Django's connections are per thread), configured as settings.py
configures the demo's.
"""

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction

WAIT = 10  # seconds an Event may take: only reached if the test is already failing


@pytest.fixture
def sqlite_file(tmp_path, django_db_blocker) -> Iterator[Callable[[dict], str]]:
    """Opens the SQLite file with the given OPTIONS and returns its alias."""
    alias = "sqlite_demo"

    def open_with(options: dict) -> str:
        demo = {"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "demo.sqlite3"}
        connections.settings[alias] = connections.configure_settings(
            {"default": connections.settings["default"], alias: {**demo, "OPTIONS": options}}
        )[alias]
        with connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS entry (who text, seen integer)")
        return alias

    with django_db_blocker.unblock():
        yield open_with
        if alias in connections.settings:
            connections[alias].close()
            del connections[alias]  # this thread's connection, so the next test opens its own
            del connections.settings[alias]


def run_two_writers(alias: str) -> tuple[dict, dict]:
    """The first writer holds a write transaction open while the second begins one that reads,
    then writes (what a sign-in does): returns what each thread saw, or the error it met."""
    first_holds, second_starting = threading.Event(), threading.Event()
    first: dict = {}
    second: dict = {}

    def writer_one() -> None:
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("INSERT INTO entry VALUES ('first', 0)")
                first_holds.set()
                assert second_starting.wait(WAIT)
                # The second is about to ask for the lock: give it time to be waiting on it.
                time.sleep(0.3)
                first["committing_at"] = time.monotonic()
            first["ok"] = True
        except Exception as error:  # the test reports whatever happened
            first["error"] = error
        finally:
            first_holds.set()
            connections[alias].close()

    def writer_two() -> None:
        try:
            assert first_holds.wait(WAIT)
            second_starting.set()
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                second["began_at"] = time.monotonic()
                cursor.execute("SELECT count(*) FROM entry")
                (count,) = cursor.fetchone()
                cursor.execute("INSERT INTO entry VALUES ('second', %s)", [count])
            second["ok"] = True
        except Exception as error:
            second["error"] = error
        finally:
            second_starting.set()
            connections[alias].close()

    threads = [threading.Thread(target=writer_one), threading.Thread(target=writer_two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    return first, second


def test_two_people_writing_at_once_both_succeed_the_second_waiting_for_the_first(sqlite_file):
    alias = sqlite_file(settings.SQLITE_OPTIONS)
    first, second = run_two_writers(alias)
    assert first.get("ok"), first
    assert second.get("ok"), second
    # The second's transaction began only once the first had finished: it waited for the lock.
    assert second["began_at"] >= first["committing_at"]
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT who, seen FROM entry ORDER BY who")
        assert cursor.fetchall() == [("first", 0), ("second", 1)]
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone() == ("wal",)


def test_without_immediate_transactions_the_same_two_writers_meet_database_is_locked(sqlite_file):
    """The control: SQLite's default (deferred) transactions fail as the demo once did, so the
    test above would catch the settings losing IMMEDIATE."""
    options = {k: v for k, v in settings.SQLITE_OPTIONS.items() if k != "transaction_mode"}
    alias = sqlite_file(options)
    first_holds, second_has_read, first_done = (threading.Event() for _ in range(3))
    second: dict = {}

    def writer_one() -> None:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("INSERT INTO entry VALUES ('first', 0)")
            first_holds.set()
            assert second_has_read.wait(WAIT)
        first_done.set()
        connections[alias].close()

    def writer_two() -> None:
        assert first_holds.wait(WAIT)
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM entry")
                second_has_read.set()
                assert first_done.wait(WAIT)
                cursor.execute("INSERT INTO entry VALUES ('second', 1)")
        except OperationalError as error:
            second["error"] = str(error)
        finally:
            second_has_read.set()
            connections[alias].close()

    threads = [threading.Thread(target=writer_one), threading.Thread(target=writer_two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert second.get("error") == "database is locked"


def test_the_demo_settings_apply_these_options_only_to_sqlite():
    assert settings.SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    engine = settings.DATABASES["default"]["ENGINE"]
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if engine == "django.db.backends.sqlite3":
        assert options["transaction_mode"] == "IMMEDIATE"
    else:
        assert "transaction_mode" not in options
