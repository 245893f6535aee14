"""Fragments of pages cached in Redis, keyed by versions PostgreSQL keeps.

The busiest pages (home, /projets/, a project's page and a round's page for logged-out
readers, a project's text and timeline, a resident's notifications) are rendered once and
served from the cache until what they show changes. Nothing is ever invalidated by hand: the
key holds the object's content version, which triggers on the underlying tables raise at
every committed write (citizens.models.ContentChange), or the greatest versions of a kind for
pages that list many objects; pages whose state follows the clock (a round opening) also
carry the moment they stop being true. A write therefore makes new keys; the old entries are
never read again and expire.

Cached fragments hold nothing that depends on who is looking, except a resident's own
notifications, cached for them alone, whose forms get the CSRF token of the request that
serves them.

On SQLite (the embedded default) there are no triggers, so nothing is cached. When Redis is
down, the cache misses and pages are rendered as if there were no cache.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

PREFIX = "fragment:v1"


def enabled() -> bool:
    return getattr(settings, "FRAGMENT_CACHE", True) and connection.vendor == "postgresql"


def key_for(name: str, *parts) -> str:
    raw = ":".join(str(part) for part in parts)
    if len(raw) > 120:
        raw = hashlib.sha256(raw.encode()).hexdigest()
    return f"{PREFIX}:{name}:{get_language() or settings.LANGUAGE_CODE}:{raw}"


def cached(
    name: str,
    parts: tuple,
    render: Callable[[], str],
    *,
    until: Callable[[], datetime | None] | None = None,
) -> SafeString:
    """The fragment `name` for these key parts: from the cache, or rendered and stored.

    `until`, called after a render, tells when the fragment stops being true whatever the
    writes (the next time a round opens or closes): it is not served after that moment.
    """
    html = cached_value(name, parts, lambda: str(render()), until=until)
    return mark_safe(html)  # noqa: S308 - rendered by our templates (autoescaped)


def cached_value(
    name: str,
    parts: tuple,
    compute: Callable[[], object],
    *,
    until: Callable[[], datetime | None] | None = None,
):
    """Like `cached`, for any picklable value (a fragment and what goes with it)."""
    if not enabled():
        return compute()
    key = key_for(name, *parts)
    entry = cache.get(key)
    if isinstance(entry, tuple) and len(entry) == 2:
        value, expires = entry
        if expires is None or time.time() < expires:
            return value
    value = compute()
    moment = until() if until is not None else None
    expires = moment.timestamp() if moment else None
    cache.set(key, (value, expires), settings.FRAGMENT_CACHE_TIMEOUT)
    return value


# Fragments with forms are rendered with this instead of the reader's CSRF token, and the
# token of the request that serves them is put in its place.
CSRF_PLACEHOLDER = "__loos_csrf_token__"


def with_csrf_token(html: str, request) -> SafeString:
    from django.middleware.csrf import get_token

    # Safe: `html` was rendered by our templates (autoescaped), and a CSRF token is made of
    # letters and digits only.
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308


def global_version() -> str:
    """The greatest content versions of the projects and of the rounds: they change with any
    committed write to either (their rows, counters, comments, contributions, updates...).
    The key of fragments that list many of them (one query, two index lookups)."""
    from citizens.models import ContentChange
    from citizens.versions import kind_version

    return kind_version(ContentChange.PROJECT, ContentChange.ROUND)
