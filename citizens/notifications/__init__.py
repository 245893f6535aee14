"""Notifications: in-app at once, by email as each resident chose, exactly once.

The public API other apps use:

- `notify(recipients=…, kind=…, actor=…, target=…, params=…)` inside the event's transaction;
- `register(NotificationKind(...))` for each kind of event they own, from `AppConfig.ready()`;
- `register_moderation_counter(name, callable)` for the team's daily moderation summary.
"""

from .hooks import ModerationCount, register_moderation_counter
from .registry import NotificationKind, register
from .services import notify

__all__ = [
    "ModerationCount",
    "NotificationKind",
    "notify",
    "register",
    "register_moderation_counter",
]
