"""Batch jobs carry on past a bad item, and try it again later (lib/batch.py)."""

import datetime
import logging

import pytest

from lib.batch import failures_of, run_each

pytestmark = pytest.mark.django_db  # each item is a transaction

T0 = datetime.datetime(2027, 3, 26, 10, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)
SECOND = datetime.timedelta(seconds=1)


class Flaky:
    """Work that fails for the items in `bad`, and records what it was asked to do."""

    def __init__(self, *bad: int) -> None:
        self.bad = set(bad)
        self.calls: list[int] = []

    def __call__(self, item: int) -> object:
        self.calls.append(item)
        if item in self.bad:
            raise RuntimeError("Poppy Baker's record is broken")  # text that must not be logged
        return False if item == 0 else item * 10


def test_a_failing_item_stops_no_other_and_is_logged_by_key_without_its_text(caplog):
    work = Flaky(1)
    with caplog.at_level(logging.ERROR, logger="lib.batch"):
        run = run_each("test-job", [1, 2, 0], work, key=lambda i: i, now=T0)
    assert run.failed == [1]
    assert run.done == [2]
    assert run.skipped == [0]
    assert run.outcomes == {2: 20, 0: False}
    assert run.summary() == {"done": 1, "skipped": 1, "failed": 1, "waiting": 0}
    [failure, summary] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "test-job: item 1 failed (RuntimeError)" in failure.getMessage()
    assert "Poppy" not in caplog.text
    assert "'failed': 1" in summary.getMessage()


def test_a_failed_item_waits_longer_after_each_failure_and_is_forgotten_once_it_succeeds():
    work = Flaky(1)
    assert run_each("test-job", [1], work, key=lambda i: i, now=T0).failed == [1]
    assert failures_of("test-job", 1)["count"] == 1
    # One minute after the first failure, then two after the second.
    assert run_each("test-job", [1], work, key=lambda i: i, now=T0 + 59 * SECOND).waiting == [1]
    assert run_each("test-job", [1], work, key=lambda i: i, now=T0 + MINUTE).failed == [1]
    assert run_each("test-job", [1], work, key=lambda i: i, now=T0 + 2 * MINUTE).waiting == [1]
    assert work.calls == [1, 1]
    work.bad.clear()
    assert run_each("test-job", [1], work, key=lambda i: i, now=T0 + 3 * MINUTE).done == [1]
    assert failures_of("test-job", 1) is None


def test_the_wait_is_capped():
    work = Flaky(1)
    now = T0
    for _ in range(12):
        run_each("test-job", [1], work, key=lambda i: i, now=now, max_delay=10 * MINUTE)
        now += datetime.timedelta(days=1)
    retry_at = failures_of("test-job", 1)["retry_at"]
    last = now - datetime.timedelta(days=1)
    assert retry_at == (last + 10 * MINUTE).timestamp()


def test_each_item_is_its_own_transaction(django_user_model):
    def work(email: str) -> None:
        django_user_model.objects.create(email=email, full_name="Someone")
        if email.startswith("bad"):
            raise RuntimeError("after the write")

    run = run_each("test-job", ["bad@x.example", "good@x.example"], work, key=lambda e: e, now=T0)
    assert run.failed == ["bad@x.example"]
    emails = set(django_user_model.objects.values_list("email", flat=True))
    assert "good@x.example" in emails
    assert "bad@x.example" not in emails  # its write was rolled back with it


class Unreachable:
    def __getattr__(self, name: str):
        def down(*args, **kwargs):
            raise ConnectionError("cache down")

        return down


def test_a_cache_that_cannot_be_reached_only_means_no_back_off(monkeypatch):
    monkeypatch.setattr("lib.batch.cache", Unreachable())
    work = Flaky(1)
    assert run_each("test-job", [1, 2], work, key=lambda i: i, now=T0).done == [2]
    assert run_each("test-job", [1, 2], work, key=lambda i: i, now=T0).failed == [1]
