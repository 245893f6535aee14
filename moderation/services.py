"""Moderation decisions on any registered item (moderation.registry): the one place where an
item is flagged, hidden, restored, published or refused.

Each decision is one complete state change in one transaction: the item's row locked, its
state changed, the adapter's counters kept (`state_changed`), the log row written, the author
(and, for an automatic hide, the team) notified. Hiding, refusing and restoring need a reason.
"""

from __future__ import annotations

import rules
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from citizens.models import User
from moderation.models import ModerationLog

from . import notifications, registry
from .models import Flag, FlagReason
from .registry import HIDDEN, PENDING, PUBLISHED, REJECTED

# Flags from this many distinct residents hide an item until the team decides.
AUTO_HIDE_FLAGS = 3


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


def moderation_action_label(action: str) -> str:
    return str(ModerationAction.labels.get(action, action))


class InvalidTransition(ValidationError):
    """The item is not in a state this decision applies to (e.g. someone decided first)."""


class AlreadyFlagged(ValidationError):
    pass


def _stored_text(message, **params) -> str:
    # Texts stored in the database are in the site's language, whatever the request's.
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Indiquez le motif de cette décision.")}, code="reason_required"
        )
    return reason


def _require_moderator(actor: User | None) -> None:
    if actor is None or not rules.has_perm("moderation.moderate", actor):
        raise PermissionDenied


def moderation_log_write(
    *,
    actor: User | None,
    obj,
    action: str,
    from_state: str,
    to_state: str,
    reason: str,
    automatic: bool = False,
) -> ModerationLog:
    """Append one row to the moderation log (who, what, when, why). Call it inside the
    decision's transaction, so the decision and its record commit together."""
    return ModerationLog.objects.create(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        automatic=automatic,
    )


def _move(
    *,
    item,
    actor: User | None,
    action: str,
    allowed_from: set[str],
    to: str,
    reason: str,
    automatic: bool = False,
):
    adapter = registry.adapter_for(item)
    stored = {adapter.states[s] for s in allowed_from if s in adapter.states}
    if to not in adapter.states or not stored:
        raise InvalidTransition(
            _("Cette décision ne s'applique pas à cet élément."), code="invalid_transition"
        )
    locked = adapter.model.objects.select_for_update().get(pk=item.pk)
    from_state = adapter.state(locked)
    if from_state not in stored:
        raise InvalidTransition(
            _("Cet élément est « %(state)s » : décision impossible."),
            code="invalid_transition",
            params={"state": adapter.state_label(from_state)},
        )
    to_state = adapter.states[to]
    fields = adapter.set_state(locked, state=to_state, reason=reason)
    locked.save(update_fields=fields)
    # The caller's instance shows the decision too.
    for name in fields:
        setattr(item, name, getattr(locked, name))
    adapter.state_changed(locked, from_state=from_state, to_state=to_state)
    moderation_log_write(
        actor=actor,
        obj=locked,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        automatic=automatic,
    )
    if to in (HIDDEN, REJECTED):
        notifications.decision_notified(
            item=locked, state=to, reason=reason, actor=actor, automatic=automatic
        )
    return locked


@transaction.atomic
def item_hide(*, item, actor: User | None, reason: str, automatic: bool = False):
    """The team (or, with automatic=True and no actor, the flags rule) hides a published item;
    the author is told why."""
    if automatic:
        if actor is not None:
            raise ValueError("An automatic decision has no actor.")
    else:
        _require_moderator(actor)
    return _move(
        item=item,
        actor=actor,
        action=ModerationAction.AUTO_HIDE if automatic else ModerationAction.HIDE,
        allowed_from={PUBLISHED},
        to=HIDDEN,
        reason=_require_reason(reason),
        automatic=automatic,
    )


@transaction.atomic
def item_restore(*, item, actor: User, reason: str):
    """The team puts a hidden item back (e.g. after unfounded flags), with a reason."""
    _require_moderator(actor)
    return _move(
        item=item,
        actor=actor,
        action=ModerationAction.RESTORE,
        allowed_from={HIDDEN},
        to=PUBLISHED,
        reason=_require_reason(reason),
    )


@transaction.atomic
def item_publish(*, item, actor: User):
    """The team approves an item held before publication (or reverses a refusal)."""
    _require_moderator(actor)
    return _move(
        item=item,
        actor=actor,
        action=ModerationAction.PUBLISH,
        allowed_from={PENDING, REJECTED},
        to=PUBLISHED,
        reason="",
    )


@transaction.atomic
def item_reject(*, item, actor: User, reason: str):
    """The team refuses an item held before publication; the author is told why."""
    _require_moderator(actor)
    return _move(
        item=item,
        actor=actor,
        action=ModerationAction.REJECT,
        allowed_from={PENDING},
        to=REJECTED,
        reason=_require_reason(reason),
    )


def flag_submit(*, reporter: User, item, reason: str, details: str = "") -> Flag:
    """A resident reports an item, once. The flag that brings it to AUTO_HIDE_FLAGS distinct
    residents hides it until the team decides, unless it is the team's own content: that
    waits in the team's queue, flagged and counted."""
    adapter = registry.adapter_for(item)
    if not rules.has_perm("moderation.flag", reporter, item):
        raise PermissionDenied
    if reason not in FlagReason.values:
        raise ValidationError({"reason": _("Choisissez un motif de signalement.")})
    content_type = ContentType.objects.get_for_model(item, for_concrete_model=True)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                reporter=reporter,
                content_type=content_type,
                object_id=item.pk,
                reason=reason,
                details=(details or "").strip(),
            )
            locked = adapter.model.objects.select_for_update().get(pk=item.pk)
            if adapter.has_flag_count:
                locked.flag_count += 1
                locked.save(update_fields=["flag_count"])
                item.flag_count = locked.flag_count
                # Only the flag that reaches the threshold hides: once the team has restored
                # an item, later flags wait for the team instead of hiding it again.
                if (
                    locked.flag_count == AUTO_HIDE_FLAGS
                    and adapter.is_visible(locked)
                    and not adapter.is_team_content(locked)
                ):
                    _auto_hide(locked)
    except IntegrityError:
        if Flag.objects.filter(
            reporter=reporter, content_type=content_type, object_id=item.pk
        ).exists():
            raise AlreadyFlagged(
                _("Vous avez déjà signalé ce contenu."), code="already_flagged"
            ) from None
        raise
    return flag


def _auto_hide(item) -> None:
    reason = _stored_text(
        _(
            "Masqué automatiquement après %(count)d signalements, en attente de la décision "
            "de l'équipe."
        ),
        count=AUTO_HIDE_FLAGS,
    )
    hidden = item_hide(item=item, actor=None, reason=reason, automatic=True)
    notifications.auto_hidden_team_alert(item=hidden)
