"""Thin Celery tasks of the citizens app."""

import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError

from .notifications.delivery import MAX_TASK_RETRIES

# Errors worth retrying: the SMTP server or the network failed for now, not for good.
TRANSIENT_SMTP_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPDataError,
    smtplib.SMTPHeloError,
    ConnectionError,
    TimeoutError,
)


@shared_task(
    autoretry_for=TRANSIENT_SMTP_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
    time_limit=60,
    soft_time_limit=45,
)
def send_account_email(
    *, subject: str, body: str, html: str | None, to: list[str], from_email: str
) -> None:
    """Send an account email (confirmation, password reset) already rendered in the request.

    Account emails are sent once per request that asks for them; a retry only happens when
    the SMTP server did not accept the message.
    """
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, from_email=from_email)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


# --- Personal data ------------------------------------------------------------------


logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    time_limit=900,
    soft_time_limit=840,
)
def prepare_data_export(self, *, export_id: int) -> None:
    """Prepare a resident's data download (citizens.services.data_export_prepare)."""
    from .services import data_export_fail, data_export_prepare

    try:
        data_export_prepare(export_id=export_id)
    except (OperationalError, OSError) as error:
        # Retried by autoretry_for; the download fails only when the retries are used up.
        if self.request.retries >= self.max_retries:
            data_export_fail(export_id=export_id, error=type(error).__name__)
        raise
    except Exception as error:
        # A bug, not a transient failure: retrying would fail the same way.
        logger.exception("Data export %s failed.", export_id)
        data_export_fail(export_id=export_id, error=type(error).__name__)


@shared_task(time_limit=600, soft_time_limit=540)
def purge_data_exports() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): remove expired downloads' files."""
    from .services import data_exports_purge

    return data_exports_purge()


@shared_task(time_limit=600, soft_time_limit=540)
def clear_expired_sessions() -> None:
    """Daily (CELERY_BEAT_SCHEDULE): Django leaves expired sessions in the table."""
    from .sessions import SessionStore

    SessionStore.clear_expired()


# --- Notification emails (see citizens/notifications/delivery.py) ------------------------------

NOTIFICATION_TASK_OPTIONS = {
    "bind": True,
    "ignore_result": True,
    "max_retries": MAX_TASK_RETRIES,  # then the outbox sweep takes over
    "acks_late": True,
}


@shared_task(**NOTIFICATION_TASK_OPTIONS, time_limit=300, soft_time_limit=240)
def send_notification_emails(self, *, delivery_ids: list[int]) -> None:
    """Send deliveries by id (immediate emails, or digests the sweep re-enqueued)."""
    from .notifications.delivery import TransientDeliveryError, send_deliveries

    try:
        send_deliveries(delivery_ids, retry_number=self.request.retries + 1)
    except TransientDeliveryError as exc:
        raise self.retry(
            kwargs={"delivery_ids": exc.remaining_ids}, countdown=exc.countdown
        ) from exc


@shared_task(**NOTIFICATION_TASK_OPTIONS, time_limit=600, soft_time_limit=540)
def send_digest_chunk(self, *, frequency: str, period_start: str, user_ids: list[int]) -> None:
    """Write the digest rows of up to 500 residents, then send them."""
    from .notifications.delivery import TransientDeliveryError, digest_prepare, send_deliveries
    from .notifications.periods import period_for

    period = period_for(frequency, period_start)
    try:
        send_deliveries(
            digest_prepare(period=period, user_ids=user_ids), retry_number=self.request.retries + 1
        )
    except TransientDeliveryError as exc:
        # Rows already sent are skipped on the next run: retrying the chunk is safe.
        raise self.retry(countdown=exc.countdown) from exc


@shared_task(ignore_result=True, acks_late=True, time_limit=1800, soft_time_limit=1740)
def digests_fan_out(*, frequency: str, period_start: str | None = None) -> int:
    """Daily or weekly digests: enqueue one chunk task per 500 residents with something new.

    Idempotent (rows are unique per resident and period): beat runs it several times in the
    morning, and each pass only picks up residents still without a digest for the period.
    """
    from .notifications.delivery import digest_fan_out
    from .notifications.periods import period_for

    period = period_for(frequency, period_start)

    def enqueue(user_ids: list[int]) -> None:
        send_digest_chunk.delay(
            frequency=period.frequency,
            period_start=period.start_date.isoformat(),
            user_ids=user_ids,
        )

    return digest_fan_out(period=period, enqueue=enqueue)


@shared_task(ignore_result=True, acks_late=True, time_limit=300, soft_time_limit=240)
def team_moderation_summary() -> int:
    """Today's moderation summary to each team member, when anything awaits them."""
    from .notifications.delivery import moderation_summary_prepare

    ids = moderation_summary_prepare()
    for start in range(0, len(ids), 50):
        send_notification_emails.apply_async(
            kwargs={"delivery_ids": ids[start : start + 50]}, queue="digests"
        )
    return len(ids)


@shared_task(ignore_result=True, acks_late=True, time_limit=300, soft_time_limit=240)
def deliveries_sweep(*, min_age_seconds: int = 60) -> int:
    """The outbox sweep (every minute): re-enqueue deliveries still pending after their due
    time, e.g. written while the broker was down, or left by a killed worker."""
    from .notifications.delivery import sweep

    def enqueue(delivery_ids: list[int], immediate: bool) -> None:
        send_notification_emails.apply_async(
            kwargs={"delivery_ids": delivery_ids}, queue="emails" if immediate else "digests"
        )

    return sweep(enqueue=enqueue, min_age_seconds=min_age_seconds)


@shared_task(ignore_result=True, acks_late=True, time_limit=1800, soft_time_limit=1740)
def notifications_purge() -> int:
    """Weekly: forget notifications and email log rows past the retention period."""
    from django.conf import settings

    from .notifications.services import notifications_purge as purge

    return purge(older_than_days=settings.NOTIFICATIONS_RETENTION_DAYS)


@shared_task(time_limit=300, soft_time_limit=240)
def resume_data_exports() -> int:
    """Every 10 minutes (CELERY_BEAT_SCHEDULE): downloads whose task was never queued."""
    from .services import data_exports_resume

    return data_exports_resume()
