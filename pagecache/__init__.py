"""The page cache: content versions, what each cached page depends on, and its fragments.

Apps declare their kinds and cached pages in a `cached_pages.py` module (registry.py); the
triggers that move the versions are generated from those declarations (triggers.py); views
get their fragments through `cached` and `cached_value` (fragments.py), with keys made of
bounded values only. This package knows no app: the apps import it.
"""

from .fragments import (
    CSRF_PLACEHOLDER,
    cached,
    cached_value,
    enabled,
    lists_version,
    page_number,
    uncached,
    with_csrf_token,
)
from .registry import Kind, On, Page, extend, register

__all__ = [
    "CSRF_PLACEHOLDER",
    "Kind",
    "On",
    "Page",
    "cached",
    "cached_value",
    "enabled",
    "extend",
    "lists_version",
    "page_number",
    "register",
    "uncached",
    "with_csrf_token",
]
