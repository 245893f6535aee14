"""The consultations app's part of a person's data (registered in ConsultationsConfig.ready):
contributions and votes. See citizens/personal_data.py."""

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citizens import personal_data as registry
from citizens.personal_data import ActivityItem, ActivityStream, absolute_url, iso, url_of

from .models import Contribution, ContributionState, Vote

EXCERPT_CHARS = 160
STATE_TONES = {
    ContributionState.PENDING: "warning",
    ContributionState.PUBLISHED: "success",
    ContributionState.REJECTED: "danger",
    ContributionState.HIDDEN: "danger",
}
SHOWS_REASON = {ContributionState.REJECTED, ContributionState.HIDDEN}


def _contribution_item(contribution: Contribution) -> ActivityItem:
    return ActivityItem(
        kind="contributions",
        type_label=_("Contribution"),
        title=contribution.consultation.title,
        excerpt=Truncator(" ".join(contribution.body.split())).chars(EXCERPT_CHARS),
        url=url_of(contribution),
        date=contribution.created_at,
        state=contribution.state,
        state_label=contribution.get_state_display(),
        state_tone=STATE_TONES.get(contribution.state, "secondary"),
        reason=contribution.moderation_reason if contribution.state in SHOWS_REASON else "",
    )


def _vote_item(vote: Vote) -> ActivityItem:
    return ActivityItem(
        kind="votes",
        type_label=_("Vote"),
        title=vote.consultation.title,
        excerpt=_("Mon choix : %(option)s") % {"option": vote.option.label},
        url=url_of(vote.consultation),
        date=vote.updated_at,
    )


def activity(user) -> list[ActivityStream]:
    return [
        ActivityStream(
            key="contributions",
            label=_("Mes contributions aux concertations"),
            queryset=Contribution.objects.filter(author=user)
            .select_related("consultation")
            .order_by("-created_at", "-pk"),
            to_item=_contribution_item,
            empty_text=_("Vous n'avez pas encore contribué à une concertation."),
        ),
        ActivityStream(
            key="votes",
            label=_("Mes votes"),
            queryset=Vote.objects.filter(user=user)
            .select_related("consultation", "option")
            .order_by("-updated_at", "-pk"),
            to_item=_vote_item,
            empty_text=_("Vous n'avez pas encore voté."),
        ),
    ]


def export(user) -> dict:
    contributions = Contribution.objects.filter(author=user).select_related(
        "consultation", "option"
    )
    votes = Vote.objects.filter(user=user).select_related("consultation", "option")
    return {
        "contributions": [
            {
                "identifiant": c.pk,
                "concertation": c.consultation.title,
                "question": c.consultation.question,
                "texte": c.body,
                "option_choisie": c.option.label if c.option_id else None,
                "état": c.get_state_display(),
                "motif_de_modération": c.moderation_reason,
                "modérée_le": iso(c.moderated_at),
                "réponse_de_l_équipe": c.answer,
                "répondue_le": iso(c.answered_at),
                "prise_en_compte": c.get_outcome_display() if c.outcome else None,
                "explication": c.outcome_reason,
                "écrite_le": iso(c.created_at),
                "publiée_le": iso(c.published_at),
                "adresse": absolute_url(url_of(c)),
            }
            for c in contributions.order_by("created_at", "pk")
        ],
        "votes": [
            {
                "concertation": v.consultation.title,
                "option": v.option.label,
                "voté_le": iso(v.created_at),
                "modifié_le": iso(v.updated_at),
                "adresse": absolute_url(url_of(v.consultation)),
            }
            for v in votes.order_by("created_at", "pk")
        ],
    }


def erase(user, *, erase_content: bool) -> None:
    """Contributions stay without their author (or, with `erase_content`, without their text
    either: the row stays so that the round's figures and synthesis stay right). Votes stay,
    counted anonymously (Vote.user becomes NULL). Flags are moderation's section."""
    contribution_ids = list(Contribution.objects.filter(author=user).values_list("pk", flat=True))
    erased = str(gettext_lazy("Contribution retirée par son auteur."))
    registry.scrub_log_reprs(
        user=user,
        model=Contribution,
        ids=contribution_ids,
        replacement=f"{registry.FORMER_PARTICIPANT} : {erased}" if erase_content else None,
    )
    if erase_content and contribution_ids:
        Contribution.objects.filter(pk__in=contribution_ids).update(body=erased)


registry.register(
    registry.Section(
        key="concertations",
        label=gettext_lazy("Concertations"),
        description=gettext_lazy(
            "vos contributions aux concertations (avec leur état de modération et la "
            "réponse de l'équipe) et vos votes"
        ),
        export=export,
        erase=erase,
        activity=activity,
        order=20,
    )
)
