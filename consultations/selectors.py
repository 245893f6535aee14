"""Reads of the consultations app, shaped for the pages that show them.

Every list is bounded (a limit or a page) and fetched with what its template reads, so a
page's query count does not grow with rounds, contributions, votes or options.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Min, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from citizens.models import User
from pagecache.versions import content_version_of
from projects.models import ProjectUpdate

from .cached_pages import ROUND
from .models import Consultation, Contribution, ContributionState, Option, Vote

LIST_SECTION_LIMIT = 30
CLOSED_PER_PAGE = 12
CONTRIBUTIONS_PER_PAGE = 20
OWN_CONTRIBUTIONS_LIMIT = 20


def _rounds() -> QuerySet[Consultation]:
    return Consultation.objects.select_related("project", "synthesis")


def _listed_rounds() -> QuerySet[Consultation]:
    """Rounds residents see in lists: not those of a project the team hid."""
    return _rounds().filter(project__is_hidden=False)


@dataclass
class ConsultationIndex:
    open: list[Consultation]
    upcoming: list[Consultation]
    closed: Page


def consultation_index(*, closed_page: str | int | None = 1) -> ConsultationIndex:
    """The /consultations/ page: open rounds (closing soonest first), upcoming rounds
    (opening soonest first), and closed rounds, most recent first, a page at a time."""
    now = timezone.now()
    rounds = _listed_rounds()
    open_rounds = list(rounds.open(now).order_by("closes_at", "pk")[:LIST_SECTION_LIMIT])
    upcoming = list(rounds.upcoming(now).order_by("opens_at", "pk")[:LIST_SECTION_LIMIT])
    closed = Paginator(rounds.closed(now).order_by("-closes_at", "-pk"), CLOSED_PER_PAGE)
    return ConsultationIndex(
        open=open_rounds, upcoming=upcoming, closed=closed.get_page(closed_page)
    )


def consultation_list_open_for_home(*, limit: int = 3) -> list[Consultation]:
    """Open rounds for the home page, the ones closing soonest first."""
    return list(_listed_rounds().open().order_by("closes_at", "pk")[:limit])


def consultation_next_change(*, now) -> datetime | None:
    """The next moment a round opens or closes: what lists of rounds depend on, besides
    the writes."""
    moments = Consultation.objects.aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)),
        closes=Min("closes_at", filter=Q(closes_at__gt=now)),
    )
    return min((m for m in moments.values() if m is not None), default=None)


def consultation_page_key(*, slug: str) -> dict | None:
    """What serving a cached round page needs, in one light query: its id, dates, when its
    synthesis is published, and its content version."""
    return (
        Consultation.objects.filter(slug=slug)
        .annotate(content_version=content_version_of(ROUND))
        .values(
            "pk",
            "opens_at",
            "closes_at",
            "synthesis__published_at",
            "content_version",
            "project__is_hidden",
        )
        .first()
    )


def consultation_get(*, slug: str) -> Consultation:
    """The round, with its content version (the key of its cached page)."""
    rounds = _rounds().annotate(content_version=content_version_of(ROUND))
    return get_object_or_404(rounds, slug=slug)


def option_list(*, consultation: Consultation) -> list[Option]:
    return list(consultation.options.all())


@dataclass
class OptionResult:
    option: Option
    votes: int
    percent: float

    @property
    def bar_class(self) -> str:
        # Widths come from CSS classes in steps of 5 %, never from inline styles.
        return f"result-bar-{int(round(self.percent / 5) * 5)}"


def option_results(*, options: list[Option]) -> tuple[list[OptionResult], int]:
    """Votes and shares per option, from the counters the services keep."""
    total = sum(option.vote_count for option in options)
    results = [
        OptionResult(
            option=option,
            votes=option.vote_count,
            percent=round(100 * option.vote_count / total, 1) if total else 0.0,
        )
        for option in options
    ]
    return results, total


def vote_get(*, consultation: Consultation, user: User) -> Vote | None:
    if not user.is_authenticated:
        return None
    return Vote.objects.filter(consultation=consultation, user=user).first()


def _with_page_relations(queryset: QuerySet[Contribution]) -> QuerySet[Contribution]:
    return queryset.select_related("author", "option", "answered_by").prefetch_related(
        Prefetch(
            "cited_in_updates",
            queryset=ProjectUpdate.objects.select_related("project").order_by("published_at"),
        )
    )


def contribution_page(*, consultation: Consultation, page: str | int | None = 1) -> Page:
    """The round's published contributions, oldest first, a page at a time."""
    queryset = _with_page_relations(
        consultation.contributions.filter(state=ContributionState.PUBLISHED).order_by(
            "created_at", "pk"
        )
    )
    return Paginator(queryset, CONTRIBUTIONS_PER_PAGE).get_page(page)


def contribution_list_of_author(*, consultation: Consultation, user: User) -> list[Contribution]:
    """The viewer's own contributions to the round, in every state, most recent first."""
    if not user.is_authenticated:
        return []
    return list(
        _with_page_relations(
            consultation.contributions.filter(author=user).order_by("-created_at", "-pk")
        )[:OWN_CONTRIBUTIONS_LIMIT]
    )
