"""A Redis cache that degrades to misses when Redis is down.

The cache only ever speeds things up: when Redis is unreachable, reads miss, writes are
dropped and counters answer as if new, so pages keep rendering and residents keep
contributing (rate limits then fail open; see citizens.ratelimit). `add` answers True, as
for a new key: allauth takes its rate-limit lock with `cache.add`, and a lock that could
never be taken would refuse every login and signup with a 429 while Redis is down.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


def _degrade(name, fallback):
    parent = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        try:
            return parent(self, *args, **kwargs)
        except REDIS_DOWN as exc:
            logger.warning("cache %s failed, Redis unreachable: %s", name, exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        # Fail fast: a page must not wait for a dead Redis.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, params)

    add = _degrade("add", True)
    get = _degrade("get", lambda key, default=None, version=None: default)
    set = _degrade("set", None)
    touch = _degrade("touch", False)
    delete = _degrade("delete", False)
    get_many = _degrade("get_many", {})
    has_key = _degrade("has_key", False)
    incr = _degrade("incr", lambda key, delta=1, version=None: delta)
    set_many = _degrade("set_many", [])
    delete_many = _degrade("delete_many", None)
    clear = _degrade("clear", False)
