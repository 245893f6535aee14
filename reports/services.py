"""Writes of the reports app: snapshots precomputed for the town, PDF exports and their files."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from citizens.models import User
from loos.enqueue import enqueue_on_commit

from .models import ExportStatus, ReportExport, ReportSnapshot
from .periods import Period
from .scopes import TOWN, Scope, scope_from_key
from .selectors import (
    DATA_VERSION,
    period_for_preset,
    report_compute,
    report_get,
    report_story,
    snapshot_key,
)

logger = logging.getLogger(__name__)


def report_snapshot_refresh(*, preset: str) -> ReportSnapshot:
    """Compute the town-wide report for a standard period and store it."""
    period = period_for_preset(preset)
    started = time.perf_counter()
    computed_at = timezone.now()
    data = report_compute(scope=Scope(TOWN), period=period, now=computed_at)
    snapshot, _created = ReportSnapshot.objects.update_or_create(
        key=snapshot_key(preset),
        defaults={
            "preset": preset,
            "period_start": period.start,
            "period_end": period.end,
            "version": DATA_VERSION,
            "data": data,
            "computed_at": computed_at,
            "compute_seconds": round(time.perf_counter() - started, 3),
        },
    )
    return snapshot


@transaction.atomic
def report_export_request(*, owner: User, scope: Scope, period: Period) -> ReportExport:
    """Ask for the PDF of a report; the same request still in progress is reused."""
    from .tasks import build_report_export

    existing = (
        ReportExport.objects.select_for_update()
        .filter(
            owner=owner,
            scope_key=scope.key,
            period_start=period.start,
            period_end=period.end,
            status__in=[ExportStatus.PENDING, ExportStatus.RUNNING],
        )
        .first()
    )
    if existing is not None:
        return existing
    export = ReportExport.objects.create(
        owner=owner,
        scope_key=scope.key,
        scope_label=scope.label[:300],
        preset=period.preset,
        period_start=period.start,
        period_end=period.end,
    )
    # With the broker down the export is marked failed at once: its owner can ask again,
    # rather than wait on a request no worker will ever see.
    enqueue_on_commit(
        build_report_export,
        kwargs={"export_id": export.pk},
        if_broker_down=lambda: _fail(
            export.pk, _("La préparation du PDF a échoué. Réessayez plus tard.")
        ),
    )
    return export


def _progress(export_id: int, percent: int) -> None:
    ReportExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(progress=percent)


def _fail(export_id: int, message: str) -> None:
    ReportExport.objects.filter(pk=export_id).update(
        status=ExportStatus.FAILED, error=message, finished_at=timezone.now()
    )


def export_filename(export: ReportExport, extension: str) -> str:
    scope = slugify(export.scope_key.replace(":", "-")) or "commune"
    return f"rapport-participation-{scope}-{export.period_start}-{export.period_end}.{extension}"


def report_export_build(*, export_id: int) -> None:
    """Build the PDF of an export (called by its Celery task; safe to run twice)."""
    export = ReportExport.objects.select_related("owner").filter(pk=export_id).first()
    if export is None or export.status == ExportStatus.DONE:
        return
    # The worker has no request: the PDF is written in the language of whoever asked for it.
    with translation.override(export.owner.language):
        _report_export_build(export)


def _report_export_build(export: ReportExport) -> None:
    from .pdf import build_report_pdf

    export_id = export.pk
    ReportExport.objects.filter(pk=export_id).update(
        status=ExportStatus.RUNNING, progress=5, started_at=timezone.now(), error=""
    )
    scope = scope_from_key(export.scope_key)
    if scope is None:
        _fail(export_id, _("Le périmètre de ce rapport n'existe plus."))
        return
    period = Period(export.period_start, export.period_end, export.preset)
    report = report_get(scope=scope, period=period)
    _progress(export_id, 30)
    story = report_story(scope=scope, period=period)
    _progress(export_id, 40)
    try:
        content = build_report_pdf(
            report=report,
            story=story,
            progress=lambda percent: _progress(export_id, 40 + percent * 50 // 100),
        )
    except Exception:
        logger.exception("Report export %s failed", export_id)
        _fail(export_id, _("La préparation du PDF a échoué. Réessayez plus tard."))
        return
    with transaction.atomic():
        export = ReportExport.objects.select_for_update().get(pk=export_id)
        if export.status == ExportStatus.DONE:
            return
        if export.file:
            export.file.delete(save=False)
        export.file.save(export_filename(export, "pdf"), ContentFile(content), save=False)
        export.status = ExportStatus.DONE
        export.progress = 100
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "progress", "finished_at"])


def report_exports_purge(*, now: dt.datetime | None = None) -> int:
    """Delete exports (and their files) older than the retention period."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=settings.REPORTS_EXPORT_RETENTION_DAYS)
    count = 0
    for export in ReportExport.objects.filter(created_at__lt=limit).iterator():
        if export.file:
            export.file.delete(save=False)
        export.delete()
        count += 1
    return count
