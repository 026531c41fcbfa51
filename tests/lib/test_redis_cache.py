"""The portal's Redis cache (lib/redis_cache.py): Django's, with one client for each pool."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import redis

from lib.redis_cache import RedisCache
from tests.support import require

ROOT = Path(__file__).resolve().parents[2]
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def cache():
    try:
        up = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        up = False
    require(up, f"Redis at {TEST_REDIS_URL}")
    backend = RedisCache(TEST_REDIS_URL, {"KEY_PREFIX": "test-redis-cache"})
    yield backend
    backend.clear()


@pytest.mark.parametrize(
    "url, backend",
    [
        ("redis://127.0.0.1:6379/1", "lib.redis_cache.RedisCache"),
        ("locmemcache://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_a_redis_url_chooses_it_and_any_other_cache_is_djangos(url, backend):
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.CACHES['default']['BACKEND'])"
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"} | {"CACHE_URL": url}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == backend


def test_it_reads_and_writes_as_djangos_does(cache):
    cache.set("dashboard", {"signed": 12}, 30)
    assert cache.get("dashboard") == {"signed": 12}
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    assert cache.incr("a") == 2
    cache.delete("dashboard")
    assert cache.get("dashboard") is None


def test_one_client_serves_every_call_and_every_thread(cache):
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client
    seen, errors = [], []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"k{n}", i)
                assert cache.get(f"k{n}") == i
            seen.append(cache._cache.get_client())
        except Exception as error:  # pragma: no cover - the assertion below says what
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(c is client for c in seen)
