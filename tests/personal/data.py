"""A resident who did a bit of everything, and a neighbour who did the same."""

from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from consultations.models import ContributionState
from moderation.models import ModerationLog
from projects.models import CommentState, Origin, Status
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    FlagFactory,
    FollowFactory,
    OptionFactory,
    ProjectFactory,
    SupportFactory,
    VoteFactory,
)


@dataclass
class Activity:
    proposal: object
    comment: object
    hidden_comment: object
    support: object
    follow: object
    contribution: object
    rejected_contribution: object
    vote: object
    flag: object


def everything_by(user, *, marker: str, project=None, consultation=None) -> Activity:
    """One of each kind of item, each text carrying `marker` so a test can look for it."""
    project = project or ProjectFactory(title=f"Parc de la cité 12 {marker}")
    consultation = consultation or ConsultationFactory(project=project)
    option = OptionFactory(consultation=consultation, label=f"Option {marker}")
    proposal = ProjectFactory(
        title=f"Proposition {marker}",
        summary=f"Résumé {marker}",
        author=user,
        origin=Origin.RESIDENT,
        status=Status.PROPOSED,
    )
    comment = CommentFactory(project=project, author=user, body=f"Commentaire {marker}")
    hidden_comment = CommentFactory(
        project=project,
        author=user,
        body=f"Commentaire masqué {marker}",
        state=CommentState.HIDDEN,
        moderation_reason="Propos hors sujet.",
    )
    contribution = ContributionFactory(
        consultation=consultation,
        author=user,
        body=f"Contribution {marker}",
        answer=f"Réponse de l'équipe à {marker}",
    )
    rejected = ContributionFactory(
        consultation=consultation,
        author=user,
        body=f"Contribution refusée {marker}",
        state=ContributionState.REJECTED,
        moderation_reason="Contient une adresse personnelle.",
        published_at=None,
    )
    return Activity(
        proposal=proposal,
        comment=comment,
        hidden_comment=hidden_comment,
        support=SupportFactory(project=project, user=user),
        follow=FollowFactory(project=project, user=user),
        contribution=contribution,
        rejected_contribution=rejected,
        vote=VoteFactory(option=option, consultation=consultation, user=user),
        flag=None,
    )


def moderation_traces(*, moderator, comment, contribution, user) -> None:
    """What the moderation log and the admin log say about a person and their items."""
    for item in (comment, contribution):
        ModerationLog.objects.create(
            actor=moderator,
            action="hide",
            content_type=ContentType.objects.get_for_model(item),
            object_id=item.pk,
            object_repr=str(item)[:200],
            from_state="published",
            to_state="hidden",
            reason="Hors sujet.",
        )
    for item in (user, comment):
        LogEntry.objects.create(
            user=moderator,
            content_type=ContentType.objects.get_for_model(item),
            object_id=str(item.pk),
            object_repr=str(item)[:200],
            action_flag=CHANGE,
            change_message="[]",
        )


def flag_by(user, target_contribution, *, marker: str):
    return FlagFactory(
        reporter=user, contribution=target_contribution, details=f"Précisions {marker}"
    )
