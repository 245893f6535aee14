"""What the projects app brings to the participation reports (see citizens.reporting):
comments, supports and residents' proposals as acts of participation, and the indicators
about projects, their updates and their steps."""

from django.utils.translation import gettext_lazy as _

from citizens import reporting as registry

from .models import Comment, CommentState, Origin, Project, ProjectUpdate, Support

registry.register_acts(
    registry.Acts(
        key="comments",
        queryset=lambda scope, window: registry.within(
            Comment.objects.filter(window.q(), by_team=False, state=CommentState.PUBLISHED),
            scope.q(project="project"),
        ),
        person_field="author_id",
        order=20,
    )
)
registry.register_acts(
    registry.Acts(
        key="supports",
        queryset=lambda scope, window: registry.within(
            Support.objects.filter(window.q()), scope.q(project="project")
        ),
        person_field="user_id",
        order=30,
    )
)
# Proposing a project makes a participant; proposals are not a weekly series of their own.
registry.register_acts(
    registry.Acts(
        key="proposals",
        queryset=lambda scope, window: registry.within(
            Project.objects.filter(window.q(), origin=Origin.RESIDENT), scope.q(project="")
        ),
        person_field="author_id",
        series=False,
        order=50,
    )
)

registry.register_indicators(
    registry.Indicator(
        "updates_posted",
        registry.MEANS,
        _("Actualités de projet publiées"),
        _(
            "Actualités publiées par l'équipe sur les projets du périmètre ; pour une "
            "concertation, celles qui citent ses contributions."
        ),
        order=30,
    ),
    registry.Indicator(
        "comments_answered_share",
        registry.MEANS,
        _("Commentaires qui ont reçu une réponse"),
        _(
            "Part des commentaires d'habitants publiés pendant la période (hors réponses) "
            "auxquels l'équipe a répondu par une réponse publiée."
        ),
        registry.PERCENT,
        order=50,
    ),
    registry.Indicator(
        "median_answer_hours_comments",
        registry.MEANS,
        _("Délai médian de première réponse aux commentaires"),
        _(
            "La moitié des commentaires qui ont reçu une réponse de l'équipe l'ont eue en "
            "moins de ce délai, compté depuis leur publication."
        ),
        registry.HOURS,
        order=70,
    ),
    registry.Indicator(
        "comments",
        registry.PARTICIPATION,
        _("Commentaires"),
        _(
            "Commentaires et réponses d'habitants publiés sur les projets (hors réponses de "
            "l'équipe)."
        ),
        order=20,
    ),
    registry.Indicator(
        "supports",
        registry.PARTICIPATION,
        _("Soutiens"),
        _("Soutiens apportés par les habitants aux projets."),
        order=30,
    ),
    registry.Indicator(
        "projects_status_moved",
        registry.RESULTS,
        _("Projets qui ont changé d'étape"),
        _(
            "Projets passés à une nouvelle étape pendant la période (par exemple de « À "
            "l'étude » à « En concertation », ou « Non retenu »)."
        ),
        order=20,
    ),
    registry.Indicator(
        "proposals_decided",
        registry.RESULTS,
        _("Propositions d'habitants décidées"),
        _(
            "Propositions d'habitants passées pendant la période à « Décidé », « En travaux » "
            "ou « Réalisé »."
        ),
        order=30,
    ),
    registry.Indicator(
        "proposals_submitted",
        registry.RESULTS,
        _("Propositions d'habitants déposées"),
        _("Projets proposés par des habitants pendant la période."),
        order=40,
    ),
)


# --- the story: project updates, and the comments they quote -------------------------------


def _updates(scope, window):
    """The period's updates in the scope; for a round, those the app of rounds relates to it
    (the updates that quote its contributions)."""
    in_scope = registry.within(
        ProjectUpdate.objects.all(),
        scope.q(
            project="project",
            consultation=registry.scope_path(scope="consultation", model="projects.ProjectUpdate"),
        ),
    )
    if in_scope is None:
        return None
    # A quoting relation can match an update several times: keep each once.
    return ProjectUpdate.objects.filter(window.q("published_at"), pk__in=in_scope.values("pk"))


def update_entries(scope, window, limit: int) -> list[dict]:
    queryset = _updates(scope, window)
    if queryset is None:
        return []
    updates = queryset.select_related("project").order_by("-published_at", "-pk")[:limit]
    return [
        {
            "kind": "update",
            "id": update.pk,
            "date": update.published_at,
            "title": update.title,
            "url": registry.url_of(update),
            "project": update.project.title,
            "project_url": registry.url_of(update.project),
            "body": update.body,
            "citations": [],
        }
        for update in updates
    ]


def _update_count(scope, window) -> int:
    queryset = _updates(scope, window)
    return 0 if queryset is None else queryset.count()


def cited_comments(update_ids: list[int]) -> dict[int, list[dict]]:
    """The published comments each update quotes, oldest first."""
    cited: dict[int, list[dict]] = {}
    rows = (
        Comment.cited_in_updates.through.objects.filter(
            projectupdate_id__in=update_ids,
            comment__state=CommentState.PUBLISHED,
            comment__is_deleted=False,
        )
        .select_related("comment__author", "comment__project", "projectupdate__project")
        .order_by("comment__created_at")
    )
    for row in rows:
        cited.setdefault(row.projectupdate_id, []).append(
            registry.citation("comment", row.comment, context=row.projectupdate.project.title)
        )
    return cited


registry.register_story_source(
    registry.StorySource(key="update", entries=update_entries, count=_update_count, order=20)
)
registry.register_story_citations(
    registry.StoryCitations(key="comments", kind="update", cite=cited_comments, order=20)
)
