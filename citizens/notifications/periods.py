"""Digest periods: whole local days (daily) or ISO weeks from Monday (weekly)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ..models import EmailFrequency

DIGEST_KINDS = {
    EmailFrequency.DAILY: "digest_daily",
    EmailFrequency.WEEKLY: "digest_weekly",
}
MODERATION_SUMMARY = "moderation_summary"


@dataclass(frozen=True)
class Period:
    frequency: str
    start_date: dt.date

    @property
    def kind(self) -> str:
        return DIGEST_KINDS[self.frequency]

    @property
    def days(self) -> int:
        return 7 if self.frequency == EmailFrequency.WEEKLY else 1

    @property
    def end_date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=self.days)

    @property
    def start(self) -> dt.datetime:
        return _local_midnight(self.start_date)

    @property
    def end(self) -> dt.datetime:
        return _local_midnight(self.end_date)

    @property
    def last_day(self) -> dt.date:
        return self.end_date - dt.timedelta(days=1)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def frequency_for_kind(kind: str) -> str | None:
    return next((freq for freq, name in DIGEST_KINDS.items() if name == kind), None)


def previous_period(frequency: str, *, now: dt.datetime | None = None) -> Period:
    """The last complete period before `now`: yesterday, or last week (Monday to Sunday)."""
    if frequency not in DIGEST_KINDS:
        raise ValueError(f"No digest for frequency {frequency!r}")
    today = timezone.localdate(now)
    if frequency == EmailFrequency.DAILY:
        return Period(frequency, today - dt.timedelta(days=1))
    this_monday = today - dt.timedelta(days=today.weekday())
    return Period(frequency, this_monday - dt.timedelta(days=7))


def period_for(frequency: str, start_date: str | dt.date | None) -> Period:
    if start_date is None:
        return previous_period(frequency)
    if isinstance(start_date, str):
        start_date = dt.date.fromisoformat(start_date)
    if frequency == EmailFrequency.WEEKLY and start_date.weekday() != 0:
        raise ValueError("A weekly digest period starts on a Monday.")
    if frequency not in DIGEST_KINDS:
        raise ValueError(f"No digest for frequency {frequency!r}")
    return Period(frequency, start_date)
