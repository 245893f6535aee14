"""What the consultations app brings to the participation reports (see citizens.reporting):
contributions and votes as acts of participation, and the indicators about rounds."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from citizens import reporting as registry

from .models import Contribution, ContributionState, Outcome, Synthesis, Vote

# Contributions that count as participation: what moderation did not refuse or hide.
COUNTED_CONTRIBUTION_STATES = [ContributionState.PENDING, ContributionState.PUBLISHED]
IN_ROUND = {"project": "consultation__project", "consultation": "consultation"}

registry.register_acts(
    registry.Acts(
        key="contributions",
        queryset=lambda scope, window: registry.within(
            Contribution.objects.filter(window.q(), state__in=COUNTED_CONTRIBUTION_STATES),
            scope.q(**IN_ROUND),
        ),
        person_field="author_id",
        order=10,
    )
)
registry.register_acts(
    registry.Acts(
        key="votes",
        queryset=lambda scope, window: registry.within(
            Vote.objects.filter(window.q()), scope.q(**IN_ROUND)
        ),
        person_field="user_id",
        order=40,
    )
)

registry.register_indicators(
    registry.Indicator(
        "rounds_held",
        registry.MEANS,
        _("Concertations tenues"),
        _("Concertations ouvertes à un moment de la période (et déjà ouvertes à ce jour)."),
        order=10,
    ),
    registry.Indicator(
        "open_days",
        registry.MEANS,
        _("Jours d'ouverture cumulés"),
        _(
            "Pour chaque concertation, les jours où elle était ouverte pendant la période "
            "(jusqu'à aujourd'hui), additionnés."
        ),
        registry.DAYS,
        order=20,
    ),
    registry.Indicator(
        "contributions_answered_share",
        registry.MEANS,
        _("Contributions qui ont reçu une réponse"),
        _(
            "Part des contributions publiées pendant la période auxquelles l'équipe a répondu "
            "(à ce jour)."
        ),
        registry.PERCENT,
        order=40,
    ),
    registry.Indicator(
        "median_answer_hours_contributions",
        registry.MEANS,
        _("Délai médian de réponse aux contributions"),
        _(
            "La moitié des contributions qui ont reçu une réponse l'ont eue en moins de ce "
            "délai, compté depuis leur envoi."
        ),
        registry.HOURS,
        order=60,
    ),
    registry.Indicator(
        "contributions",
        registry.PARTICIPATION,
        _("Contributions"),
        _("Contributions envoyées aux concertations, publiées ou en attente de validation."),
        order=10,
    ),
    registry.Indicator(
        "votes",
        registry.PARTICIPATION,
        _("Votes"),
        _("Votes exprimés dans les concertations qui proposent des options."),
        order=40,
    ),
    registry.Indicator(
        "outcomes",
        registry.RESULTS,
        _("Contributions prises en compte"),
        _(
            "Parmi les contributions de la période dont l'équipe a indiqué le sort dans la "
            "synthèse : part prise en compte, prise en compte en partie, ou non retenue."
        ),
        registry.PERCENT,
        order=10,
    ),
)


# --- the story: syntheses, and the contributions project updates quote ------------------------


def _syntheses(scope, window):
    return registry.within(Synthesis.objects.filter(window.q("published_at")), scope.q(**IN_ROUND))


def synthesis_entries(scope, window, limit: int) -> list[dict]:
    queryset = _syntheses(scope, window)
    if queryset is None:
        return []
    syntheses = list(
        queryset.select_related("consultation__project").order_by("-published_at", "-pk")[:limit]
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
    return [
        {
            "kind": "synthesis",
            "id": synthesis.pk,
            "date": synthesis.published_at,
            "title": synthesis.consultation.title,
            "url": registry.url_of(synthesis.consultation),
            "project": synthesis.consultation.project.title,
            "project_url": registry.url_of(synthesis.consultation.project),
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


def _synthesis_count(scope, window) -> int:
    queryset = _syntheses(scope, window)
    return 0 if queryset is None else queryset.count()


def cited_contributions(update_ids: list[int]) -> dict[int, list[dict]]:
    """The published contributions each project update quotes, oldest first."""
    cited: dict[int, list[dict]] = {}
    rows = (
        Contribution.cited_in_updates.through.objects.filter(
            projectupdate_id__in=update_ids, contribution__state=ContributionState.PUBLISHED
        )
        .select_related("contribution__author", "contribution__consultation")
        .order_by("contribution__created_at")
    )
    for row in rows:
        c = row.contribution
        cited.setdefault(row.projectupdate_id, []).append(
            registry.citation("contribution", c, context=c.consultation.title, outcome=c.outcome)
        )
    return cited


registry.register_story_source(
    registry.StorySource(
        key="synthesis", entries=synthesis_entries, count=_synthesis_count, order=10
    )
)
registry.register_story_citations(
    registry.StoryCitations(key="contributions", kind="update", cite=cited_contributions, order=10)
)
# A project update belongs to a round's story when it quotes one of the round's contributions.
registry.register_scope_path(
    scope="consultation", model="projects.ProjectUpdate", path="cited_contributions__consultation"
)
