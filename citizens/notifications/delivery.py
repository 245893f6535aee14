"""Sending the outbox, exactly once.

Every email has a row in `EmailDelivery` (written with its event, or by the digest fan-out),
unique per (recipient, notification) or (recipient, kind, period). A sender locks the row
with `SELECT … FOR UPDATE SKIP LOCKED` for the time of the SMTP exchange, sends, and stamps
`sent_at` in the same transaction once the server accepted: two workers never send the same
row, a worker killed mid-send leaves it pending (its lock dies with its connection), and the
sweep sends whatever stayed pending. The only remaining window is between the server's
"250 OK" and our commit, a few hundred microseconds; the Message-ID is stable per row so a
mail client can recognise the rare duplicate.
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
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..models import (
    MUNICIPAL_TEAM,
    DeliveryStatus,
    EmailDelivery,
    EmailFrequency,
    Notification,
    User,
)
from .emails import build_digest_email, build_moderation_summary_email, build_notification_email
from .hooks import moderation_counts
from .periods import MODERATION_SUMMARY, Period, frequency_for_kind
from .selectors import emailed_on_their_own

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 3600  # below the Redis visibility_timeout (2 h)
# A row the sweep re-enqueued is not re-enqueued again before this delay.
SWEEP_LEASE = dt.timedelta(minutes=10)
SWEEP_BATCH = 50
DIGEST_CHUNK = 500


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


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: the server or network failed for now (4xx, disconnect), not for good."""
    from ..tasks import TRANSIENT_SMTP_ERRORS

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        return False
    return isinstance(exc, TRANSIENT_SMTP_ERRORS)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: base, 2×base, 4×base… up to an hour."""
    base = getattr(settings, "NOTIFICATIONS_RETRY_BACKOFF", 30)
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** max(attempts - 1, 0))
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


def _build(delivery: EmailDelivery):
    """(message or None, item count) for any kind of delivery."""
    if delivery.notification_id is not None:
        return build_notification_email(delivery), 1
    frequency = frequency_for_kind(delivery.kind)
    if frequency is not None:
        return build_digest_email(delivery, Period(frequency, delivery.period_start))
    if delivery.kind == MODERATION_SUMMARY:
        return build_moderation_summary_email(delivery)
    return None, 0


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _send_one(pk: int, smtp: _Smtp) -> tuple[Outcome, float]:
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "notification__actor")
            .filter(pk=pk, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return Outcome.SKIPPED, 0
        try:
            with transaction.atomic():
                message, item_count = _build(delivery)
        except Exception as exc:
            logger.exception("Could not render email delivery %s", pk)
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = _error_text(exc)
            delivery.save(update_fields=["status", "last_error"])
            return Outcome.FAILED, 0
        if message is None:
            delivery.status = DeliveryStatus.CANCELLED
            delivery.save(update_fields=["status"])
            return Outcome.CANCELLED, 0
        delivery.attempts += 1
        try:
            smtp.send(message)
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:
            smtp.close()
            delivery.last_error = _error_text(exc)
            if is_transient(exc) and delivery.attempts < MAX_ATTEMPTS:
                countdown = backoff_seconds(delivery.attempts)
                delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=countdown)
                delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                logger.info("Delivery %s refused for now (%s), retry in %.0f s", pk, exc, countdown)
                return Outcome.RETRY, countdown
            delivery.status = DeliveryStatus.FAILED
            delivery.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("Delivery %s failed for good: %s", pk, exc)
            return Outcome.FAILED, 0
        # The server accepted the message: stamp it in the same transaction as the lock.
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.item_count = item_count
        delivery.save(update_fields=["status", "sent_at", "item_count", "attempts"])
    return Outcome.SENT, 0


def send_deliveries(delivery_ids: list[int]) -> dict[Outcome, int]:
    """Send these deliveries over one SMTP connection; raise TransientDeliveryError with what
    is left when the server refuses for now (the caller retries them later)."""
    counts = dict.fromkeys(Outcome, 0)
    smtp = _Smtp()
    try:
        for index, pk in enumerate(delivery_ids):
            outcome, countdown = _send_one(pk, smtp)
            counts[outcome] += 1
            if outcome is Outcome.RETRY:
                raise TransientDeliveryError(list(delivery_ids[index:]), countdown)
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
    """Hand the period's recipients to `enqueue` in chunks of DIGEST_CHUNK ids."""
    total = 0
    chunk: list[int] = []
    for user_id in digest_recipient_ids(period).iterator(chunk_size=5000):
        chunk.append(user_id)
        if len(chunk) == DIGEST_CHUNK:
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
    if not any(count.count for count in moderation_counts()):
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
