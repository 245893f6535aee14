"""What the consultations app brings to the participation reports (see citizens.reporting):
contributions and votes as acts of participation, and the indicators about rounds."""

from django.utils.translation import gettext_lazy as _

from citizens import reporting as registry

from .models import Contribution, ContributionState, Vote

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
