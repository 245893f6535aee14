"""The report's figures, computed by database aggregation.

Every figure comes from `aggregate`/`annotate` queries (conditional counts, truncation to
weeks or months, a median through PostgreSQL's `percentile_cont`): the number of queries is
fixed, whatever the size of the town. The result is plain JSON-ready data (dicts, lists,
numbers, ISO dates) that a `ReportSnapshot` stores, the CSV and PDF export and the charts draw.

The queries fall into five independent groups. On PostgreSQL, outside a transaction, the
groups run at the same time on their own connections (the heavy ones take about the same
time, so a town-wide report over five years costs its slowest group, not their sum).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Greatest, Least, Trunc

from citizens import reporting as registry
from citizens.models import Neighbourhood, User
from consultations.models import Consultation, Contribution, ContributionState, Outcome
from moderation.models import ModerationLog
from projects.models import (
    DECIDED_OR_BEYOND,
    Comment,
    CommentState,
    Origin,
    Project,
    ProjectUpdate,
    Status,
    StatusChange,
)

from ..periods import Period, local_midnight
from ..scopes import CONSULTATION, NEIGHBOURHOOD, PROJECT, Scope

# Bump when the shape of the data changes: older snapshots are then ignored.
DATA_VERSION = 1
LIFECYCLE = list(Status.values)


class Median(Aggregate):
    """The median, through PostgreSQL's ordered-set aggregate (also takes `filter=`)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


def median_fallback(queryset: QuerySet, expression) -> dt.timedelta | None:
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


def share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


@dataclass(frozen=True)
class Window:
    """[start, end) in aware datetimes."""

    start: dt.datetime
    end: dt.datetime

    def q(self, field: str = "created_at") -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


def filtered(queryset: QuerySet, scope_q: Q | None) -> QuerySet | None:
    return None if scope_q is None else queryset.filter(scope_q)


def project_updates(scope: Scope) -> QuerySet:
    if scope.kind == CONSULTATION:
        # A round's updates are those that cite its contributions.
        cited = Contribution.cited_in_updates.through.objects.filter(
            contribution__consultation=scope.obj
        ).values("projectupdate_id")
        return ProjectUpdate.objects.filter(pk__in=cited)
    return ProjectUpdate.objects.filter(scope.q(project="project"))


# --- the acts of residents -----------------------------------------------------------------


def _acts(scope: Scope, window: Window) -> dict[str, tuple[QuerySet | None, str]]:
    """Querysets of what residents did in the period, by kind, with the field naming them:
    what each app registered (`<app>/reporting.py`, citizens.reporting).

    None when the kind is outside the scope (comments of a consultation round, for instance).
    """
    return {acts.key: (acts.queryset(scope, window), acts.person_field) for acts in registry.acts()}


def series() -> list[str]:
    """The kinds of acts counted week after week, in their registered order."""
    return [acts.key for acts in registry.acts() if acts.series]


def _participants_q(acts) -> Q:
    """Residents who did any of the acts, as an OR of correlated EXISTS.

    PostgreSQL probes each resident's rows through the author indexes and stops at the first
    act found, or hashes the acts when the period is short: it never has to deduplicate the
    millions of acts of a long period (EXPLAIN ANALYZE in docs/readme-reports.md).
    """
    parts = [
        Exists(queryset.filter(**{field: OuterRef("pk")}))
        for queryset, field in acts.values()
        if queryset is not None
    ]
    return reduce(or_, parts)


# --- the five groups of queries ------------------------------------------------------------


def _contributions(scope: Scope, window: Window) -> dict:
    """One pass over the period's contributions: answers, median delay, outcomes."""
    queryset = filtered(
        Contribution.objects.filter(window.q()),
        scope.q(project="consultation__project", consultation="consultation"),
    )
    published = Q(state=ContributionState.PUBLISHED)
    answered = published & Q(answered_at__isnull=False)
    delay = F("answered_at") - F("created_at")
    extra = {}
    if uses_postgres():
        extra["median"] = Median(_duration(delay), filter=answered, output_field=DurationField())
    figures = queryset.aggregate(
        published=Count("pk", filter=published),
        answered=Count("pk", filter=answered),
        **{value: Count("pk", filter=Q(outcome=value)) for value in Outcome.values},
        **extra,
    )
    if not uses_postgres():
        figures["median"] = median_fallback(queryset.filter(answered), delay)
    return figures


