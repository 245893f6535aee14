"""Per-resident rate limits on writes, counted in the shared cache (Redis).

Limits come from `settings.RATE_LIMITS`: {"comment": ["6/m", "100/d"], ...}, each
"<count>/<s|m|h|d>". Fixed windows: simple, cheap (one INCR per window) and good enough to
stop floods. When Redis is down the cache answers as if each request were the first, so
residents can still take part (the limits fail open rather than failing the request).
"""

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

WINDOWS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, unit = rate.split("/")
    return int(count), WINDOWS[unit]


def rate_limit_exceeded(*, action: str, key: str) -> int:
    """Count one attempt; return the seconds to wait if a limit is exceeded, else 0."""
    now = int(time.time())
    wait = 0
    for rate in settings.RATE_LIMITS.get(action, []):
        limit, window = parse_rate(rate)
        bucket = now // window
        cache_key = f"rl:{action}:{key}:{window}:{bucket}"
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window + 1)
            count = 1
        if count > limit:
            wait = max(wait, (bucket + 1) * window - now)
    return wait


def too_many_requests(request, wait: int):
    response = render(
        request,
        "429.html",
        {"wait_minutes": max(1, round(wait / 60)), "wait_seconds": wait},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def rate_limited(action: str):
    """View decorator: limits POST requests of a logged-in person for `action`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and request.user.is_authenticated:
                wait = rate_limit_exceeded(action=action, key=f"user:{request.user.pk}")
                if wait:
                    return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def describe_limits() -> list[tuple[str, str]]:
    return [(action, ", ".join(rates)) for action, rates in settings.RATE_LIMITS.items()]


__all__ = ["rate_limited", "rate_limit_exceeded", "too_many_requests", "describe_limits"]
