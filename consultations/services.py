"""Writes of the consultations app: each function is the one place where its event happens.

Counters (`Consultation.contribution_count`/`vote_count`, `Option.vote_count`, the items'
`flag_count`) are denormalised and kept right here, with F() updates inside the same
transaction as the change they count.
"""

from collections.abc import Mapping

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from citizens.models import User
from citizens.services import moderation_log_write
from projects.models import Comment, CommentState

from . import notifications
from .models import (
    Consultation,
    Contribution,
    ContributionState,
    Flag,
    FlagReason,
    ModerationMode,
    Option,
    Outcome,
    Synthesis,
    Vote,
)

# Flags from this many distinct residents hide an item until the team decides.
AUTO_HIDE_FLAGS = 3
VOTE_ATTEMPTS = 3


class ModerationAction:
    """The `action` written to the moderation log, with the label the admin shows."""

    PUBLISH = "publish"
    REJECT = "reject"
    HIDE = "hide"
    RESTORE = "restore"
    AUTO_HIDE = "auto_hide"

    labels = {
        PUBLISH: _("Publication"),
        REJECT: _("Refus"),
        HIDE: _("Masquage"),
        RESTORE: _("Rétablissement"),
        AUTO_HIDE: _("Masquage automatique"),
    }


class InvalidTransition(ValidationError):
    """The item is not in a state this decision applies to (e.g. someone decided first)."""


class AlreadyFlagged(ValidationError):
    pass


def _stored_text(message, **params) -> str:
    # Texts stored in the database are written in the site's language, whatever the language
    # of the request that triggers them (so interpolate inside the override).
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif de cette décision."), code="reason_required")
    return reason


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


def _contribution_move(
    *,
    contribution: Contribution,
    actor: User | None,
    action: str,
    allowed_from: set[str],
    to_state: str,
    reason: str,
    automatic: bool = False,
) -> Contribution:
    """Move a contribution between moderation states, under a row lock, and record it."""
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if locked.state not in allowed_from:
        raise InvalidTransition(
            _("Cette contribution est « %(state)s » : décision impossible."),
            code="invalid_transition",
            params={"state": locked.get_state_display()},
        )
    from_state = locked.state
    now = timezone.now()
    locked.state = to_state
    locked.moderation_reason = reason if to_state != ContributionState.PUBLISHED else ""
    locked.moderated_at = now
    if to_state == ContributionState.PUBLISHED and locked.published_at is None:
        locked.published_at = now
    locked.save(update_fields=["state", "moderation_reason", "moderated_at", "published_at"])
    delta = int(to_state == ContributionState.PUBLISHED) - int(
        from_state == ContributionState.PUBLISHED
    )
    if delta:
        _bump(Consultation, locked.consultation_id, "contribution_count", delta)
    moderation_log_write(
        actor=actor,
        obj=locked,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        automatic=automatic,
    )
    return locked


@transaction.atomic
def contribution_publish(*, contribution: Contribution, actor: User) -> Contribution:
    """The team approves a pending contribution (or reverses a refusal)."""
    _require_moderator(actor)
    return _contribution_move(
        contribution=contribution,
        actor=actor,
        action=ModerationAction.PUBLISH,
        allowed_from={ContributionState.PENDING, ContributionState.REJECTED},
        to_state=ContributionState.PUBLISHED,
        reason="",
    )


@transaction.atomic
def contribution_reject(*, contribution: Contribution, actor: User, reason: str) -> Contribution:
    """The team refuses a pending contribution; the author sees the reason."""
    _require_moderator(actor)
    rejected = _contribution_move(
        contribution=contribution,
        actor=actor,
        action=ModerationAction.REJECT,
        allowed_from={ContributionState.PENDING},
        to_state=ContributionState.REJECTED,
        reason=_require_reason(reason),
    )
    notifications.content_rejected(obj=rejected, reason=rejected.moderation_reason, actor=actor)
    return rejected


@transaction.atomic
def contribution_hide(*, contribution: Contribution, actor: User, reason: str) -> Contribution:
    """The team hides a published contribution; the author sees the reason."""
    _require_moderator(actor)
    hidden = _contribution_move(
        contribution=contribution,
        actor=actor,
        action=ModerationAction.HIDE,
        allowed_from={ContributionState.PUBLISHED},
        to_state=ContributionState.HIDDEN,
        reason=_require_reason(reason),
    )
    notifications.content_hidden(obj=hidden, reason=hidden.moderation_reason, actor=actor)
    return hidden


