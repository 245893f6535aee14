"""Sending the outbox, exactly once.

Every email has a row in `EmailDelivery` (written with its event, or by the digest fan-out),
unique per (recipient, notification) or (recipient, kind, period). A sender locks the row
with `SELECT … FOR UPDATE SKIP LOCKED` for the time of the SMTP exchange, sends, and stamps
`sent_at` in the same transaction once the server accepted: two workers never send the same
row, a worker killed mid-send leaves it pending (its lock dies with its connection), and the
sweep sends whatever stayed pending. The only window left is between the server's "250 OK"
and our commit (one UPDATE and the COMMIT): a crash exactly there resends that one email,
with the same Message-ID (stable per row), which mail clients recognise.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import random
import smtplib
from collections.abc import Callable

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from citizens import todo

from ..models import (
    MUNICIPAL_TEAM,
    DeliveryStatus,
    EmailDelivery,
    EmailFrequency,
    Notification,
    User,
)
from .emails import (
    DIGEST_MAX_ITEMS,
    build_digest_email,
    build_moderation_summary_email,
    build_notification_email,
)
from .periods import MODERATION_SUMMARY, Period, frequency_for_kind
from .selectors import digest_notifications_by_recipient, emailed_on_their_own

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Retries of a task whose SMTP server is unreachable (30 s, 1 min… then 1 h: about 6 hours);
# after that, the sweep keeps trying every 10 minutes.
MAX_TASK_RETRIES = 12
MAX_BACKOFF_SECONDS = 3600  # below the Redis visibility_timeout (2 h)
# A row the sweep re-enqueued is not re-enqueued again before this delay.
SWEEP_LEASE = dt.timedelta(minutes=10)
SWEEP_BATCH = 50


class Outcome(enum.Enum):
    SENT = "sent"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # already sent, cancelled, or being sent by another worker
    FAILED = "failed"
    RETRY = "retry"


class TransientDeliveryError(Exception):
    """The SMTP server failed for now: retry `remaining_ids` after `countdown` seconds."""

    def __init__(self, remaining_ids: list[int], countdown: float):
        super().__init__(f"{len(remaining_ids)} deliveries to retry in {countdown:.0f} s")
        self.remaining_ids = remaining_ids
        self.countdown = countdown


# The server could not be reached or hung up: it is the server's state, not this message's.
UNREACHABLE_SMTP_ERRORS = (
    ConnectionError,
    TimeoutError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPHeloError,
)


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: the server or network failed for now (4xx, disconnect), not for good."""
    from ..tasks import TRANSIENT_SMTP_ERRORS

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        return False
    return isinstance(exc, TRANSIENT_SMTP_ERRORS)


def backoff_seconds(retry_number: int) -> float:
    """Exponential backoff with jitter: base, 2×base, 4×base… up to an hour."""
    base = getattr(settings, "NOTIFICATIONS_RETRY_BACKOFF", 30)
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** min(max(retry_number - 1, 0), 20))
    return random.uniform(delay / 2, delay)


class _Smtp:
    """One SMTP connection for a batch, opened on first use, dropped after an error."""

    def __init__(self):
        self.connection = None

    def send(self, message) -> None:
        if self.connection is None:
            self.connection = get_connection(fail_silently=False)
            self.connection.open()
        message.connection = self.connection
        self.connection.send_messages([message])

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # the server is gone already: nothing to close politely
                logger.debug("SMTP connection close failed", exc_info=True)
            self.connection = None


