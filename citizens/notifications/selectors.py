"""Reads: a resident's notifications, their unread count, and what a digest holds."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from ..models import DeliveryStatus, EmailDelivery, Notification, User

# The bell shows "99+" beyond this: counting stops there, so the query stays cheap.
UNREAD_CAP = 100


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


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


def digest_notifications_for(*, user_id: int, start, end) -> QuerySet[Notification]:
    """What is new for a resident in a period: unread, not already emailed on its own."""
    return (
        Notification.objects.filter(
            recipient_id=user_id, created_at__gte=start, created_at__lt=end, read_at__isnull=True
        )
        .filter(~Exists(emailed_on_their_own()))
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
