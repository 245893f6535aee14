"""How moderation reads and changes contributions (see moderation/registry.py). Registered
in ConsultationsConfig.ready()."""

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation import registry
from moderation.notifications import moderation_kind
from moderation.registry import HIDDEN, PENDING, PUBLISHED, REJECTED, ModerationAdapter

from .models import Consultation, Contribution, ContributionState

CONTRIBUTION_HIDDEN = "contribution_hidden"
CONTRIBUTION_REJECTED = "contribution_rejected"


class ContributionAdapter(ModerationAdapter):
    model = Contribution
    kind = "contribution"
    label = _("contribution")
    states = {
        PUBLISHED: ContributionState.PUBLISHED,
        HIDDEN: ContributionState.HIDDEN,
        PENDING: ContributionState.PENDING,
        REJECTED: ContributionState.REJECTED,
    }
    notification_kinds = {
        HIDDEN: moderation_kind(
            name=CONTRIBUTION_HIDDEN,
            label=_("Contribution masquée"),
            text=_("Votre contribution à « {consultation} » a été masquée. Motif : {reason}."),
            subject=_("Votre contribution a été masquée"),
        ),
        REJECTED: moderation_kind(
            name=CONTRIBUTION_REJECTED,
            label=_("Contribution refusée"),
            text=_(
                "Votre contribution à « {consultation} » n'a pas été publiée. Motif : {reason}."
            ),
            subject=_("Votre contribution n'a pas été publiée"),
        ),
    }

    def set_state(self, item: Contribution, *, state: str, reason: str) -> list[str]:
        now = timezone.now()
        item.state = state
        item.moderation_reason = "" if state == ContributionState.PUBLISHED else reason
        item.moderated_at = now
        if state == ContributionState.PUBLISHED and item.published_at is None:
            item.published_at = now
        return ["state", "moderation_reason", "moderated_at", "published_at"]

    def flag_queryset(self):
        return Contribution.objects.select_related("consultation__project", "author")

    def is_visible(self, item: Contribution) -> bool:
        # A hidden project's rounds are hidden with it.
        return item.state == ContributionState.PUBLISHED and not item.consultation.project.is_hidden

    def place(self, item: Contribution) -> str:
        return item.consultation.title

    def author_url(self, item: Contribution) -> str:
        return item.consultation.get_absolute_url()

    def notification_params(self, item: Contribution) -> dict:
        return {"consultation": item.consultation.title}

    def state_changed(self, item: Contribution, *, from_state: str, to_state: str) -> None:
        delta = int(to_state == ContributionState.PUBLISHED) - int(
            from_state == ContributionState.PUBLISHED
        )
        if delta:
            Consultation.objects.filter(pk=item.consultation_id).update(
                contribution_count=Greatest(F("contribution_count") + delta, 0)
            )


def register() -> None:
    registry.register(ContributionAdapter())
