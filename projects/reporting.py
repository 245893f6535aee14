"""What the projects app brings to the participation reports (see citizens.reporting):
comments, supports and residents' proposals as acts of participation, and the indicators
about projects, their updates and their steps."""

from django.utils.translation import gettext_lazy as _

from citizens import reporting as registry

from .models import Comment, CommentState, Origin, Project, Support

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