def _comment_answers(scope: Scope, window: Window) -> dict:
    """Residents' top-level comments, and the first published reply of the team to each.

    The delays are grouped from the team's replies (joined to the comment they answer), which
    PostgreSQL hashes once, rather than grouping every comment with its replies.
    """
    comment_scope = scope.q(project="project")
    if comment_scope is None:
        return {"total": None, "answered": None, "median": None}
    top_level = {
        "parent__isnull": True,
        "by_team": False,
        "state": CommentState.PUBLISHED,
    }
    total = Comment.objects.filter(comment_scope, window.q(), **top_level).count()
    answers = (
        Comment.objects.filter(
            scope.q(project="parent__project"),
            window.q("parent__created_at"),
            by_team=True,
            state=CommentState.PUBLISHED,
            **{f"parent__{lookup}": value for lookup, value in top_level.items()},
        )
        .values("parent")
        .annotate(delay=_duration(Min("created_at") - F("parent__created_at")))
        .order_by()
    )
    extra = {}
    if uses_postgres():
        extra["median"] = Median("delay", output_field=DurationField())
    figures = {"total": total, **answers.aggregate(answered=Count("parent"), **extra)}
    if not uses_postgres():
        figures["median"] = median_fallback(answers, F("delay"))
    return figures


def _activity(scope: Scope, window: Window, now: dt.datetime) -> dict:
    """The small tables: rounds, updates, moderation log, status changes, proposals."""
    # Rounds held: opened before the end of the period (and before now), closing after its
    # start; their open days are counted inside the period only, up to now.
    until = min(window.end, now)
    rounds = filtered(
        Consultation.objects.filter(opens_at__lt=until, closes_at__gt=window.start),
        scope.q(project="project", consultation=""),
    )
    open_time = _duration(
        Least(F("closes_at"), Value(until)) - Greatest(F("opens_at"), Value(window.start))
    )
    figures = {"rounds": rounds.aggregate(count=Count("pk"), open_time=Sum(open_time))}
    figures["updates"] = project_updates(scope).filter(window.q("published_at")).count()
    figures["moderation"] = list(
        _moderation_logs(scope)
        .filter(window.q())
        .values("to_state")
        .annotate(count=Count("pk"), automatic=Count("pk", filter=Q(automatic=True)))
        .order_by("-count", "to_state")
    )
    changes = filtered(StatusChange.objects.filter(window.q()), scope.q(project="project"))
    figures["status"] = None
    if changes is not None:
        figures["status"] = changes.aggregate(
            changes=Count("pk"),
            projects=Count("project", distinct=True),
            proposals=Count(
                "project",
                distinct=True,
                filter=Q(project__origin=Origin.RESIDENT, to_status__in=DECIDED_OR_BEYOND),
            ),
        )
        figures["status"]["by_status"] = sorted(
            changes.values("to_status")
            .annotate(projects=Count("project", distinct=True))
            .order_by(),
            key=lambda row: LIFECYCLE.index(row["to_status"]),
        )
        figures["status"]["proposals_submitted"] = Project.objects.filter(
            scope.q(project=""), window.q(), origin=Origin.RESIDENT
        ).count()
    return figures


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


