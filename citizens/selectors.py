"""Reads shaped for the resident's space."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from .models import DataExport, User
from .personal_data import ActivityItem, ActivityStream, activity_stream, activity_streams

ACTIVITY_PREVIEW = 5
ACTIVITY_PAGE_SIZE = 20


@dataclass(frozen=True)
class ActivitySummary:
    stream: ActivityStream
    count: int
    items: list[ActivityItem]

    @property
    def has_more(self) -> bool:
        return self.count > len(self.items)


def activity_summary_for_user(
    user: User, *, limit: int = ACTIVITY_PREVIEW
) -> list[ActivitySummary]:
    """The latest `limit` items of each kind with their total: two queries per kind,
    whatever the person's activity."""
    summaries = []
    for stream in activity_streams(user):
        items = stream.items(stream.queryset[:limit])
        count = len(items) if len(items) < limit else stream.queryset.count()
        summaries.append(ActivitySummary(stream=stream, count=count, items=items))
    return summaries


def activity_page_for_user(
    user: User, *, kind: str, page: str | int | None
) -> tuple[ActivityStream, Page] | None:
    stream = activity_stream(user, kind)
    if stream is None:
        return None
    paginator = Paginator(stream.queryset, ACTIVITY_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    page_obj.object_list = stream.items(page_obj.object_list)
    return stream, page_obj


def data_exports_for_user(user: User, *, limit: int = 5) -> list[DataExport]:
    return list(DataExport.objects.filter(user=user)[:limit])


def data_export_for_user(user: User, token) -> DataExport | None:
    return DataExport.objects.filter(user=user, token=token).first()
