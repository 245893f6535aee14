"""The moderated models: each app tells moderation how to read and change its items.

Moderation knows no app: an app registers an adapter for each model residents can flag or
the team can hide, at `AppConfig.ready()`, and every decision (flag, hide, restore, publish,
reject) goes through `moderation.services`, which calls the adapter's hooks inside its
transaction. To moderate a new model:

1. In `<app>/moderation.py`, subclass `ModerationAdapter`::

       class ReviewAdapter(ModerationAdapter):
           model = Review
           kind = "avis"                      # /signaler/avis/<pk>/
           states = {PUBLISHED: "published", HIDDEN: "hidden"}  # + PENDING, REJECTED
           notification_kinds = {HIDDEN: moderation_kind(name="review_hidden", ...)}

           def place(self, item): return item.shop.name
           def url(self, item): return item.get_absolute_url()
           def state_changed(self, item, *, was_visible, is_visible): ...  # counters

   The defaults read `item.state`, `item.moderation_reason`, `item.author_id` and
   `item.flag_count`; override `state`/`set_state` for another storage (a boolean…),
   `is_visible` (what others read, hence what can be flagged) and `is_team_content` (the
   team's own words: flags never hide them automatically, they go to the team's queue).
2. Register it when the app is ready: `registry.register(ReviewAdapter())` in `ready()`.
3. Residents flag through `{% url "moderation:flag" "avis" item.pk %}`; the team decides
   through `moderation.services.item_hide(...)` and the other decisions, never by saving
   the state field directly.
"""

from __future__ import annotations

from django.db.models import Model
from django.urls import NoReverseMatch, reverse

PUBLISHED = "published"
HIDDEN = "hidden"
PENDING = "pending"
REJECTED = "rejected"


class ModerationAdapter:
    model: type[Model]
    kind: str
    # Logical state -> the value stored on the item. Only the states the model has.
    states: dict[str, str] = {PUBLISHED: "published", HIDDEN: "hidden"}
    # Logical state reached -> notification kind name told to the author (NotificationKind
    # built by moderation.notifications.moderation_kind, registered by the registry).
    notification_kinds: dict = {}
    has_flag_count = True
    # The item's name in messages to the team ("commentaire", "contribution").
    label: str = ""

    # --- states ----------------------------------------------------------------------------

    def state(self, item) -> str:
        return item.state

    def set_state(self, item, *, state: str, reason: str) -> list[str]:
        """Write the new state on the instance; return the fields to save."""
        item.state = state
        item.moderation_reason = "" if state == self.states.get(PUBLISHED) else reason
        return ["state", "moderation_reason"]

    def state_label(self, code: str) -> str:
        field = self.model._meta.get_field("state") if self._has_field("state") else None
        choices = dict(field.choices or []) if field is not None else {}
        return str(choices.get(code, code))

    def is_visible(self, item) -> bool:
        """What other residents read, hence what they may flag."""
        return self.state(item) == self.states[PUBLISHED]

    def is_team_content(self, item) -> bool:
        return False

    def flag_queryset(self):
        """Where the flag form finds the item, with what its page shows."""
        return self.model.objects.all()

    def author_id(self, item) -> int | None:
        return item.author_id

    # --- where it lives --------------------------------------------------------------------

    def place(self, item) -> str:
        """What the item belongs to, for messages ("sur « Parc du 11/19 »")."""
        return str(item)

    def url(self, item) -> str:
        return item.get_absolute_url()

    def author_url(self, item) -> str:
        """Where the author's notification about a decision points."""
        return self.url(item)

    def admin_url(self, item) -> str:
        opts = self.model._meta
        try:
            return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[item.pk])
        except NoReverseMatch:
            return ""

    def notification_params(self, item) -> dict:
        return {}

    # --- hooks -----------------------------------------------------------------------------

    def state_changed(self, item, *, from_state: str, to_state: str) -> None:
        """Keep the item's own counters right, in the decision's transaction."""

    def _has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.model._meta.get_fields())


_adapters: dict[type[Model], ModerationAdapter] = {}


def register(adapter: ModerationAdapter) -> None:
    from . import notifications

    _adapters[adapter.model] = adapter
    for kind in adapter.notification_kinds.values():
        notifications.register_kind(kind)


def adapter_for(item_or_model) -> ModerationAdapter:
    model = item_or_model if isinstance(item_or_model, type) else type(item_or_model)
    model = model._meta.concrete_model
    try:
        return _adapters[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not a moderated model") from None


def adapter_for_kind(kind: str) -> ModerationAdapter | None:
    return next((a for a in _adapters.values() if a.kind == kind), None)


def adapters() -> list[ModerationAdapter]:
    return list(_adapters.values())


def is_moderated(item) -> bool:
    return type(item)._meta.concrete_model in _adapters
