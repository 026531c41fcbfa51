"""Keeping what is costly to compute in the cache (Redis in production), and carrying on
without it: a cache that cannot be reached only means the work is done every time."""

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

T = TypeVar("T")


def remembered(key: str, compute: Callable[[], T], *, timeout: int | None) -> T:
    """What is kept under the key, or compute() kept there for `timeout` seconds (None: until
    evicted). Only for values whose key changes whenever they would."""
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("The cache cannot be reached: %s is computed afresh", key.split(":")[0])
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except Exception:
            logger.warning("The cache cannot be reached: %s is not kept", key.split(":")[0])
    return value
