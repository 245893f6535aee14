"""The story of a report: syntheses and project updates, with what they cite, in order."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.urls import NoReverseMatch

from consultations.models import Contribution, ContributionState, Outcome, Synthesis
from projects.models import Comment, CommentState

from ..periods import Period
from ..scopes import Scope
from .figures import Window, filtered, project_updates

# The story shows at most this many entries (the most recent ones).
STORY_LIMIT = 60


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
    window = Window(period.start_at, period.end_at)
    syntheses = filtered(
        Synthesis.objects.filter(window.q("published_at")),
        scope.q(project="consultation__project", consultation="consultation"),
    )
    syntheses = list(
        syntheses.select_related("consultation__project").order_by("-published_at", "-pk")[:limit]
    )
    # What became of each shown round's contributions: one grouped query for them all.
    tallies = (
        {
            row["consultation_id"]: row
            for row in Contribution.objects.filter(
                consultation_id__in=[synthesis.consultation_id for synthesis in syntheses]
            )
            .values("consultation_id")
            .annotate(
                published=Count("pk", filter=Q(state=ContributionState.PUBLISHED)),
                **{value: Count("pk", filter=Q(outcome=value)) for value in Outcome.values},
            )
            .order_by()
        }
        if syntheses
        else {}
    )
    updates = (
        project_updates(scope)
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
            "published_contributions": tallies.get(synthesis.consultation_id, {}).get(
                "published", 0
            ),
            "outcomes": {
                value: tallies.get(synthesis.consultation_id, {}).get(value, 0)
                for value in Outcome.values
            },
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
        total = filtered(
            Synthesis.objects.filter(window.q("published_at")),
            scope.q(project="consultation__project", consultation="consultation"),
        ).count()
        total += project_updates(scope).filter(window.q("published_at")).count()
    return {"entries": shown, "total": total, "shown": len(shown)}
