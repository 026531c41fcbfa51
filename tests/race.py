"""Two requests at once, interleaved on purpose rather than by luck.

`interleave` runs `first` in a thread until it reaches `pause_at` (a module function it calls
after its checks, such as the audit write), holds it there with its transaction open, and then
runs `second` in another thread. It lets `first` finish only once `second` has either finished
(so it did not wait for `first`: no lock between them) or is seen by PostgreSQL waiting for a
lock. Each outcome is what the call returned or the exception it raised. Needs PostgreSQL and
`@pytest.mark.django_db(transaction=True)`, so that each thread has a real transaction.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, connections

TIMEOUT = 20  # seconds; only reached when something is broken


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def interleave(
    monkeypatch, pause_at: tuple[object, str], first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[Any, Any]:
    module, name = pause_at
    original = getattr(module, name)
    inside, go = threading.Event(), threading.Event()
    outcomes: dict[str, Any] = {}

    def paused(*args, **kwargs):
        if threading.current_thread().name == "first" and not inside.is_set():
            inside.set()
            assert go.wait(TIMEOUT), "the second call never got going"
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, paused)

    def run(label: str, call: Callable[[], Any]) -> None:
        try:
            outcomes[label] = call()
        except Exception as error:  # the outcome under test, e.g. a refusal
            outcomes[label] = error
        finally:
            connections.close_all()  # this thread's connection

    threads = {
        label: threading.Thread(target=run, args=(label, call), name=label)
        for label, call in (("first", first), ("second", second))
    }
    threads["first"].start()
    while not inside.wait(0.05):
        assert threads["first"].is_alive(), f"first ended before {name}: {outcomes['first']!r}"
    threads["second"].start()
    deadline = time.monotonic() + TIMEOUT
    while threads["second"].is_alive() and not _lock_waiters():
        assert time.monotonic() < deadline, "the second call neither finished nor waited"
        time.sleep(0.02)
    go.set()
    for thread in threads.values():
        thread.join(TIMEOUT)
        assert not thread.is_alive(), f"{thread.name} is stuck"
    return outcomes["first"], outcomes["second"]
