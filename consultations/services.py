"""Writes of the consultations app: each function is the one place where its event happens.

Counters (`Consultation.contribution_count`/`vote_count`, `Option.vote_count`) are
denormalised and kept right here, with F() updates inside the same transaction as the change
they count. Moderation decisions on contributions (publish, refuse, hide, restore, flags) go
through moderation.services, with consultations/moderation.py keeping the counters.
"""

from collections.abc import Mapping

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citizens.models import User

from . import notifications
from .models import (
    Consultation,
    Contribution,
    ContributionState,
    ModerationMode,
    Option,
    Outcome,
    Synthesis,
    Vote,
)

VOTE_ATTEMPTS = 3


def _require_moderator(actor: User | None) -> None:
    if actor is None or not rules.has_perm("consultations.moderate", actor):
        raise PermissionDenied


def _bump(model, pk: int, field: str, delta: int) -> None:
    expression = F(field) + delta if delta > 0 else Greatest(F(field) + delta, 0)
    model.objects.filter(pk=pk).update(**{field: expression})


# --- Contributions -------------------------------------------------------------------------


@transaction.atomic
def contribution_submit(
    *, consultation: Consultation, author: User, body: str, option: Option | None = None
) -> Contribution:
    """A resident answers the round's question: published at once, or held for the team
    when the round is moderated before publication."""
    if not rules.has_perm("consultations.contribute", author, consultation):
        raise PermissionDenied
    if option is not None and option.consultation_id != consultation.pk:
        raise ValidationError({"option": _("Cette option n'appartient pas à cette concertation.")})
    body = body.strip()
    # A double click (or a resent form) must not publish the same text twice.
    duplicate = Contribution.objects.filter(
        consultation=consultation, author=author, body=body
    ).first()
    if duplicate is not None:
        return duplicate
    now = timezone.now()
    publish = consultation.moderation == ModerationMode.AFTER
    contribution = Contribution(
        consultation=consultation,
        author=author,
        body=body,
        option=option,
        state=ContributionState.PUBLISHED if publish else ContributionState.PENDING,
        created_at=now,
        published_at=now if publish else None,
    )
    contribution.full_clean(exclude=["consultation", "author", "option", "cited_in_updates"])
    contribution.save()
    if publish:
        _bump(Consultation, consultation.pk, "contribution_count", +1)
    return contribution


@transaction.atomic
def contribution_answer(*, contribution: Contribution, actor: User, answer: str) -> Contribution:
    """The team answers a contribution publicly; the answer shows under it."""
    _require_moderator(actor)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Écrivez la réponse de l'équipe.")})
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    locked.answer = answer
    locked.answered_by = actor
    if locked.answered_at is None:
        # The first answer's time is what "time to answer" measures; edits keep it.
        locked.answered_at = timezone.now()
    locked.save(update_fields=["answer", "answered_by", "answered_at"])
    notifications.contribution_answered(contribution=locked)
    return locked


@transaction.atomic
def contribution_set_outcome(
    *, contribution: Contribution, actor: User, outcome: str, reason: str
) -> Contribution:
    """After closing, the team says whether a published contribution was taken into account."""
    _require_moderator(actor)
    locked = (
        Contribution.objects.select_for_update(of=("self",))
        .select_related("consultation")
        .get(pk=contribution.pk)
    )
    _check_outcome(locked, outcome, reason)
    locked.outcome = outcome
    locked.outcome_reason = (reason or "").strip() if outcome else ""
    locked.save(update_fields=["outcome", "outcome_reason"])
    return locked


def _check_outcome(contribution: Contribution, outcome: str, reason: str) -> None:
    if contribution.consultation.closes_at > timezone.now():
        raise ValidationError(
            {"outcome": _("La prise en compte se renseigne après la clôture de la concertation.")}
        )
    if outcome and outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choisissez oui, en partie ou non.")})
    if outcome and contribution.state != ContributionState.PUBLISHED:
        raise ValidationError(
            {"outcome": _("Seules les contributions publiées reçoivent une prise en compte.")}
        )
    if outcome and not (reason or "").strip():
        raise ValidationError({"outcome_reason": _("Expliquez cette prise en compte.")})


