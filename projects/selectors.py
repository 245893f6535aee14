"""Reads on projects, shaped for each page: a fixed number of queries whatever the data."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import InvalidPage, Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404

from citizens.models import Neighbourhood, User
from pagecache.versions import content_version_of

from . import page_parts
from .cached_pages import PROJECT
from .models import Comment, CommentState, Follow, Project, ProjectUpdate, StatusChange, Support

# The text search configuration created by migration 0002 (french + unaccent).
SEARCH_CONFIG = "french_unaccent"
PROJECTS_PER_PAGE = 20
COMMENTS_PER_PAGE = 20
REPLIES_SHOWN = 10
REPLIES_PER_PAGE = 50
UPDATES_SHOWN = 50
SEARCH_MAX_LENGTH = 200


class Sort:
    RELEVANCE = "pertinence"
    RECENT = "recent"
    SUPPORTED = "soutiens"
    DISCUSSED = "discussions"


class CommentOrder:
    NEWEST = "recent"
    OLDEST = "ancien"


@dataclass(frozen=True)
class ProjectFilters:
    category: str = ""
    status: str = ""
    neighbourhood: Neighbourhood | None = None
    origin: str = ""
    q: str = ""
    sort: str = ""


def _paginate(queryset, *, per_page: int, number) -> Page:
    """A page, or 404 for a page number that is not one (never a 500, never a silent clamp)."""
    paginator = Paginator(queryset, per_page, allow_empty_first_page=True)
    try:
        page = paginator.page(number or 1)
    except InvalidPage as exc:
        raise Http404 from exc
    page.page_range = list(paginator.get_elided_page_range(page.number, on_each_side=2))
    return page


# --- the list ------------------------------------------------------------------------------


def project_search(queryset: QuerySet, q: str) -> QuerySet:
    """French full-text search (ranked) on PostgreSQL; a plain match elsewhere."""
    q = q.strip()[:SEARCH_MAX_LENGTH]
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
    return queryset.filter(
        Q(title__icontains=q) | Q(summary__icontains=q) | Q(body__icontains=q)
    ).annotate(rank=Value(1.0))


def project_list(*, filters: ProjectFilters) -> QuerySet:
    """Visible projects, filtered, searched and sorted for /projets/."""
    qs = Project.objects.visible().select_related("neighbourhood")
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.neighbourhood is not None:
        qs = qs.filter(neighbourhood=filters.neighbourhood)
    if filters.origin:
        qs = qs.filter(origin=filters.origin)
    searching = bool(filters.q.strip())
    qs = project_search(qs, filters.q)
    sort = filters.sort or (Sort.RELEVANCE if searching else Sort.RECENT)
    if sort == Sort.RELEVANCE and searching:
        return qs.order_by("-rank", "-created_at", "-pk")
    if sort == Sort.SUPPORTED:
        return qs.order_by("-support_count", "-created_at", "-pk")
    if sort == Sort.DISCUSSED:
        return qs.order_by("-comment_count", "-created_at", "-pk")
    return qs.order_by("-created_at", "-pk")


def project_list_page(*, filters: ProjectFilters, page) -> Page:
    return _paginate(project_list(filters=filters), per_page=PROJECTS_PER_PAGE, number=page)


def project_map_markers(projects) -> list[dict[str, Any]]:
    """Markers for the projects shown (the list is their accessible equivalent)."""
    return [
        {
            "title": p.title,
            "url": p.get_absolute_url(),
            "lat": float(p.latitude),
            "lng": float(p.longitude),
            "status": str(p.get_status_display()),
        }
        for p in projects
        if p.has_location
    ]


def project_list_recent(*, limit: int = 6) -> list[Project]:
    return list(
        Project.objects.visible().select_related("neighbourhood").order_by("-created_at")[:limit]
    )


def project_update_list_latest(*, limit: int = 5) -> list[ProjectUpdate]:
    return list(
        ProjectUpdate.objects.filter(project__is_hidden=False)
        .select_related("project")
        .order_by("-published_at")[:limit]
    )


# --- a project's page ----------------------------------------------------------------------


def project_get_for_page(*, slug: str, user: User) -> Project:
    """The project (hidden or not: the view decides), with whether this user supports and
    follows it, in one query."""
    qs = Project.objects.select_related("neighbourhood", "author").annotate(
        content_version=content_version_of(PROJECT)
    )
    if user.is_authenticated:
        qs = qs.annotate(
            user_supports=Exists(Support.objects.filter(project=OuterRef("pk"), user=user)),
            user_follows=Exists(Follow.objects.filter(project=OuterRef("pk"), user=user)),
        )
    else:
        qs = qs.annotate(user_supports=Value(False), user_follows=Value(False))
    project = qs.filter(slug=slug).first()
    if project is None:
        raise Http404
    return project


def project_page_key(*, slug: str) -> tuple[int, bool, int] | None:
    """What serving a cached project page needs, in one light query: the project's id,
    whether it is hidden, and its content version."""
    return (
        Project.objects.filter(slug=slug)
        .annotate(content_version=content_version_of(PROJECT))
        .values_list("pk", "is_hidden", "content_version")
        .first()
    )


def project_get(*, slug: str) -> Project:
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise Http404
    return project


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "status" or "update"
    at: datetime
    item: Any
    # What an update cites from the apps that take part in the project (page_parts.py).
    citations: tuple[page_parts.Citation, ...] = ()


def _live_comments() -> QuerySet:
    return Comment.objects.filter(state=CommentState.PUBLISHED, is_deleted=False)


def project_timeline(*, project: Project) -> list[TimelineEntry]:
    """Status changes (with the official answers) and updates, newest first. Each update
    carries the comments it cites, and what it cites from other apps (page_parts.py)."""
    updates = list(
        ProjectUpdate.objects.filter(project=project)
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "cited_comments",
                queryset=_live_comments().select_related("author").order_by("created_at"),
            ),
        )
        .order_by("-published_at")[:UPDATES_SHOWN]
    )
    cited = page_parts.cited_by(updates)
    changes = StatusChange.objects.filter(project=project).order_by("-created_at")
    entries = [TimelineEntry("update", u.published_at, u, tuple(cited[u.pk])) for u in updates]
    entries += [TimelineEntry("status", c.created_at, c) for c in changes[:UPDATES_SHOWN]]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _visible_comment_filter(user: User) -> Q:
    visible = Q(state=CommentState.PUBLISHED, is_deleted=False)
    if user.is_authenticated:
        # Authors still see their own hidden comment, with the team's reason.
        visible |= Q(author=user, is_deleted=False)
    return visible


def project_comments_page(
    *, project: Project, user: User, order: str = CommentOrder.NEWEST, page=1
) -> Page:
    """Top-level comments, 20 a page, with their first replies (prefetched, bounded).
    A deleted or hidden comment still appears, as a placeholder, while it has replies."""
    visible = _visible_comment_filter(user)
    replies = (
        Comment.objects.filter(visible)
        .select_related("author")
        .order_by("created_at", "pk")[:REPLIES_SHOWN]
    )
    direction = "" if order == CommentOrder.OLDEST else "-"
    top_level = (
        Comment.objects.filter(project=project, parent=None)
        .filter(visible | Q(reply_count__gt=0))
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="shown_replies"))
        .order_by(f"{direction}created_at", f"{direction}pk")
    )
    return _paginate(top_level, per_page=COMMENTS_PER_PAGE, number=page)


def comment_thread_page(*, comment: Comment, user: User, page=1) -> Page:
    """Every reply of one comment, 50 a page, oldest first."""
    replies = (
        Comment.objects.filter(parent=comment)
        .filter(_visible_comment_filter(user))
        .select_related("author")
        .order_by("created_at", "pk")
    )
    return _paginate(replies, per_page=REPLIES_PER_PAGE, number=page)


def comment_page_number(*, comment: Comment, order: str = CommentOrder.NEWEST) -> int:
    """On which page of its project's comments a top-level comment is shown."""
    top = comment.parent if comment.parent_id else comment
    before = Comment.objects.filter(project_id=top.project_id, parent=None).filter(
        Q(state=CommentState.PUBLISHED, is_deleted=False) | Q(reply_count__gt=0)
    )
    if order == CommentOrder.OLDEST:
        before = before.filter(
            Q(created_at__lt=top.created_at) | Q(created_at=top.created_at, pk__lt=top.pk)
        )
    else:
        before = before.filter(
            Q(created_at__gt=top.created_at) | Q(created_at=top.created_at, pk__gt=top.pk)
        )
    return before.count() // COMMENTS_PER_PAGE + 1


def comment_get(*, project: Project, pk: int) -> Comment:
    comment = (
        Comment.objects.select_related("author", "parent").filter(project=project, pk=pk).first()
    )
    if comment is None:
        raise Http404
    return comment
