"""Thin Celery tasks of the consultations app: the beat tasks announcing what the clock brings.

Their names are those they had when they lived in `consultations/notifications.py`: the beat
schedule, a beat schedule file on a server and messages already queued refer to them.
"""

from celery import shared_task

from . import notifications


@shared_task(
    name="consultations.notifications.consultations_notify_opened",
    ignore_result=True,
    acks_late=True,
    time_limit=600,
    soft_time_limit=540,
)
def consultations_notify_opened() -> int:
    """Every few minutes: rounds that opened and syntheses that went public, each once."""
    return notifications.consultations_announce_opened()


@shared_task(
    name="consultations.notifications.consultations_notify_closing_soon",
    ignore_result=True,
    acks_late=True,
    time_limit=600,
    soft_time_limit=540,
)
def consultations_notify_closing_soon() -> int:
    """Hourly: rounds closing within 48 hours, to those who took part, once per round."""
    return notifications.consultations_announce_closing_soon()
