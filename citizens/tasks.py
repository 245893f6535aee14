"""Thin Celery tasks of the citizens app."""

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

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


# --- Personal data (issue 7) -----------------------------------------------------------------

import logging  # noqa: E402

from django.db import OperationalError  # noqa: E402

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


@shared_task(time_limit=300, soft_time_limit=240)
def resume_data_exports() -> int:
    """Every 10 minutes (CELERY_BEAT_SCHEDULE): downloads whose task was never queued."""
    from .services import data_exports_resume

    return data_exports_resume()
