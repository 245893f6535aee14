"""One-click unsubscribe: a signed token names the resident, no login needed."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "citizens.notifications.unsubscribe"


def unsubscribe_token(user_id: int) -> str:
    return signing.Signer(salt=SALT).sign(str(user_id))


def user_id_from_token(token: str) -> int | None:
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@functools.cache
def _unsubscribe_parts() -> tuple[str, str]:
    # reverse() once per process, then format each token into it.
    url = absolute_url(reverse("citizens:unsubscribe", kwargs={"token": "TOKEN"}))
    prefix, suffix = url.split("TOKEN")
    return prefix, suffix


def unsubscribe_url(user_id: int) -> str:
    prefix, suffix = _unsubscribe_parts()
    return f"{prefix}{unsubscribe_token(user_id)}{suffix}"
