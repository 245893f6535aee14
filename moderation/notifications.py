"""What moderation tells people: the author of an item hidden or refused (one kind per
moderated model, declared by its adapter with `moderation_kind`), and the team when flags hid
an item automatically. Called inside the decision's transaction (moderation.services)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citizens import todo
from citizens.models import MUNICIPAL_TEAM, User
from citizens.notifications import (
    NotificationKind,
    notify,
    register,
)
from moderation.models import ModerationLog

TEAM_ITEM_AUTO_HIDDEN = "team_item_auto_hidden"


def describe_reason(params: dict) -> dict:
    """The reason, as the end of the sentence « Motif : … »."""
    if params.get("automatic"):
        reason = gettext(
            "plusieurs signalements d'habitants, en attendant l'examen de l'équipe municipale"
        )
    else:
        reason = (params.get("reason") or "").strip().rstrip(".") or gettext("non précisé")
    return {"reason": reason}


def moderation_kind(*, name: str, label, text, subject) -> NotificationKind:
    """A kind telling an author about a moderation decision; `text` may use {reason}."""
    return NotificationKind(
        name=name, label=label, text=text, subject=subject, describe=describe_reason
    )


TEAM_KIND = NotificationKind(
    name=TEAM_ITEM_AUTO_HIDDEN,
    label=_("Masquage automatique à examiner (équipe)"),
    text=_(
        "Masquage automatique après {flag_count} signalements : {item} sur « {place} », à examiner."
    ),
    subject=_("Masquage automatique à examiner"),
)


def register_kind(kind: NotificationKind) -> None:
    register(kind)


def register_kinds() -> None:
    register(TEAM_KIND)
    todo.register("moderation", todo_items)


def decision_notified(*, item, state: str, reason: str, actor, automatic=False) -> int:
    """Tell the author the item reached `state` (hidden, rejected), and why."""
    from .registry import adapter_for

    adapter = adapter_for(item)
    kind = adapter.notification_kinds.get(state)
    author_id = adapter.author_id(item)
    if kind is None or author_id is None:
        return 0
    return notify(
        recipients=[author_id],
        kind=kind.name,
        actor=actor,
        target=item,
        params={**adapter.notification_params(item), "reason": reason, "automatic": automatic},
        url=adapter.author_url(item),
    )


def _team_members():
    return User.objects.filter(groups__name=MUNICIPAL_TEAM).values_list("pk", flat=True)


def auto_hidden_team_alert(*, item) -> int:
    """Tell the team an item was hidden by flags, to examine."""
    from .registry import adapter_for

    adapter = adapter_for(item)
    return notify(
        recipients=_team_members(),
        kind=TEAM_ITEM_AUTO_HIDDEN,
        actor=None,
        target=item,
        params={
            "item": str(adapter.model._meta.verbose_name),
            "place": adapter.place(item),
            "flag_count": item.flag_count,
        },
        url=adapter.admin_url(item) or adapter.url(item),
    )


def _admin_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def todo_items() -> list[todo.TodoItem]:
    since = timezone.now() - timedelta(hours=24)
    return [
        todo.TodoItem(
            label=_("Éléments masqués automatiquement ces dernières 24 heures"),
            count=ModerationLog.objects.filter(automatic=True, created_at__gte=since).count(),
            url=_admin_url("admin:moderation_moderationlog_changelist"),
        ),
    ]
