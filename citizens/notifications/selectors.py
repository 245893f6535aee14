"""Reads: a resident's notifications, their unread count, and what a digest holds."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import RowNumber

from pagecache.versions import content_version

from ..cached_pages import INBOX
from ..models import DeliveryStatus, EmailDelivery, Notification, User

# The bell shows "99+" beyond this: counting stops there, so the query stays cheap.
UNREAD_CAP = 100


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def inbox_version(*, user: User) -> int:
    """The version of this resident's notifications (citizens/cached_pages.py): one index
    lookup."""
    return content_version(INBOX, user.pk)


def unread_count_for(*, user: User) -> int:
    """At most UNREAD_CAP, counted on the partial index of unread notifications."""
    if not user.is_authenticated:
        return 0
    return (
        Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
        .order_by()
        .values("pk")[:UNREAD_CAP]
        .count()
    )


def emailed_on_their_own() -> QuerySet[EmailDelivery]:
    """Notifications already emailed one by one are not repeated in a digest."""
    return EmailDelivery.objects.filter(
        notification_id=OuterRef("pk"),
        recipient_id=OuterRef("recipient_id"),
        status=DeliveryStatus.SENT,
    )


def digest_notifications_by_recipient(
    *, user_ids: list[int], start, end, limit: int
) -> dict[int, tuple[list[Notification], int]]:
    """For a batch of digests, in one query: each resident's newest `limit` new notifications
    of the period and how many there are in all."""
    if not user_ids:
        return {}
    rows = (
        Notification.objects.filter(
            recipient_id__in=user_ids,
            created_at__gte=start,
            created_at__lt=end,
            read_at__isnull=True,
        )
        .filter(~Exists(emailed_on_their_own()))
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("recipient_id")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            ),
            total=Window(Count("pk"), partition_by=[F("recipient_id")]),
        )
        .filter(position__lte=limit)
        .select_related("actor")
        .order_by("recipient_id", "position")
    )
    result: dict[int, tuple[list[Notification], int]] = {}
    for notification in rows:
        items, _ = result.get(notification.recipient_id, ([], 0))
        items.append(notification)
        result[notification.recipient_id] = (items, notification.total)
    return result
