"""Writes: notify residents of an event, read notifications, choose how often to be emailed."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from loos.enqueue import enqueue_on_commit

from ..models import (
    DeliveryStatus,
    EmailDelivery,
    EmailFrequency,
    Notification,
    NotifiedEvent,
    User,
)

logger = logging.getLogger(__name__)

# Recipients are written in slices of this size (one query each), however many there are.
CHUNK_SIZE = 1000
# Immediate emails are sent by tasks of this many deliveries.
SEND_BATCH = 50


def _recipient_ids(recipients) -> set[int]:
    if isinstance(recipients, models.QuerySet):
        if recipients.model is User and not recipients._fields:
            recipients = recipients.values_list("pk", flat=True)
        return {pk for pk in recipients.iterator(chunk_size=CHUNK_SIZE) if pk is not None}
    ids: set[int] = set()
    for recipient in recipients:
        if recipient is None:
            continue
        ids.add(recipient if isinstance(recipient, int) else recipient.pk)
    return ids


def notify(
    *,
    recipients: Iterable | models.QuerySet,
    kind: str,
    actor: User | None = None,
    target: models.Model | None = None,
    params: dict | None = None,
    url: str | None = None,
    once_key: str | None = None,
) -> int:
    """Notify `recipients` (users, ids, or a query of either) of one event; return how many.

    Call it inside the event's transaction: the notifications and the immediate-email rows
    are written with the event or not at all, and the emails are enqueued after commit. The
    actor is never notified of their own action; each person is notified once; only active
    accounts with a verified address are. With `once_key`, the event is announced once ever
    (a second call with the same key notifies nobody).
    """
    from ..tasks import send_notification_emails

    with transaction.atomic():
        if once_key is not None:
            _, created = NotifiedEvent.objects.get_or_create(key=once_key[:120])
            if not created:
                return 0
        ids = _recipient_ids(recipients)
        if actor is not None:
            ids.discard(actor.pk)
        if not ids:
            return 0
        content_type = ContentType.objects.get_for_model(target) if target is not None else None
        object_id = target.pk if target is not None else None
        if url is None:
            url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""
        params = params or {}
        now = timezone.now()
        verified = EmailAddress.objects.filter(user_id=OuterRef("pk"), verified=True)
        created_count = 0
        delivery_ids: list[int] = []
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK_SIZE):
            chunk = ordered[start : start + CHUNK_SIZE]
            people = (
                User.objects.filter(pk__in=chunk, is_active=True)
                .filter(Exists(verified))
                .values_list("pk", "email_frequency")
            )
            notifications = []
            immediate: list[Notification] = []
            for pk, frequency in people:
                notification = Notification(
                    recipient_id=pk,
                    kind=kind,
                    actor=actor,
                    content_type=content_type,
                    object_id=object_id,
                    params=params,
                    url=url,
                    created_at=now,
                )
                notifications.append(notification)
                if frequency == EmailFrequency.IMMEDIATE:
                    immediate.append(notification)
            Notification.objects.bulk_create(notifications)
            created_count += len(notifications)
            if immediate:
                EmailDelivery.objects.bulk_create(
                    [
                        EmailDelivery(
                            recipient_id=n.recipient_id,
                            kind=kind,
                            notification=n,
                            created_at=now,
                            next_attempt_at=now,
                        )
                        for n in immediate
                    ],
                    ignore_conflicts=True,
                )
                delivery_ids.extend(
                    EmailDelivery.objects.filter(
                        notification_id__in=[n.pk for n in immediate]
                    ).values_list("pk", flat=True)
                )
        for start in range(0, len(delivery_ids), SEND_BATCH):
            # With the broker down the rows wait in the outbox; the sweep sends them.
            enqueue_on_commit(
                send_notification_emails,
                kwargs={"delivery_ids": delivery_ids[start : start + SEND_BATCH]},
            )
    return created_count


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def user_set_email_frequency(*, user: User, frequency: str) -> User:
    if frequency not in EmailFrequency.values:
        raise ValueError(f"Unknown email frequency: {frequency!r}")
    user.email_frequency = frequency
    user.save(update_fields=["email_frequency"])
    if frequency == EmailFrequency.NEVER:
        # What was waiting in the outbox is not sent any more either.
        EmailDelivery.objects.filter(recipient=user, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELLED, last_error="Désabonné"
        )
    return user


def user_unsubscribe(*, user: User) -> User:
    """The one-click unsubscribe: no more notification emails (the in-app ones stay)."""
    return user_set_email_frequency(user=user, frequency=EmailFrequency.NEVER)


def notifications_purge(*, older_than_days: int, batch_size: int = 5000) -> int:
    """Forget notifications (and their email log) older than the retention period, in
    batches so that no transaction grows with the size of the backlog."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    deleted = 0
    for model in (Notification, EmailDelivery):
        old = model.objects.filter(created_at__lt=cutoff)
        if model is EmailDelivery:
            old = old.exclude(status=DeliveryStatus.PENDING)
        while True:
            ids = list(old.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            with transaction.atomic():
                model.objects.filter(pk__in=ids).delete()
            deleted += len(ids) if model is Notification else 0
    return deleted
