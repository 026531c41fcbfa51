"""Django's Redis cache, keeping one Redis client for each connection pool.

Django's client makes a new `redis.Redis` for every operation, and building one (its table of
response callbacks) costs as much as the round trip to Redis: a page that reads its dashboard
from the cache, or a report that marks two dashboards changed, paid it each time. A client is
safe to share between threads (it takes a connection from its pool for each command)."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # the pool of `index`: one server is both
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _Client
