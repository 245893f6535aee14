"""Participation reports, computed by database aggregation.

Every figure comes from `aggregate`/`annotate` queries (conditional counts, truncation to
weeks or months, a median through PostgreSQL's `percentile_cont`): the number of queries is
fixed, whatever the size of the town. The result is plain JSON-ready data (dicts, lists,
numbers, ISO dates) so that it can be stored in a `ReportSnapshot`, exported as CSV or PDF,
and drawn as charts without touching the database again.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Greatest, Least, Trunc
from django.urls import NoReverseMatch
from django.utils import timezone

from citizens.models import ModerationLog, Neighbourhood, User
from consultations.models import (
    Consultation,
    Contribution,
    ContributionState,
    Outcome,
    Synthesis,
    Vote,
)
from projects.models import (
    DECIDED_OR_BEYOND,
    Comment,
    CommentState,
    Origin,
    Project,
    ProjectUpdate,
    Status,
    StatusChange,
    Support,
)

from .models import ReportSnapshot
from .periods import EVERYTHING, STANDARD_PRESETS, Period, preset_period
from .scopes import CONSULTATION, NEIGHBOURHOOD, PROJECT, Scope

LIFECYCLE = list(Status.values)
# Bump when the shape of the data changes: older snapshots are then ignored.
DATA_VERSION = 1
# The story shows at most this many entries (the most recent ones).
STORY_LIMIT = 60
# Contributions that count as participation: what moderation did not refuse or hide.
COUNTED_CONTRIBUTION_STATES = [ContributionState.PENDING, ContributionState.PUBLISHED]


class Median(Aggregate):
    """The median, through PostgreSQL's ordered-set aggregate (also takes `filter=`)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


def _median_fallback(queryset: QuerySet, expression) -> dt.timedelta | None:
    """SQLite (the embedded demo) has no percentile: take the middle row(s) in SQL."""
    ordered = queryset.annotate(_delay=_duration(expression)).filter(_delay__isnull=False)
    count = ordered.count()
    if not count:
        return None
    middle = list(
        ordered.order_by("_delay").values_list("_delay", flat=True)[
            (count - 1) // 2 : count // 2 + 1
        ]
    )
    return sum(middle, dt.timedelta()) / len(middle)


def _hours(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 2)


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


@dataclass(frozen=True)
class _Window:
    start: dt.datetime
    end: dt.datetime

    def q(self, field: str = "created_at") -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


def _filtered(queryset: QuerySet, scope_q: Q | None) -> QuerySet | None:
    return None if scope_q is None else queryset.filter(scope_q)


# --- the acts of residents -----------------------------------------------------------------


def _acts(scope: Scope, window: _Window) -> dict[str, tuple[QuerySet | None, str]]:
    """Querysets of what residents did in the period, by kind, with the field naming them.

    None when the kind is outside the scope (comments of a consultation round, for instance).
    """
    return {
        "contributions": (
            _filtered(
                Contribution.objects.filter(window.q(), state__in=COUNTED_CONTRIBUTION_STATES),
                scope.q(project="consultation__project", consultation="consultation"),
            ),
            "author_id",
        ),
        "comments": (
            _filtered(
                Comment.objects.filter(window.q(), by_team=False, state=CommentState.PUBLISHED),
                scope.q(project="project"),
            ),
            "author_id",
        ),
        "supports": (
            _filtered(Support.objects.filter(window.q()), scope.q(project="project")),
            "user_id",
        ),
        "votes": (
            _filtered(
                Vote.objects.filter(window.q()),
                scope.q(project="consultation__project", consultation="consultation"),
            ),
            "user_id",
        ),
        "proposals": (
            _filtered(
                Project.objects.filter(window.q(), origin=Origin.RESIDENT), scope.q(project="")
            ),
            "author_id",
        ),
    }


def _participants_q(acts) -> Q:
    parts = [
        Q(pk__in=queryset.filter(**{f"{field}__isnull": False}).values(field))
        for queryset, field in acts.values()
        if queryset is not None
    ]
    return reduce(or_, parts)


# --- the four sections ---------------------------------------------------------------------


