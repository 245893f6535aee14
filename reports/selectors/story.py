"""The story of a report: what the apps registered (syntheses, project updates with what they
cite), in order."""

from __future__ import annotations

from citizens import reporting as registry

from ..periods import Period
from ..scopes import Scope
from .figures import Window

# The story shows at most this many entries (the most recent ones).
STORY_LIMIT = 60


def report_story(*, scope: Scope, period: Period, limit: int = STORY_LIMIT) -> dict:
    """What the apps registered for the story (citizens.reporting): syntheses, project updates
    with what they cite…, oldest first.

    Returns plain data: {"entries": [...], "total": n, "shown": m}. Bodies are raw Markdown,
    rendered by the caller through `render_markdown`.
    """
    window = Window(period.start_at, period.end_at)
    sources = registry.story_sources()
    entries: list[dict] = []
    truncated = False
    for source in sources:
        found = source.entries(scope, window, limit)
        truncated = truncated or len(found) == limit
        entries += found
    for citations in registry.story_citations():
        ids = [entry["id"] for entry in entries if entry["kind"] == citations.kind]
        if ids:
            cited = citations.cite(ids)
            for entry in entries:
                if entry["kind"] == citations.kind:
                    entry["citations"] += cited.get(entry["id"], [])
    for entry in entries:
        del entry["id"]
    entries.sort(key=lambda entry: entry["date"], reverse=True)
    shown = entries[:limit]
    shown.reverse()
    total = len(entries)
    if truncated:
        # Truncated: count them all (a cheap count each), to say how many are left out.
        total = sum(source.count(scope, window) for source in sources)
    return {"entries": shown, "total": total, "shown": len(shown)}
