"""Reads of the reports app: the figures of a report, its story, the snapshot to use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from citizens.models import User
from consultations.models import Contribution
from projects.models import Comment, Project

from ..models import ReportSnapshot
from ..periods import EVERYTHING, STANDARD_PRESETS, Period, preset_period
from ..scopes import Scope
from .figures import DATA_VERSION, Median, compute_figures, median_fallback
from .story import STORY_LIMIT, report_story

__all__ = [
    "DATA_VERSION",
    "STORY_LIMIT",
    "Median",
    "Report",
    "earliest_activity",
    "median_fallback",
    "period_for_preset",
    "report_compute",
    "report_get",
    "report_story",
    "snapshot_key",
]


def earliest_activity() -> dt.date | None:
    """The first day anything happened on the platform (the start of "depuis le début")."""
    candidates = [
        User.objects.aggregate(first=Min("date_joined"))["first"],
        Project.objects.aggregate(first=Min("created_at"))["first"],
        Contribution.objects.aggregate(first=Min("created_at"))["first"],
        Comment.objects.aggregate(first=Min("created_at"))["first"],
    ]
    found = [value for value in candidates if value is not None]
    return timezone.localdate(min(found)) if found else None


def period_for_preset(preset: str) -> Period:
    earliest = earliest_activity() if preset == EVERYTHING else None
    return preset_period(preset, earliest=earliest)


def report_compute(
    *,
    scope: Scope,
    period: Period,
    now: dt.datetime | None = None,
    concurrent: bool | None = None,
) -> dict:
    """Every indicator of the report, as JSON-ready data."""
    now = now or timezone.now()
    return {
        "version": DATA_VERSION,
        "scope": {"kind": scope.kind, "key": scope.key, "label": scope.label},
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "preset": period.preset,
            "granularity": period.granularity,
        },
        **compute_figures(scope=scope, period=period, now=now, concurrent=concurrent),
    }


@dataclass(frozen=True)
class Report:
    data: dict
    computed_at: dt.datetime
    from_snapshot: bool


def snapshot_key(preset: str) -> str:
    return f"commune:{preset}"


def report_get(*, scope: Scope, period: Period) -> Report:
    """The precomputed town-wide report when one matches, else computed now."""
    if scope.is_town and period.preset in STANDARD_PRESETS:
        snapshot = ReportSnapshot.objects.filter(
            key=snapshot_key(period.preset),
            period_start=period.start,
            period_end=period.end,
            version=DATA_VERSION,
        ).first()
        if snapshot is not None:
            return Report(snapshot.data, snapshot.computed_at, from_snapshot=True)
    computed_at = timezone.now()
    return Report(report_compute(scope=scope, period=period, now=computed_at), computed_at, False)