class _Batch:
    """What a batch of deliveries needs, loaded up front in a few queries: the rows with their
    recipients and notifications, each digest period's notifications for all its recipients,
    the moderation counts. Each row is then locked, sent and stamped on its own."""

    def __init__(self, delivery_ids: list[int]):
        self.rows = {
            row.pk: row
            for row in EmailDelivery.objects.filter(
                pk__in=delivery_ids, status=DeliveryStatus.PENDING
            ).select_related("recipient", "notification__actor")
        }
        self._digests: dict[tuple[str, dt.date], dict[int, tuple[list, int]]] = {}
        self._moderation: list | None = None

    def digest_items(self, delivery: EmailDelivery, period: Period) -> tuple[list, int]:
        key = (delivery.kind, delivery.period_start)
        if key not in self._digests:
            user_ids = [
                row.recipient_id
                for row in self.rows.values()
                if (row.kind, row.period_start) == key
            ]
            self._digests[key] = digest_notifications_by_recipient(
                user_ids=user_ids, start=period.start, end=period.end, limit=DIGEST_MAX_ITEMS
            )
        return self._digests[key].get(delivery.recipient_id, ([], 0))

    def todo_items(self) -> list:
        if self._moderation is None:
            self._moderation = todo.items()
        return self._moderation

    def build(self, delivery: EmailDelivery):
        """(message or None, item count) for any kind of delivery."""
        if delivery.notification_id is not None:
            return build_notification_email(delivery), 1
        frequency = frequency_for_kind(delivery.kind)
        if frequency is not None:
            period = Period(frequency, delivery.period_start)
            notifications, total = self.digest_items(delivery, period)
            return build_digest_email(delivery, period, notifications=notifications, total=total)
        if delivery.kind == MODERATION_SUMMARY:
            return build_moderation_summary_email(delivery, counts=self.todo_items())
        return None, 0


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _lock_if_pending(pk: int) -> bool:
    """Lock the row for the time of the transaction, unless it is no longer pending or another
    worker holds it. Plain SQL: this runs once per email, on the hot path of a digest run."""
    table = EmailDelivery._meta.db_table
    skip_locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE id = %s AND status = %s{skip_locked}",  # noqa: S608
            [pk, DeliveryStatus.PENDING],
        )
        return cursor.fetchone() is not None


def _stamp_sent(pk: int, item_count: int) -> None:
    table = EmailDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, item_count = %s, "  # noqa: S608
            "attempts = attempts + 1 WHERE id = %s",
            [DeliveryStatus.SENT, timezone.now(), item_count, pk],
        )


def _send_one(delivery: EmailDelivery, batch: _Batch, smtp: _Smtp) -> Outcome:
    pk = delivery.pk
    rows = EmailDelivery.objects.filter(pk=pk)
    with transaction.atomic():
        if not _lock_if_pending(pk):
            return Outcome.SKIPPED
        try:
            message, item_count = batch.build(delivery)
        except Exception as exc:
            logger.exception("Could not render email delivery %s", pk)
            rows.update(status=DeliveryStatus.FAILED, last_error=_error_text(exc))
            return Outcome.FAILED
        if message is None:
            rows.update(status=DeliveryStatus.CANCELLED)
            return Outcome.CANCELLED
        try:
            smtp.send(message)
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:
            smtp.close()
            # An unreachable server is nobody's fault: it does not use up this email's
            # attempts. A refusal of this very message (4xx) does.
            counted = 0 if isinstance(exc, UNREACHABLE_SMTP_ERRORS) else 1
            if is_transient(exc) and delivery.attempts + counted < MAX_ATTEMPTS:
                rows.update(attempts=F("attempts") + counted, last_error=_error_text(exc))
                logger.info("Delivery %s refused for now: %s", pk, exc)
                return Outcome.RETRY
            rows.update(
                status=DeliveryStatus.FAILED,
                attempts=F("attempts") + 1,
                last_error=_error_text(exc),
            )
            logger.warning("Delivery %s failed for good: %s", pk, exc)
            return Outcome.FAILED
        # The server accepted the message: stamp it in the transaction that holds the lock.
        _stamp_sent(pk, item_count)
    return Outcome.SENT


def send_deliveries(delivery_ids: list[int], *, retry_number: int = 1) -> dict[Outcome, int]:
    """Send these deliveries over one SMTP connection.

    When the server refuses for now, the rest of the batch is postponed by the backoff of
    this `retry_number` (so the sweep leaves it to the retry) and TransientDeliveryError
    tells the task what to retry and when."""
    counts = dict.fromkeys(Outcome, 0)
    batch = _Batch(delivery_ids)
    smtp = _Smtp()
    try:
        for index, pk in enumerate(delivery_ids):
            delivery = batch.rows.get(pk)
            if delivery is None:
                counts[Outcome.SKIPPED] += 1
                continue
            outcome = _send_one(delivery, batch, smtp)
            counts[outcome] += 1
            if outcome is Outcome.RETRY:
                remaining = list(delivery_ids[index:])
                countdown = backoff_seconds(retry_number)
                EmailDelivery.objects.filter(
                    pk__in=remaining, status=DeliveryStatus.PENDING
                ).update(next_attempt_at=timezone.now() + dt.timedelta(seconds=countdown))
                raise TransientDeliveryError(remaining, countdown)
    finally:
        smtp.close()
    return counts


