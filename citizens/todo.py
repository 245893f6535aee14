"""What awaits a decision from the municipal team, as each app counts it: the registry behind
the team's daily summary email and its « À traiter » list.

`citizens` does not know what awaits the team. The app that owns the items registers, from its
`AppConfig.ready()`, a callable returning `TodoItem`s: what waits, how many, since when the
oldest has waited, and the link to the queue where the team decides:

    # <app>/notifications.py (or <app>/todo.py), called from ready()
    from citizens import todo

    def waiting() -> list[todo.TodoItem]:
        pending = Contribution.objects.filter(state=ContributionState.PENDING)
        return [
            todo.TodoItem(
                label=_("Contributions en attente de validation"),
                count=pending.count(),
                oldest=pending.aggregate(Min("created_at"))["created_at__min"],
                url=reverse("admin:consultations_contribution_changelist"),
            )
        ]

    todo.register("consultations", waiting)

A callable runs a query or two (a count, a minimum), never a loop over the items. Items are
listed by the name they were registered under, then in the order the callable gives them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise


@dataclass(frozen=True)
class TodoItem:
    label: Promise | str
    count: int
    url: str = ""
    oldest: datetime | None = None  # when the item that has waited longest arrived


_SOURCES: dict[str, Callable[[], list[TodoItem]]] = {}


def register(name: str, source: Callable[[], list[TodoItem]]) -> None:
    """Register (idempotently, by name) a callable listing what awaits the team."""
    _SOURCES[name] = source


def items() -> list[TodoItem]:
    found: list[TodoItem] = []
    for name in sorted(_SOURCES):
        found.extend(_SOURCES[name]())
    return found
