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
