"""What each app contributes to the participation reports: its indicators, and the acts of
residents it counts. The registry the `reports` app reads, so that a new app's figures show
in reports without editing them.

`citizens` stays generic: it does not import the other apps, and nobody imports `reports`.
Each app describes its part in `<app>/reporting.py` and registers it from its
`AppConfig.ready()`, as for `citizens.personal_data`:

    # <app>/apps.py
    def ready(self):
        from . import reporting  # noqa: F401  (registers on import)

    # <app>/reporting.py
    from citizens import reporting as registry

    registry.register_acts(
        registry.Acts(
            key="supports",  # the series' key in the report's data
            person_field="user_id",  # who did it
            # `scope.q(project=..., consultation=...)` is the filter for a model reached
            # through those lookups (None when the model is outside that kind of scope);
            # `window.q(field)` the period, on `created_at` unless told otherwise.
            queryset=lambda scope, window: registry.within(
                Support.objects.filter(window.q()), scope.q(project="project")
            ),
            order=30,
        )
    )
    registry.register_indicators(
        registry.Indicator("supports", registry.PARTICIPATION, _("Soutiens"),
                           _("Soutiens apportés par les habitants aux projets."), order=30),
    )

That is all it takes for a kind of participation: its acts count residents as participants
(each once), and, with `series=True`, the report draws and exports it week after week with
its total, under the indicator of the same key. Indicators are listed (glossary, cards, CSV
labels) by section, then ascending `order`.

The story of a report (what the town published: syntheses, project updates…) is built the
same way. A `StorySource` gives the period's entries of one kind, newest first, at most
`limit` of them, each a dict with at least `kind`, `id`, `date`, `title`, `url`, `project`,
`project_url`, `body` and `citations` (a list); and how many there are in all. A
`StoryCitations` adds, to the entries of a kind, the items of its app they cite (the
contributions a project update quotes), each a dict with `kind`, `author`, `body`, `date`,
`url`, `context` and `outcome`. Sources and citations are taken in ascending `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch

# The sections of a report, in the order they are read.
MEANS = "moyens"
REACH = "portee"
PARTICIPATION = "participation"
RESULTS = "resultats"
SECTIONS = [MEANS, REACH, PARTICIPATION, RESULTS]

# Units: how a value is formatted.
COUNT, DAYS, HOURS, PERCENT = "nombre", "jours", "heures", "%"


@dataclass(frozen=True)
class Indicator:
    key: str
    section: str
    label: str
    definition: str
    unit: str = COUNT
    order: int = 50


@dataclass(frozen=True)
class Acts:
    """One kind of thing residents do (contribute, comment, vote…), as counted by reports."""

    key: str
    queryset: Callable[[Any, Any], QuerySet | None]  # (scope, window) -> the period's acts
    person_field: str = "author_id"
    series: bool = True  # counted week after week in the participation section
    order: int = 50


@dataclass(frozen=True)
class StorySource:
    key: str  # the kind of its entries, e.g. "synthesis"
    entries: Callable[[Any, Any, int], list[dict]]  # (scope, window, limit), newest first
    count: Callable[[Any, Any], int]  # (scope, window): all the period's entries
    order: int = 50


@dataclass(frozen=True)
class StoryCitations:
    key: str
    kind: str  # the kind of entries it adds to, e.g. "update"
    cite: Callable[[list[int]], dict[int, list[dict]]]  # entry ids -> their citations
    order: int = 50


_indicators: dict[str, Indicator] = {}
_acts: dict[str, Acts] = {}
_story_sources: dict[str, StorySource] = {}
_story_citations: dict[str, StoryCitations] = {}


def register_indicators(*indicators: Indicator) -> None:
    """Add (or replace, on reload) indicators."""
    for indicator in indicators:
        if indicator.section not in SECTIONS:
            raise ValueError(f"Unknown report section: {indicator.section!r}")
        _indicators[indicator.key] = indicator


def indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: (SECTIONS.index(i.section), i.order, i.key))


def register_acts(acts: Acts) -> Acts:
    _acts[acts.key] = acts
    return acts


def acts() -> list[Acts]:
    return sorted(_acts.values(), key=lambda a: (a.order, a.key))


def within(queryset: QuerySet, scope_q: Q | None) -> QuerySet | None:
    """`queryset` narrowed to the scope, or None when its model is outside this scope."""
    return None if scope_q is None else queryset.filter(scope_q)


# How a model of a lower app reaches the scope of an app above it (a project update reaches
# a round through the contributions it quotes): declared by the app above, which knows the
# relation, and read by the lower app, which must not name it.
_scope_paths: dict[tuple[str, str], str] = {}


def register_scope_path(*, scope: str, model: str, path: str) -> None:
    """`model` ("app.Model") reaches objects of the `scope` kind through lookup `path`."""
    _scope_paths[(scope, model)] = path


def scope_path(*, scope: str, model: str) -> str | None:
    """The lookup from `model` to the `scope` kind's object, or None when none is declared."""
    return _scope_paths.get((scope, model))


def register_story_source(source: StorySource) -> StorySource:
    _story_sources[source.key] = source
    return source


def story_sources() -> list[StorySource]:
    return sorted(_story_sources.values(), key=lambda s: (s.order, s.key))


def register_story_citations(citations: StoryCitations) -> StoryCitations:
    _story_citations[citations.key] = citations
    return citations


def story_citations() -> list[StoryCitations]:
    return sorted(_story_citations.values(), key=lambda c: (c.order, c.key))


def url_of(obj) -> str:
    """The public page of an object; empty if that app's pages are not installed."""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def author_name(user) -> str:
    return user.display_name if user is not None else ""


def citation(kind: str, item, *, context: str, outcome: str = "") -> dict:
    """A quoted item of the story, from a row with `author`, `body` and `created_at`."""
    return {
        "kind": kind,
        "author": author_name(item.author),
        "body": item.body,
        "date": item.created_at,
        "url": url_of(item),
        "context": context,
        "outcome": outcome,
    }