def _reach(scope: Scope, window: Window) -> dict:
    joined = window.q("date_joined")
    by_hood = {
        row["neighbourhood_id"]: row
        for row in User.objects.filter(_participants_q(_acts(scope, window)))
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
                "share": share(count, hood["population"]),
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


class WidthBucket(Func):
    """PostgreSQL's width_bucket(value, thresholds[]): the 1-based bucket a value falls in."""

    function = "WIDTH_BUCKET"
    output_field = IntegerField()


def _bucket_expression(period: Period, starts: list[dt.date]):
    """Which week or month each row falls in.

    On PostgreSQL, a binary search among the buckets' first instants (local midnights,
    computed here with their clock changes) costs less per row than converting every
    timestamp to the town's time zone and truncating it; elsewhere, Trunc.
    """
    if uses_postgres():
        from django.contrib.postgres.fields import ArrayField

        thresholds = [local_midnight(start) for start in starts]
        return WidthBucket(
            F("created_at"), Value(thresholds, output_field=ArrayField(DateTimeField()))
        ), lambda bucket: starts[bucket - 1] if bucket else None
    return Trunc("created_at", period.granularity, output_field=DateField()), lambda day: day


def _participation(scope: Scope, period: Period, window: Window) -> dict:
    starts = period.bucket_starts()
    bucket, to_start = _bucket_expression(period, starts)
    acts = _acts(scope, window)
    names = series()
    counts: dict[str, dict[dt.date, int] | None] = {}
    for name in names:
        queryset, _field = acts[name]
        if queryset is None:
            counts[name] = None
            continue
        rows = queryset.annotate(bucket=bucket).values("bucket").annotate(count=Count("pk"))
        counts[name] = {to_start(row["bucket"]): row["count"] for row in rows.order_by()}
    buckets = [
        {
            "start": start.isoformat(),
            **{
                name: None if counts[name] is None else counts[name].get(start, 0) for name in names
            },
        }
        for start in starts
    ]
    totals = {name: None if counts[name] is None else sum(counts[name].values()) for name in names}
    return {"granularity": period.granularity, "buckets": buckets, "totals": totals}


# --- running the groups --------------------------------------------------------------------


def tune_session() -> None:
    """For the current transaction only: room to hash and sort in memory, and no JIT (its
    compilation costs more than these short aggregations take; measured with EXPLAIN)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
            [settings.REPORTS_WORK_MEM],
        )


def _run_in_transaction(function):
    with transaction.atomic():
        if uses_postgres():
            tune_session()
        return function()


def _run_on_own_connection(function):
    try:
        return _run_in_transaction(function)
    finally:
        connection.close()


def can_run_concurrently() -> bool:
    """Other connections see the same data only outside a transaction (tests run inside
    one), and SQLite has a single writer: then the groups run one after the other."""
    return uses_postgres() and settings.REPORTS_QUERY_THREADS > 1 and not connection.in_atomic_block


def _run_groups(groups: dict, concurrent: bool) -> dict:
    if not concurrent:
        return _run_in_transaction(lambda: {name: run() for name, run in groups.items()})
    with ThreadPoolExecutor(max_workers=settings.REPORTS_QUERY_THREADS) as pool:
        futures = {name: pool.submit(_run_on_own_connection, run) for name, run in groups.items()}
        return {name: future.result() for name, future in futures.items()}


def compute_figures(
    *, scope: Scope, period: Period, now: dt.datetime, concurrent: bool | None = None
) -> dict:
    window = Window(period.start_at, period.end_at)
    if concurrent is None:
        concurrent = can_run_concurrently()
    # Longest first, so that the pool starts them first.
    parts = _run_groups(
        {
            "reach": lambda: _reach(scope, window),
            "participation": lambda: _participation(scope, period, window),
            "comments": lambda: _comment_answers(scope, window),
            "contributions": lambda: _contributions(scope, window),
            "activity": lambda: _activity(scope, window, now),
        },
        concurrent,
    )
    contributions, comments, activity = parts["contributions"], parts["comments"], parts["activity"]
    rounds, status, moderation = activity["rounds"], activity["status"], activity["moderation"]
    outcomes = {value: contributions[value] for value in Outcome.values}
    with_outcome = sum(outcomes.values())
    return {
        "means": {
            "rounds_held": rounds["count"],
            "open_days": (
                round(rounds["open_time"].total_seconds() / 86400, 1)
                if rounds["open_time"]
                else 0.0
            ),
            "updates_posted": activity["updates"],
            "contributions_published": contributions["published"],
            "contributions_answered": contributions["answered"],
            "contributions_answered_share": share(
                contributions["answered"], contributions["published"]
            ),
            "comments_top_level": comments["total"],
            "comments_answered": comments["answered"],
            "comments_answered_share": share(comments["answered"], comments["total"]),
            "median_answer_hours_contributions": _hours(contributions["median"]),
            "median_answer_hours_comments": _hours(comments["median"]),
            "moderation_decisions": sum(row["count"] for row in moderation),
            "moderation_automatic": sum(row["automatic"] for row in moderation),
            "moderation_by_state": [
                {"key": row["to_state"], "count": row["count"], "automatic": row["automatic"]}
                for row in moderation
            ],
        },
        "reach": parts["reach"],
        "participation": parts["participation"],
        "results": {
            "outcomes": [
                {
                    "key": value,
                    "count": outcomes[value],
                    "share": share(outcomes[value], with_outcome),
                }
                for value in Outcome.values
            ],
            "contributions_with_outcome": with_outcome,
            "status_changes": status and status["changes"],
            "projects_status_moved": status and status["projects"],
            "status_moves_by_status": [
                {"key": row["to_status"], "count": row["projects"]}
                for row in (status["by_status"] if status else [])
            ],
            "proposals_submitted": status and status["proposals_submitted"],
            "proposals_decided": status and status["proposals"],
        },
    }
