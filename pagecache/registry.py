"""What each cached page depends on, declared by the app that owns the page.

Each app lists its kinds of content version and its cached pages in a `cached_pages.py`
module, found when the site starts (like `rules.py`). A kind names the tables whose rows a
page shows and how a changed row maps to the object whose version moves:

    PROJECT = pagecache.register(
        pagecache.Kind(
            "project",
            doc="A project's page, and the lists of projects.",
            depends_on=[
                pagecache.On("projects.Project", key="id"),  # the object's own row
                pagecache.On("projects.Comment", key="project_id"),  # a row that points to it
                pagecache.On(  # a row found through others: SQL, {row} is OLD or NEW
                    "citizens.User",
                    fields=["display_name"],
                    keys="SELECT id FROM projects_project WHERE author_id = {row}.id",
                    unshown=["email", "password", ...],
                ),
            ],
        )
    )
    PROJECT_PAGE = pagecache.Page("project-page", kinds=[PROJECT])

`fields` restricts a dependency to writes that change these columns (otherwise any write
to the table counts). `unshown` names the other columns the page's queries load without
showing them (`select_related` loads every column): tests/test_pagecache.py renders every
cached page and fails on any table or column it reads that no dependency covers, and writes
to every declared table and field to check that the version moves.

Models are named by their label ("app.Model", or "app.Model.field" for the table of a
many-to-many field), so that a page may depend on another app's tables without importing it.

An app that shows its own content on another app's page (consultations lists its rounds on a
project's page through `projects.page_parts`) declares those tables itself, on the page's
kind, from its own `cached_pages.py`; the kind's owner then names nothing of it:

    pagecache.extend("project", [pagecache.On("consultations.Consultation", key="project_id")])

The triggers and the tests read a kind's dependencies with its extensions (`depends_on`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,9}$")


@dataclass(frozen=True)
class On:
    """One table the pages of a kind show, and how its rows map to the kind's objects."""

    model: str
    key: str | None = None
    keys: str | None = None
    fields: tuple[str, ...] | None = None
    unshown: tuple[str, ...] = ()

    def __post_init__(self):
        if (self.key is None) == (self.keys is None):
            raise ValueError(f"{self.model}: give either `key` (a column) or `keys` (SQL)")
        if self.keys is not None and "{row}" not in self.keys:
            raise ValueError(f"{self.model}: `keys` reads the changed row as {{row}}")
        for name in ("fields", "unshown"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    def model_class(self):
        """The model whose table this is (the through model of a many-to-many field)."""
        parts = self.model.split(".")
        model = apps.get_model(parts[0], parts[1])
        if len(parts) == 3:
            model = model._meta.get_field(parts[2]).remote_field.through
        return model

    @property
    def table(self) -> str:
        return self.model_class()._meta.db_table

    def _column(self, name: str) -> str:
        return self.model_class()._meta.get_field(name).column

    @property
    def columns(self) -> tuple[str, ...] | None:
        """The columns whose change moves the version (None: any)."""
        if self.fields is None:
            return None
        return tuple(self._column(name) for name in self.fields)

    @property
    def unshown_columns(self) -> tuple[str, ...]:
        return tuple(self._column(name) for name in self.unshown)


@dataclass(frozen=True)
class Kind:
    """A kind of content version: one per object (a project, a round, a resident's inbox)."""

    name: str
    depends_on: tuple[On, ...]
    doc: str = ""

    def __post_init__(self):
        if not NAME.match(self.name):
            raise ValueError(f"kind name {self.name!r}: 1 to 10 lowercase letters or digits")
        object.__setattr__(self, "depends_on", tuple(self.depends_on))

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Page:
    """A cached page or fragment, keyed by the versions of these kinds."""

    name: str
    kinds: tuple[Kind, ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "kinds", tuple(self.kinds))
        _pages[self.name] = self


_kinds: dict[str, Kind] = {}
_pages: dict[str, Page] = {}
# Kind name -> what other apps declare on it (`extend`), in the order they were declared.
_extensions: dict[str, list[On]] = {}


def register(kind: Kind) -> Kind:
    if kind.name in _kinds and _kinds[kind.name] != kind:
        raise ValueError(f"kind {kind.name!r} is declared twice")
    _kinds[kind.name] = kind
    return kind


def extend(kind: Kind | str, depends_on: Iterable[On]) -> None:
    """Add dependencies to a kind declared by another app: the tables of what this app shows
    on that kind's pages. The kind must be registered already (import its module)."""
    name = kind if isinstance(kind, str) else kind.name
    if name not in _kinds:
        raise ValueError(f"kind {name!r} is not registered: import its cached_pages first")
    extensions = _extensions.setdefault(name, [])
    for on in depends_on:
        if on not in extensions:  # a module imported twice declares nothing new
            extensions.append(on)


def depends_on(kind: Kind) -> tuple[On, ...]:
    """A kind's dependencies: its own, then those other apps declared on it (`extend`)."""
    return kind.depends_on + tuple(_extensions.get(kind.name, ()))


def kinds() -> list[Kind]:
    return [_kinds[name] for name in sorted(_kinds)]


def pages() -> list[Page]:
    return [_pages[name] for name in sorted(_pages)]


def kind(name: str) -> Kind:
    return _kinds[name]


def dependencies(of: Iterable[Kind]) -> list[tuple[Kind, On]]:
    return [(k, on) for k in of for on in depends_on(k)]
