"""What a report covers: the whole town, a neighbourhood, a project or a consultation round.

A neighbourhood covers the projects located in it and their rounds; a project its comments,
supports, updates and rounds; a round its contributions, votes and synthesis only (comments and
supports belong to projects, so they are "sans objet" for a round).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

TOWN = "commune"
NEIGHBOURHOOD = "quartier"
PROJECT = "projet"
CONSULTATION = "concertation"


@dataclass(frozen=True)
class Scope:
    kind: str
    obj: object | None = None

    @property
    def key(self) -> str:
        return TOWN if self.kind == TOWN else f"{self.kind}:{self.obj.slug}"

    @property
    def label(self) -> str:
        if self.kind == TOWN:
            from django.conf import settings

            return _("Toute la commune (%(town)s)") % {"town": settings.TOWN_NAME}
        kinds = {
            NEIGHBOURHOOD: _("Quartier"),
            PROJECT: _("Projet"),
            CONSULTATION: _("Concertation"),
        }
        return f"{kinds[self.kind]} : {self.obj}"

    @property
    def is_town(self) -> bool:
        return self.kind == TOWN

    def q(self, *, project: str | None, consultation: str | None = None) -> Q | None:
        """The filter for a model reached through `project` / `consultation` lookups.

        `project` is the lookup from the model to its Project ("" for Project itself),
        `consultation` the lookup to its Consultation ("" for Consultation itself), None when
        the model is not tied to a round. Returns None when the model is outside this kind of
        scope (a comment and a round, for instance).
        """
        if self.kind == TOWN:
            return Q()
        if self.kind == CONSULTATION:
            if consultation is None:
                return None
            return Q(**{_path(consultation, "pk"): self.obj.pk})
        if project is None:
            return None
        if self.kind == PROJECT:
            return Q(**{_path(project, "pk"): self.obj.pk})
        return Q(**{_path(project, "neighbourhood_id"): self.obj.pk})


def _path(prefix: str, field: str) -> str:
    if not prefix:
        return field
    return f"{prefix}_id" if field == "pk" else f"{prefix}__{field}"


def scope_from_key(key: str) -> Scope | None:
    """The scope a key names ("commune", "projet:<slug>"…), or None if nothing matches."""
    from citizens.models import Neighbourhood
    from consultations.models import Consultation
    from projects.models import Project

    if key == TOWN:
        return Scope(TOWN)
    kind, _sep, slug = key.partition(":")
    models = {NEIGHBOURHOOD: Neighbourhood, PROJECT: Project, CONSULTATION: Consultation}
    if kind not in models or not slug:
        return None
    obj = models[kind].objects.filter(slug=slug).first()
    return Scope(kind, obj) if obj is not None else None