def _means(scope: Scope, period: Period, window: _Window, now: dt.datetime) -> dict:
    postgres = _uses_postgres()

    # Rounds held: opened before the end of the period (and before now), closing after its
    # start; their open days are counted inside the period only, up to now.
    until = min(window.end, now)
    rounds = _filtered(
        Consultation.objects.filter(opens_at__lt=until, closes_at__gt=window.start),
        scope.q(project="project", consultation=""),
    )
    open_time = _duration(
        Least(F("closes_at"), Value(until)) - Greatest(F("opens_at"), Value(window.start))
    )
    rounds_agg = rounds.aggregate(count=Count("pk"), open_time=Sum(open_time))

    # Published contributions of the period, and the team's answers to them.
    contributions = _filtered(
        Contribution.objects.filter(window.q(), state=ContributionState.PUBLISHED),
        scope.q(project="consultation__project", consultation="consultation"),
    )
    answered = Q(answered_at__isnull=False)
    delay = F("answered_at") - F("created_at")
    extra = {}
    if postgres:
        extra["median"] = Median(_duration(delay), filter=answered, output_field=DurationField())
    contribution_agg = contributions.aggregate(
        published=Count("pk"), answered=Count("pk", filter=answered), **extra
    )
    contribution_median = (
        contribution_agg["median"]
        if postgres
        else _median_fallback(contributions.filter(answered), delay)
    )

    # Residents' top-level comments, and the first reply from the team to each.
    comment_scope = scope.q(project="project")
    comments_agg = {"total": None, "answered": None}
    comment_median = None
    if comment_scope is not None:
        top_level = Comment.objects.filter(
            comment_scope,
            window.q(),
            parent__isnull=True,
            by_team=False,
            state=CommentState.PUBLISHED,
        ).annotate(
            first_answer=Min(
                "replies__created_at",
                filter=Q(replies__by_team=True, replies__state=CommentState.PUBLISHED),
            )
        )
        comment_delay = F("first_answer") - F("created_at")
        extra = {}
        if postgres:
            extra["median"] = Median(_duration(comment_delay), output_field=DurationField())
        comments_agg = top_level.aggregate(
            total=Count("pk"), answered=Count("pk", filter=Q(first_answer__isnull=False)), **extra
        )
        comment_median = (
            comments_agg["median"] if postgres else _median_fallback(top_level, comment_delay)
        )

    updates = _updates(scope).filter(window.q("published_at")).count()

    moderation_rows = list(
        _moderation_logs(scope)
        .filter(window.q())
        .values("to_state")
        .annotate(count=Count("pk"), automatic=Count("pk", filter=Q(automatic=True)))
        .order_by("-count", "to_state")
    )
    open_time = rounds_agg["open_time"]
    return {
        "rounds_held": rounds_agg["count"],
        "open_days": round(open_time.total_seconds() / 86400, 1) if open_time else 0.0,
        "updates_posted": updates,
        "contributions_published": contribution_agg["published"],
        "contributions_answered": contribution_agg["answered"],
        "contributions_answered_share": _share(
            contribution_agg["answered"], contribution_agg["published"]
        ),
        "comments_top_level": comments_agg["total"],
        "comments_answered": comments_agg["answered"],
        "comments_answered_share": _share(comments_agg["answered"], comments_agg["total"]),
        "median_answer_hours_contributions": _hours(contribution_median),
        "median_answer_hours_comments": _hours(comment_median),
        "moderation_decisions": sum(row["count"] for row in moderation_rows),
        "moderation_automatic": sum(row["automatic"] for row in moderation_rows),
        "moderation_by_state": [
            {"key": row["to_state"], "count": row["count"], "automatic": row["automatic"]}
            for row in moderation_rows
        ],
    }


def _updates(scope: Scope) -> QuerySet:
    if scope.kind == CONSULTATION:
        # A round's updates are those that cite its contributions.
        cited = Contribution.cited_in_updates.through.objects.filter(
            contribution__consultation=scope.obj
        ).values("projectupdate_id")
        return ProjectUpdate.objects.filter(pk__in=cited)
    return ProjectUpdate.objects.filter(scope.q(project="project"))


def _moderation_logs(scope: Scope) -> QuerySet:
    logs = ModerationLog.objects.all()
    if scope.is_town:
        return logs
    types = ContentType.objects.get_for_models(Contribution, Comment, Project)
    targets = [
        (Contribution, scope.q(project="consultation__project", consultation="consultation")),
        (Comment, scope.q(project="project")),
        (Project, scope.q(project="")),
    ]
    parts = [
        Q(content_type=types[model], object_id__in=model.objects.filter(q).values("pk"))
        for model, q in targets
        if q is not None
    ]
    return logs.filter(reduce(or_, parts))