# --- Votes ---------------------------------------------------------------------------------


def vote_cast(*, consultation: Consultation, voter: User, option: Option) -> Vote:
    """Vote, or change one's vote, until the round closes. One vote per resident per round:
    the database's unique constraint decides between concurrent first votes, and the loser
    retries as a change of vote."""
    if not rules.has_perm("consultations.vote", voter, consultation):
        raise PermissionDenied
    if option.consultation_id != consultation.pk:
        raise ValidationError({"option": _("Cette option n'appartient pas à cette concertation.")})
    for attempt in range(VOTE_ATTEMPTS):
        try:
            return _vote_write(consultation=consultation, voter=voter, option=option)
        except IntegrityError:
            if attempt == VOTE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _vote_write(*, consultation: Consultation, voter: User, option: Option) -> Vote:
    now = timezone.now()
    vote = Vote.objects.select_for_update().filter(consultation=consultation, user=voter).first()
    if vote is None:
        vote = Vote.objects.create(
            consultation=consultation, option=option, user=voter, created_at=now, updated_at=now
        )
        _bump(Option, option.pk, "vote_count", +1)
        _bump(Consultation, consultation.pk, "vote_count", +1)
        return vote
    if vote.option_id == option.pk:
        return vote
    previous = vote.option_id
    vote.option = option
    vote.updated_at = now
    vote.save(update_fields=["option", "updated_at"])
    # Always lock option rows in the same order, so two residents swapping votes between
    # the same two options cannot deadlock.
    for pk, delta in sorted([(previous, -1), (option.pk, +1)]):
        _bump(Option, pk, "vote_count", delta)
    return vote


# --- Synthesis -----------------------------------------------------------------------------


def _check_closed(consultation: Consultation) -> None:
    if consultation.closes_at > timezone.now():
        raise ValidationError(
            _("La synthèse se publie après la clôture de la concertation."), code="not_closed"
        )


def _require_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Écrivez la synthèse.")})
    return body


@transaction.atomic
def synthesis_save(*, consultation: Consultation, author: User, body: str) -> Synthesis:
    """Save the synthesis as a draft, or correct one already published (no new event)."""
    _require_moderator(author)
    body = _require_body(body)
    synthesis, created = Synthesis.objects.select_for_update().get_or_create(
        consultation=consultation, defaults={"body": body, "author": author}
    )
    if not created:
        synthesis.body = body
        synthesis.save(update_fields=["body"])
    return synthesis


@transaction.atomic
def synthesis_publish(
    *,
    consultation: Consultation,
    author: User,
    body: str,
    outcomes: Mapping[int, tuple[str, str]] | None = None,
) -> Synthesis:
    """After closing, the team publishes what it heard and, for each published contribution
    given in `outcomes` ({contribution id: (outcome, reason)}), whether it was taken into
    account. Publishing again corrects the text and keeps the first publication date."""
    _require_moderator(author)
    _check_closed(consultation)
    body = _require_body(body)
    if outcomes:
        contributions = list(
            Contribution.objects.select_for_update().filter(
                consultation=consultation, pk__in=list(outcomes)
            )
        )
        if len(contributions) != len(outcomes):
            raise ValidationError(_("Une contribution ne fait pas partie de cette concertation."))
        for contribution in contributions:
            contribution.consultation = consultation
            outcome, reason = outcomes[contribution.pk]
            _check_outcome(contribution, outcome, reason)
            contribution.outcome = outcome
            contribution.outcome_reason = reason.strip() if outcome else ""
        Contribution.objects.bulk_update(contributions, ["outcome", "outcome_reason"])
    synthesis, created = Synthesis.objects.select_for_update().get_or_create(
        consultation=consultation, defaults={"body": body, "author": author}
    )
    first_publication = synthesis.published_at is None
    synthesis.body = body
    if first_publication:
        synthesis.published_at = timezone.now()
        synthesis.author = author
    synthesis.save(update_fields=["body", "published_at", "author"])
    consultation.synthesis = synthesis
    if first_publication:
        notifications.synthesis_published(synthesis=synthesis)
    return synthesis
