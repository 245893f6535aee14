"""One-click unsubscribe: a signed token names the resident, no login needed."""

from __future__ import annotations

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


def unsubscribe_url(user_id: int) -> str:
    token = unsubscribe_token(user_id)
    return absolute_url(reverse("citizens:unsubscribe", kwargs={"token": token}))
