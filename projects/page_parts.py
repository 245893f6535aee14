"""What other apps show on a project's page: the registry of its parts and of what updates cite.

`projects` stays below the apps that take part in a project (consultations): it imports none
of them and names none of their templates or tables. Each such app describes what it shows
on the project's page and registers it from its `AppConfig.ready()`:

    # <app>/apps.py
    def ready(self):
        from . import project_parts  # noqa: F401  (registers the parts on import)

    # <app>/project_parts.py
    from projects import page_parts

    def rounds(project) -> dict:  # a fixed number of queries, however many rounds
        return {"rounds": list(Consultation.objects.filter(project=project))}

    def rounds_change(context) -> datetime | None:  # reads what `rounds` loaded, no query
        return min(...)  # the next opening or closing

    page_parts.register(
        page_parts.Part(key="rounds", order=10, template="<app>/_project_rounds.html",
                        context=rounds, until=rounds_change)
    )

    def cited(updates) -> dict[int, list]:  # one query for all the updates shown
        return {update.pk: [...] for update in updates}

    page_parts.register_citations(
        page_parts.Citations(key="contributions", order=10, cite=cited,
                             template="<app>/_project_citation.html")
    )

A part is rendered in the page's side column, in ascending `order`, with `project` and what
its `context` returned. Its template is one `<section aria-labelledby="…">` headed by an `h2`
(the page has one `h1`, the project's title), ids prefixed by the part's key, and every string
through `{% translate %}`; a part with nothing to show renders nothing.

What updates cite is shown in their « Ce qui a changé grâce à vous », after the comments they
cite: `cite` gets the updates shown (at most `selectors.UPDATES_SHOWN`) and returns, by update
id, the items to show; the template renders one of them as `cited`, inside a `<li>`.

The page is cached (pagecache): whole for logged-out readers, its timeline for everyone. So a
part shows the same to every reader (no request, no user), declares the tables it reads on the
`project` kind from its own `cached_pages.py` (`pagecache.extend("project", [...])`, checked by
tests/test_pagecache.py), and gives through `until` the moment it stops being true by the clock
alone (a round opening or closing): the cached page is not served after that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Part:
    key: str  # unique among the parts, prefixes the ids in its template
    template: str  # owned by the contributing app, e.g. "consultations/_project_rounds.html"
    context: Callable[[Any], dict]  # (project) -> what the template shows
    order: int = 50
    until: Callable[[dict], datetime | None] | None = None  # (what `context` gave) -> moment


@dataclass(frozen=True)
class Citations:
    key: str
    template: str  # one cited item, as `cited`
    cite: Callable[[list], Mapping[int, list]]  # (updates) -> {update id: items it cites}
    order: int = 50


@dataclass(frozen=True)
class Citation:
    """One item an update cites, with the template that shows it."""

    template: str
    item: Any


@dataclass(frozen=True)
class RenderedPart:
    key: str
    html: SafeString
    until: datetime | None


_parts: dict[str, Part] = {}
_citations: dict[str, Citations] = {}


def register(part: Part) -> Part:
    """Add (or replace, on reload) a part; returns it so it can be used as a value."""
    _parts[part.key] = part
    return part


def register_citations(citations: Citations) -> Citations:
    _citations[citations.key] = citations
    return citations


def parts() -> list[Part]:
    return sorted(_parts.values(), key=lambda p: (p.order, p.key))


def citations() -> list[Citations]:
    return sorted(_citations.values(), key=lambda c: (c.order, c.key))


def render_parts(project, request=None) -> list[RenderedPart]:
    """Every part of this project's page, rendered, with when each stops being true."""
    rendered = []
    for part in parts():
        context = part.context(project)
        html = render_to_string(part.template, {"project": project, **context}, request)
        until = part.until(context) if part.until is not None else None
        # Safe: rendered by the contributing app's template (autoescaped).
        rendered.append(RenderedPart(part.key, mark_safe(html), until))  # noqa: S308
    return rendered


def parts_until(rendered: Iterable[RenderedPart]) -> datetime | None:
    """The first moment one of these parts stops being true by the clock, or None."""
    return min((p.until for p in rendered if p.until is not None), default=None)


def cited_by(updates: list) -> dict[int, list[Citation]]:
    """What each of these updates cites from the other apps, in their order: one call (a
    fixed number of queries) per registered app, whatever the number of updates."""
    out: dict[int, list[Citation]] = {update.pk: [] for update in updates}
    if not updates:
        return out
    for source in citations():
        found = source.cite(updates)
        for update in updates:
            out[update.pk] += [Citation(source.template, item) for item in found.get(update.pk, ())]
    return out
