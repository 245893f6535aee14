"""Notifications: in-app at once, by email as each resident chose, exactly once.

The public API other apps use:

- `notify(recipients=…, kind=…, actor=…, target=…, params=…)` inside the event's transaction;
- `register(NotificationKind(...))` for each kind of event they own, from `AppConfig.ready()`;

What awaits the team (its daily summary) is registered in `citizens.todo`.
"""

from .registry import NotificationKind, register
from .services import notify

__all__ = [
    "NotificationKind",
    "notify",
    "register",
]
