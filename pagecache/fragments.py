"""Fragments of pages cached in Redis, keyed by the content versions of what they show.

The busiest pages (home, /projets/, a project's page and a round's page for logged-out
readers, a project's text and timeline, a resident's notifications) are rendered once and
served from the cache until what they show changes. Nothing is ever invalidated by hand: the
key holds the object's content version, which the generated triggers raise at every
committed write to what the page declares it shows (registry.py), or the greatest versions of
its kinds for pages that list many objects; pages whose state follows the clock (a round
opening) also carry the moment they stop being true. A write therefore makes new keys; the
old entries are never read again and are evicted (the cache's Redis runs `allkeys-lru`) or
expire.

Keys are made of bounded values only: versions, ids, page numbers as integers, names from
a fixed set of choices and the language (`key_for` refuses anything else, such as a search
typed by a reader). A compute that finds the page asked for does not exist (a page number
past the last) returns `uncached(value)`: shown, not stored. So no URL can make the cache
grow beyond the pages that exist.

Free text (a search) never enters a key either: `text=` puts the value in one of
`PAGECACHE_TEXT_SLOTS` slots chosen by a hash of the text (up to TEXT_MAX characters; a
longer one is not cached), and stores the text
beside the value; a hit must carry the same text, otherwise the page is rendered and takes
the slot over. Popular searches stay cached, and a thousand random ones fill at most that
many slots per page, whatever is typed.

Cached fragments hold nothing that depends on who is looking, except a resident's own
notifications, cached for them alone, whose forms get the CSRF token of the request that
serves them (`with_csrf_token`).

On SQLite (the embedded default) there are no triggers, so nothing is cached. When Redis is
down, the cache misses and pages are rendered as if there were no cache.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .registry import Kind, Page

PREFIX = "page:v2"
CACHE_ALIAS = "pages"
_WORD = re.compile(r"^[a-z0-9_.-]{0,40}$")
_VERSION = re.compile(r"^[0-9-]{1,80}$")
PAGE_NUMBER_MAX = 10**6
TEXT_SLOTS_DEFAULT = 256
TEXT_MAX = 200

# Tests register a list here to see the queries each render runs (tests/test_pagecache.py).
_recorders: list[list] = []


def enabled() -> bool:
    return getattr(settings, "FRAGMENT_CACHE", True) and connection.vendor == "postgresql"


def _cache():
    return caches[CACHE_ALIAS] if CACHE_ALIAS in settings.CACHES else caches["default"]


def _part(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) and abs(value) < 10**12:
        return str(value)
    if isinstance(value, str) and _WORD.match(value):
        return value
    raise ValueError(f"not a bounded key part: {value!r} (a known choice, an id, a number)")


def key_for(page: Page, version: int | str, parts: tuple = ()) -> str:
    """The cache key of this page: its name, the language, versions and bounded parts."""
    version = str(version)
    if not _VERSION.match(version):
        raise ValueError(f"not a version: {version!r}")
    language = get_language() or settings.LANGUAGE_CODE
    raw = ":".join(_part(part) for part in parts)
    return f"{PREFIX}:{page.name}:{_part(language.lower())}:{version}:{raw}"


def page_number(value: str | None) -> int | None:
    """A page number asked for in a URL: "" is 1, "02" is 2; None for anything else (a page
    that is not a number is rendered as usual, but never cached)."""
    value = (value or "1").strip()
    if value.isascii() and value.isdigit() and int(value) < PAGE_NUMBER_MAX:
        return int(value)
    return None


def normalised_text(value: str) -> str:
    """A search as the cache compares it: exactly as typed (the page shows it back), without
    the spaces around it."""
    return value.strip()


def text_slot(text: str) -> int:
    """The slot of a normalised text, out of PAGECACHE_TEXT_SLOTS."""
    slots = getattr(settings, "PAGECACHE_TEXT_SLOTS", TEXT_SLOTS_DEFAULT)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % slots


def lists_version(*kinds: Kind) -> str:
    """The key of pages that list many objects of these kinds (one query)."""
    if not enabled():
        return "0"
    from .versions import kind_version

    return kind_version(*kinds)


@dataclass(frozen=True)
class uncached:  # noqa: N801 - reads as a verb where it is used
    """What a compute returns for a page it should not store (a page past the last)."""

    value: Any


def cached_value(
    page: Page,
    *,
    version: int | str,
    parts: tuple = (),
    compute: Callable[[], Any],
    until: Callable[[], datetime | None] | None = None,
    text: str | None = None,
):
    """The value of `page` (a fragment and what goes with it) for this version and these
    key parts: from the cache, or computed and stored. A part that is None is a value the
    URL gave that is not valid (`page_number`): the value is computed, never stored.
    `text` is free text the value depends on (a search): kept in a bounded slot, see above.

    `until`, called after a compute, tells when the value stops being true whatever the
    writes (the next time a round opens or closes): it is not served after that moment.
    """
    if not enabled():
        return _unwrap(_compute(page, compute))
    if any(part is None for part in parts):
        # A part the URL gave that is not a valid value (a page "abc"): never stored.
        return _unwrap(_compute(page, compute))
    if text is not None:
        text = normalised_text(text)
        if len(text) > TEXT_MAX:
            return _unwrap(_compute(page, compute))
        parts = (*parts, "text", text_slot(text))
    key = key_for(page, version, parts)
    cache = _cache()
    entry = cache.get(key)
    if isinstance(entry, tuple) and len(entry) == 3:
        value, expires, stored_text = entry
        if (expires is None or time.time() < expires) and stored_text == text:
            return value
    value = _compute(page, compute)
    if isinstance(value, uncached):
        return value.value
    moment = until() if until is not None else None
    expires = moment.timestamp() if moment else None
    cache.set(key, (value, expires, text), settings.FRAGMENT_CACHE_TIMEOUT)
    return value


def cached(
    page: Page,
    *,
    version: int | str,
    parts: tuple = (),
    render: Callable[[], str],
    until: Callable[[], datetime | None] | None = None,
    text: str | None = None,
) -> SafeString:
    """Like `cached_value`, for one fragment of HTML rendered by our templates."""

    def compute():
        html = render()
        return uncached(str(html.value)) if isinstance(html, uncached) else str(html)

    html = cached_value(page, version=version, parts=parts, compute=compute, until=until, text=text)
    return mark_safe(html)  # noqa: S308 - rendered by our templates (autoescaped)


def _compute(page: Page, compute: Callable[[], Any]):
    if not _recorders:
        return compute()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        value = compute()
    for recorder in _recorders:
        recorder.append((page, [query["sql"] for query in captured.captured_queries]))
    return value


def _unwrap(value):
    return value.value if isinstance(value, uncached) else value


# Fragments with forms are rendered with this instead of the reader's CSRF token, and the
# token of the request that serves them is put in its place.
CSRF_PLACEHOLDER = "__loos_csrf_token__"


def with_csrf_token(html: str, request) -> SafeString:
    from django.middleware.csrf import get_token

    # Safe: `html` was rendered by our templates (autoescaped), and a CSRF token is made of
    # letters and digits only.
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308
