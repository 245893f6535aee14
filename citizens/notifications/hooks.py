"""What other apps plug into the team's daily moderation summary.

`citizens` does not know what awaits moderation: the app that owns the items registers a
callable returning `ModerationCount`s (e.g. contributions pending, items flagged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class ModerationCount:
    label: Promise | str
    count: int
    url: str = ""


_COUNTERS: dict[str, Callable[[], list[ModerationCount]]] = {}


def register_moderation_counter(name: str, counter: Callable[[], list[ModerationCount]]) -> None:
    """Register (idempotently, by name) a callable counting what awaits the team."""
    _COUNTERS[name] = counter


def moderation_counts() -> list[ModerationCount]:
    counts: list[ModerationCount] = []
    for name in sorted(_COUNTERS):
        counts.extend(_COUNTERS[name]())
    return counts
