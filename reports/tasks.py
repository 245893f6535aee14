"""Thin Celery tasks of the reports app: ids in, a service does the work."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .periods import STANDARD_PRESETS
from .services import report_export_build, report_exports_purge, report_snapshot_refresh

# The database restarting or a connection dropped: worth another try.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=10,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    time_limit=900,
    soft_time_limit=840,
)
def build_report_export(*, export_id: int) -> None:
    report_export_build(export_id=export_id)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=60,
    max_retries=3,
    time_limit=1800,
    soft_time_limit=1700,
)
def precompute_town_reports() -> None:
    """The town-wide report for every standard period (scheduled by Celery beat)."""
    for preset in STANDARD_PRESETS:
        report_snapshot_refresh(preset=preset)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=60, max_retries=3, time_limit=600)
def purge_old_exports() -> int:
    return report_exports_purge()
