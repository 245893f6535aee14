"""Report periods: a range of whole days in the town's time zone, and the standard presets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LAST_30_DAYS = "30j"
THIS_YEAR = "annee"
TERM = "mandat"
EVERYTHING = "tout"
CUSTOM = "dates"

PRESET_CHOICES = [
    (LAST_30_DAYS, _("Les 30 derniers jours")),
    (THIS_YEAR, _("Cette année")),
    (TERM, _("Le mandat en cours")),
    (EVERYTHING, _("Depuis le début")),
    (CUSTOM, _("Dates choisies ci-dessous")),
]
# The presets precomputed every hour for the whole town.
STANDARD_PRESETS = [LAST_30_DAYS, THIS_YEAR, TERM, EVERYTHING]
DEFAULT_PRESET = TERM

# Longer than this, participation is counted per month rather than per week.
WEEKLY_MAX_DAYS = 183


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, in the town's time zone."""

    start: dt.date
    end: dt.date
    preset: str = CUSTOM

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive upper bound: midnight after the last day."""
        return local_midnight(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def granularity(self) -> str:
        return "week" if self.days <= WEEKLY_MAX_DAYS else "month"

    def bucket_starts(self) -> list[dt.date]:
        """The first day of every week (Monday) or month the period touches."""
        if self.granularity == "week":
            current = self.start - dt.timedelta(days=self.start.weekday())
            step = lambda d: d + dt.timedelta(days=7)  # noqa: E731
        else:
            current = self.start.replace(day=1)
            step = _next_month
        buckets = []
        while current <= self.end:
            buckets.append(current)
            current = step(current)
        return buckets


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def term_start() -> dt.date:
    value = settings.REPORTS_TERM_START
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def today() -> dt.date:
    return timezone.localdate()


def preset_period(preset: str, *, earliest: dt.date | None = None, on: dt.date | None = None):
    """The period a preset means today. `earliest` is the first day with any activity."""
    end = on or today()
    if preset == LAST_30_DAYS:
        start = end - dt.timedelta(days=29)
    elif preset == THIS_YEAR:
        start = end.replace(month=1, day=1)
    elif preset == TERM:
        start = min(term_start(), end)
    elif preset == EVERYTHING:
        start = min(earliest or end, end)
    else:
        raise ValueError(f"Unknown preset {preset!r}")
    return Period(start=start, end=end, preset=preset)