# --- Digests -----------------------------------------------------------------------------------


def digest_recipient_ids(period: Period):
    """Residents who chose this rhythm, have something new in the period and no digest row
    for it yet. One aggregate query over the period's notifications."""
    already = EmailDelivery.objects.filter(
        recipient_id=OuterRef("recipient_id"), kind=period.kind, period_start=period.start_date
    )
    return (
        Notification.objects.filter(
            created_at__gte=period.start,
            created_at__lt=period.end,
            read_at__isnull=True,
            recipient__email_frequency=period.frequency,
            recipient__is_active=True,
        )
        .filter(~Exists(emailed_on_their_own()))
        .filter(~Exists(already))
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def digest_fan_out(*, period: Period, enqueue: Callable[[list[int]], None]) -> int:
    """Hand the period's recipients to `enqueue` in chunks (NOTIFICATIONS_DIGEST_CHUNK ids)."""
    size = getattr(settings, "NOTIFICATIONS_DIGEST_CHUNK", 500)
    total = 0
    chunk: list[int] = []
    for user_id in digest_recipient_ids(period).iterator(chunk_size=5000):
        chunk.append(user_id)
        if len(chunk) == size:
            enqueue(chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        enqueue(chunk)
        total += len(chunk)
    return total


def digest_prepare(*, period: Period, user_ids: list[int]) -> list[int]:
    """Write the digest rows of these residents (idempotent); return those still pending."""
    now = timezone.now()
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                recipient_id=user_id,
                kind=period.kind,
                period_start=period.start_date,
                created_at=now,
                next_attempt_at=now,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )
    return list(
        EmailDelivery.objects.filter(
            kind=period.kind,
            period_start=period.start_date,
            recipient_id__in=user_ids,
            status=DeliveryStatus.PENDING,
        )
        .order_by("recipient_id")
        .values_list("pk", flat=True)
    )


def moderation_summary_prepare(*, day: dt.date | None = None) -> list[int]:
    """The team's summary rows for today, when anything awaits moderation."""
    if not any(count.count for count in todo.items()):
        return []
    day = day or timezone.localdate()
    now = timezone.now()
    members = (
        User.objects.filter(groups__name=MUNICIPAL_TEAM, is_active=True)
        .exclude(email_frequency=EmailFrequency.NEVER)
        .values_list("pk", flat=True)
    )
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                recipient_id=user_id,
                kind=MODERATION_SUMMARY,
                period_start=day,
                created_at=now,
                next_attempt_at=now,
            )
            for user_id in members
        ],
        ignore_conflicts=True,
    )
    return list(
        EmailDelivery.objects.filter(
            kind=MODERATION_SUMMARY, period_start=day, status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
    )


# --- The outbox sweep --------------------------------------------------------------------------


def sweep(
    *, enqueue: Callable[[list[int], bool], None], min_age_seconds: int = 60, limit: int = 5000
) -> int:
    """Re-enqueue deliveries still pending `min_age_seconds` after they were due: lost with the
    broker, or with a worker killed mid-run. `enqueue(ids, immediate)` raises when the broker
    is unreachable; those rows stay due and the next sweep tries again."""
    now = timezone.now()
    due = list(
        EmailDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now - dt.timedelta(seconds=min_age_seconds),
        )
        .order_by("next_attempt_at")
        .values_list("pk", "notification_id")[:limit]
    )
    immediate = [pk for pk, notification_id in due if notification_id is not None]
    periodic = [pk for pk, notification_id in due if notification_id is None]
    enqueued = 0
    for ids, is_immediate in ((immediate, True), (periodic, False)):
        for start in range(0, len(ids), SWEEP_BATCH):
            batch = ids[start : start + SWEEP_BATCH]
            enqueue(batch, is_immediate)
            EmailDelivery.objects.filter(pk__in=batch, status=DeliveryStatus.PENDING).update(
                next_attempt_at=now + SWEEP_LEASE
            )
            enqueued += len(batch)
    return enqueued