@transaction.atomic
def contribution_restore(
    *, contribution: Contribution, actor: User, reason: str = ""
) -> Contribution:
    """The team puts a hidden contribution back (e.g. after unfounded flags)."""
    _require_moderator(actor)
    return _contribution_move(
        contribution=contribution,
        actor=actor,
        action=ModerationAction.RESTORE,
        allowed_from={ContributionState.HIDDEN},
        to_state=ContributionState.PUBLISHED,
        reason=(reason or "").strip(),
    )


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


# --- Flags ---------------------------------------------------------------------------------


def flag_submit(
    *,
    reporter: User,
    reason: str,
    details: str = "",
    contribution: Contribution | None = None,
    comment: Comment | None = None,
) -> Flag:
    """A resident reports a contribution or a project comment, once per item. The flag that
    brings an item to AUTO_HIDE_FLAGS distinct residents hides it until the team decides."""
    if (contribution is None) == (comment is None):
        raise ValueError("Flag exactly one contribution or one comment.")
    item = contribution if contribution is not None else comment
    if not rules.has_perm("consultations.flag", reporter, item):
        raise PermissionDenied
    if reason not in FlagReason.values:
        raise ValidationError({"reason": _("Choisissez un motif de signalement.")})
    target = {"contribution": contribution} if contribution is not None else {"comment": comment}
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                reporter=reporter, reason=reason, details=(details or "").strip(), **target
            )
            model = item._meta.concrete_model
            locked = model.objects.select_for_update().get(pk=item.pk)
            locked.flag_count += 1
            locked.save(update_fields=["flag_count"])
            # Only the flag that reaches the threshold hides: once the team has restored an
            # item, later flags wait for the team instead of hiding it again.
            if locked.flag_count == AUTO_HIDE_FLAGS:
                _auto_hide(locked)
    except IntegrityError:
        if Flag.objects.filter(reporter=reporter, **target).exists():
            raise AlreadyFlagged(
                _("Vous avez déjà signalé ce contenu."), code="already_flagged"
            ) from None
        raise
    return flag


def _auto_hide(item: Contribution | Comment) -> None:
    reason = _stored_text(
        _(
            "Masqué automatiquement après %(count)d signalements, en attente de la décision "
            "de l'équipe."
        ),
        count=AUTO_HIDE_FLAGS,
    )
    if isinstance(item, Contribution):
        if item.state != ContributionState.PUBLISHED:
            return
        _contribution_move(
            contribution=item,
            actor=None,
            action=ModerationAction.AUTO_HIDE,
            allowed_from={ContributionState.PUBLISHED},
            to_state=ContributionState.HIDDEN,
            reason=reason,
            automatic=True,
        )
    elif item.state == CommentState.PUBLISHED:
        _comment_move(
            comment=item,
            actor=None,
            action=ModerationAction.AUTO_HIDE,
            allowed_from={CommentState.PUBLISHED},
            to_state=CommentState.HIDDEN,
            reason=reason,
            automatic=True,
        )
    else:
        return
    notifications.item_auto_hidden(obj=item)


# --- Project comments, after flags ---------------------------------------------------------


def _comment_move(
    *,
    comment: Comment,
    actor: User | None,
    action: str,
    allowed_from: set[str],
    to_state: str,
    reason: str,
    automatic: bool = False,
) -> Comment:
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.state not in allowed_from:
        raise InvalidTransition(
            _("Ce commentaire est « %(state)s » : décision impossible."),
            code="invalid_transition",
            params={"state": locked.get_state_display()},
        )
    from_state = locked.state
    locked.state = to_state
    locked.moderation_reason = reason if to_state == CommentState.HIDDEN else ""
    locked.save(update_fields=["state", "moderation_reason"])
    moderation_log_write(
        actor=actor,
        obj=locked,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        automatic=automatic,
    )
    return locked


@transaction.atomic
def comment_hide(*, comment: Comment, actor: User, reason: str) -> Comment:
    """The team hides a project comment (typically after flags); the author sees why."""
    _require_moderator(actor)
    hidden = _comment_move(
        comment=comment,
        actor=actor,
        action=ModerationAction.HIDE,
        allowed_from={CommentState.PUBLISHED},
        to_state=CommentState.HIDDEN,
        reason=_require_reason(reason),
    )
    notifications.content_hidden(obj=hidden, reason=hidden.moderation_reason, actor=actor)
    return hidden


@transaction.atomic
def comment_restore(*, comment: Comment, actor: User, reason: str = "") -> Comment:
    """The team puts a hidden project comment back."""
    _require_moderator(actor)
    return _comment_move(
        comment=comment,
        actor=actor,
        action=ModerationAction.RESTORE,
        allowed_from={CommentState.HIDDEN},
        to_state=CommentState.PUBLISHED,
        reason=(reason or "").strip(),
    )


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


def moderation_action_label(action: str) -> str:
    return str(ModerationAction.labels.get(action, action))