def _reach(scope: Scope, window: _Window, acts) -> dict:
    joined = window.q("date_joined")
    by_hood = {
        row["neighbourhood_id"]: row
        for row in User.objects.filter(_participants_q(acts))
        .values("neighbourhood_id")
        .annotate(participants=Count("pk"), new=Count("pk", filter=joined))
        .order_by()
    }
    if scope.kind in (PROJECT, CONSULTATION):
        # For one project or round: the participants whose account is new.
        new_accounts = sum(row["new"] for row in by_hood.values())
    else:
        accounts = User.objects.filter(joined)
        if scope.kind == NEIGHBOURHOOD:
            accounts = accounts.filter(neighbourhood=scope.obj)
        new_accounts = accounts.count()

    neighbourhoods = []
    for hood in Neighbourhood.objects.order_by("name").values("pk", "slug", "name", "population"):
        count = by_hood.get(hood["pk"], {}).get("participants", 0)
        neighbourhoods.append(
            {
                "key": hood["slug"],
                "label": hood["name"],
                "participants": count,
                "population": hood["population"],
                "share": _share(count, hood["population"]),
            }
        )
    unknown = by_hood.get(None, {}).get("participants", 0)
    if unknown:
        neighbourhoods.append(
            {"key": "", "label": "", "participants": unknown, "population": None, "share": None}
        )
    return {
        "participants": sum(row["participants"] for row in by_hood.values()),
        "new_accounts": new_accounts,
        "by_neighbourhood": neighbourhoods,
    }


SERIES = ["contributions", "comments", "supports", "votes"]


def _participation(period: Period, acts) -> dict:
    kind = period.granularity
    counts: dict[str, dict[dt.date, int] | None] = {}
    for name in SERIES:
        queryset, _field = acts[name]
        if queryset is None:
            counts[name] = None
            continue
        rows = (
            queryset.annotate(bucket=Trunc("created_at", kind, output_field=DateField()))
            .values("bucket")
            .annotate(count=Count("pk"))
            .order_by()
        )
        counts[name] = {row["bucket"]: row["count"] for row in rows}
    buckets = []
    for start in period.bucket_starts():
        buckets.append(
            {
                "start": start.isoformat(),
                **{
                    name: None if counts[name] is None else counts[name].get(start, 0)
                    for name in SERIES
                },
            }
        )
    totals = {name: None if counts[name] is None else sum(counts[name].values()) for name in SERIES}
    return {"granularity": kind, "buckets": buckets, "totals": totals}


def _results(scope: Scope, window: _Window) -> dict:
    contributions = _filtered(
        Contribution.objects.filter(window.q()),
        scope.q(project="consultation__project", consultation="consultation"),
    )
    outcomes = contributions.aggregate(
        **{value: Count("pk", filter=Q(outcome=value)) for value in Outcome.values}
    )
    with_outcome = sum(outcomes.values())
    result = {
        "outcomes": [
            {"key": value, "count": outcomes[value], "share": _share(outcomes[value], with_outcome)}
            for value in Outcome.values
        ],
        "contributions_with_outcome": with_outcome,
        "status_changes": None,
        "projects_status_moved": None,
        "status_moves_by_status": [],
        "proposals_submitted": None,
        "proposals_decided": None,
    }
    changes = _filtered(StatusChange.objects.filter(window.q()), scope.q(project="project"))
    if changes is not None:
        agg = changes.aggregate(
            changes=Count("pk"),
            projects=Count("project", distinct=True),
            proposals=Count(
                "project",
                distinct=True,
                filter=Q(project__origin=Origin.RESIDENT, to_status__in=DECIDED_OR_BEYOND),
            ),
        )
        by_status = sorted(
            changes.values("to_status")
            .annotate(projects=Count("project", distinct=True))
            .order_by(),
            key=lambda row: LIFECYCLE.index(row["to_status"]),
        )
        result.update(
            status_changes=agg["changes"],
            projects_status_moved=agg["projects"],
            proposals_decided=agg["proposals"],
            status_moves_by_status=[
                {"key": row["to_status"], "count": row["projects"]} for row in by_status
            ],
            proposals_submitted=Project.objects.filter(
                scope.q(project=""), window.q(), origin=Origin.RESIDENT
            ).count(),
        )
    return result


# --- entry points --------------------------------------------------------------------------


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


def report_compute(*, scope: Scope, period: Period, now: dt.datetime | None = None) -> dict:
    """Every indicator of the report, as JSON-ready data."""
    now = now or timezone.now()
    window = _Window(period.start_at, period.end_at)
    acts = _acts(scope, window)
    return {
        "version": DATA_VERSION,
        "scope": {"kind": scope.kind, "key": scope.key, "label": scope.label},
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "preset": period.preset,
            "granularity": period.granularity,
        },
        "means": _means(scope, period, window, now),
        "reach": _reach(scope, window, acts),
        "participation": _participation(period, acts),
        "results": _results(scope, window),
    }


@dataclass(frozen=True)
class Report:
    data: dict
    computed_at: dt.datetime
    from_snapshot: bool


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


def snapshot_key(preset: str) -> str:
    return f"commune:{preset}"


def timed_report_compute(*, scope: Scope, period: Period) -> tuple[dict, float]:
    started = time.perf_counter()
    data = report_compute(scope=scope, period=period)
    return data, time.perf_counter() - started


# --- the story -----------------------------------------------------------------------------


def _url(obj) -> str:
    """The public page of an object; empty if that app's pages are not installed."""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def _author_name(user) -> str:
    return user.display_name if user is not None else ""


def report_story(*, scope: Scope, period: Period, limit: int = STORY_LIMIT) -> dict:
    """Syntheses and project updates of the period, with what they cite, oldest first.

    Returns plain data: {"entries": [...], "total": n, "shown": m}. Bodies are raw Markdown,
    rendered by the caller through `render_markdown`.
    """
    window = _Window(period.start_at, period.end_at)
    syntheses = _filtered(
        Synthesis.objects.filter(window.q("published_at")),
        scope.q(project="consultation__project", consultation="consultation"),
    )
    syntheses = (
        syntheses.select_related("consultation__project")
        .annotate(
            published_contributions=Count(
                "consultation__contributions",
                filter=Q(consultation__contributions__state=ContributionState.PUBLISHED),
            ),
            **{
                f"outcome_{value}": Count(
                    "consultation__contributions",
                    filter=Q(consultation__contributions__outcome=value),
                )
                for value in Outcome.values
            },
        )
        .order_by("-published_at", "-pk")[:limit]
    )
    updates = (
        _updates(scope)
        .filter(window.q("published_at"))
        .select_related("project")
        .prefetch_related(
            Prefetch(
                "cited_contributions",
                queryset=Contribution.objects.filter(state=ContributionState.PUBLISHED)
                .select_related("author", "consultation")
                .order_by("created_at"),
            ),
            Prefetch(
                "cited_comments",
                queryset=Comment.objects.filter(state=CommentState.PUBLISHED, is_deleted=False)
                .select_related("author", "project")
                .order_by("created_at"),
            ),
        )
        .order_by("-published_at", "-pk")[:limit]
    )
    entries = [
        {
            "kind": "synthesis",
            "date": synthesis.published_at,
            "title": synthesis.consultation.title,
            "url": _url(synthesis.consultation),
            "project": synthesis.consultation.project.title,
            "project_url": _url(synthesis.consultation.project),
            "body": synthesis.body,
            "published_contributions": synthesis.published_contributions,
            "outcomes": {value: getattr(synthesis, f"outcome_{value}") for value in Outcome.values},
            "citations": [],
        }
        for synthesis in syntheses
    ]
    for update in updates:
        citations = [
            {
                "kind": "contribution",
                "author": _author_name(c.author),
                "body": c.body,
                "date": c.created_at,
                "url": _url(c),
                "context": c.consultation.title,
                "outcome": c.outcome,
            }
            for c in update.cited_contributions.all()
        ] + [
            {
                "kind": "comment",
                "author": _author_name(c.author),
                "body": c.body,
                "date": c.created_at,
                "url": _url(c),
                "context": update.project.title,
                "outcome": "",
            }
            for c in update.cited_comments.all()
        ]
        entries.append(
            {
                "kind": "update",
                "date": update.published_at,
                "title": update.title,
                "url": _url(update),
                "project": update.project.title,
                "project_url": _url(update.project),
                "body": update.body,
                "citations": citations,
            }
        )
    entries.sort(key=lambda entry: entry["date"], reverse=True)
    shown = entries[:limit]
    shown.reverse()
    total = len(entries)
    if len(syntheses) == limit or len(updates) == limit:
        # Truncated: count them all (two cheap counts), to say how many are left out.
        total = _filtered(
            Synthesis.objects.filter(window.q("published_at")),
            scope.q(project="consultation__project", consultation="consultation"),
        ).count()
        total += _updates(scope).filter(window.q("published_at")).count()
    return {"entries": shown, "total": total, "shown": len(shown)}
