"""What the platform holds about a person, app by app: the registry behind "my activity",
the data download and account deletion.

`citizens` stays generic: it does not import the other apps. Each app describes its own part
of a resident's data in a `Section` and registers it from its `AppConfig.ready()`:

    # <app>/apps.py
    def ready(self):
        from . import personal_data  # noqa: F401  (registers the section on import)

    # <app>/personal_data.py
    from citizens import personal_data as registry

    def export(user) -> dict:  # JSON-serialisable; keys are French, read by the resident
        return {"notifications": [...]}

    def erase(user, *, erase_content: bool) -> None:  # runs inside the deletion transaction
        Notification.objects.filter(recipient=user).delete()

    registry.register(
        registry.Section(key="notifications", label=_("Notifications"), order=40,
                         description=_("vos notifications et vos préférences d'envoi"),
                         export=export, erase=erase)
    )

That is all it takes to add a section (notifications, deliveries, anything new): the download
then holds its data, and account deletion calls its `erase` before the user row is deleted.
For models of the citizens app itself (notifications and their deliveries), register the
section from a module imported in `CitizensConfig.ready()`, like `personal_data_section`.
Sections are exported in ascending `order` and erased in descending `order`, so the account
section (order 0: sessions, e-mail addresses) is erased last, after the others have used the
person's name to scrub it from the logs.

The three callables:
- `activity(user) -> list[ActivityStream]` (optional): what the resident's space lists. A
  stream is one kind of item (my comments, my votes…) as a lazy queryset already filtered to
  the person, newest first, plus a function turning a row into an `ActivityItem`. Pages show
  `stream.queryset[:n]` and `stream.queryset.count()`, or paginate it: bounded queries.
- `export(user) -> dict`: everything this app holds about the person, and nothing about
  anybody else (refer to other people's items by their address, not by their text or author).
- `erase(user, *, erase_content)`: runs in the account-deletion transaction, before the user
  row is deleted. Remove what is personal, keep what the town's records need anonymously
  (foreign keys to the user are SET_NULL: they show "ancien participant"), keep denormalised
  counters right, and call `scrub_log_reprs()` for the items whose text shows the person's
  name in the moderation and admin logs. With `erase_content`, the texts the person wrote
  are replaced by a neutral mention rather than deleted, so that discussion threads and the
  participation figures stay whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Replace
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _

# What a person's name becomes wherever it must be removed from a record that stays.
FORMER_PARTICIPANT = _("ancien participant")


@dataclass(frozen=True)
class ActivityItem:
    """One line of "my activity"."""

    kind: str  # the stream's key, e.g. "commentaires"
    type_label: str  # what it is, e.g. "Commentaire"
    title: str  # what it is about, e.g. the project's title
    url: str
    date: datetime
    excerpt: str = ""
    state: str = ""  # a moderation state code ("published", "hidden"…), empty if none applies
    state_label: str = ""
    state_tone: str = "secondary"  # Bootstrap colour of the state's badge
    reason: str = ""  # a moderation reason, shown to its author


@dataclass(frozen=True)
class ActivityStream:
    key: str  # URL slug of the kind, unique across sections
    label: str  # plural title, e.g. "Mes commentaires"
    queryset: models.QuerySet
    to_item: Callable[[Any], ActivityItem]
    empty_text: str = ""

    def items(self, rows: Iterable) -> list[ActivityItem]:
        return [self.to_item(row) for row in rows]


@dataclass(frozen=True)
class Section:
    key: str  # key of this section in the export, e.g. "projets"
    label: str
    export: Callable[[Any], dict]
    erase: Callable[..., None]
    activity: Callable[[Any], list[ActivityStream]] | None = None
    # One line for the download page: what this section holds, in the resident's words.
    description: str = ""
    order: int = 50  # sections are exported, listed and erased in this order


_sections: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add (or replace, on reload) a section; returns it so it can be used as a value."""
    _sections[section.key] = section
    return section


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def activity_streams(user) -> list[ActivityStream]:
    streams: list[ActivityStream] = []
    for section in sections():
        if section.activity is not None:
            streams.extend(section.activity(user))
    return streams


def activity_stream(user, key: str) -> ActivityStream | None:
    return next((s for s in activity_streams(user) if s.key == key), None)


def url_of(obj) -> str:
    """`obj.get_absolute_url()`, or "" while the page it names does not exist (an app's pages
    not installed yet): the resident's space never fails because of another app's routes."""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path else ""


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# Other apps' logs that describe items by content type + id + object_repr (the moderation
# log): each registers a callable returning its manager, and scrub_log_reprs scrubs them too.
_logs: list[Callable[[], models.Manager]] = []


def register_log(manager: Callable[[], models.Manager]) -> None:
    if manager not in _logs:
        _logs.append(manager)


def scrub_log_reprs(
    *, user, model: type[models.Model], ids: Iterable[int], replacement: str | None = None
) -> None:
    """Remove the person's name and email from the registered logs' and the admin log's
    description of items whose text shows them (a comment's description starts with its
    author's name), or replace the whole description with `replacement` (when the person
    erased their texts). The rows themselves stay: the log is append-only."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    ids = list(ids)
    if not ids:
        return
    content_type = ContentType.objects.get_for_model(model)
    if replacement is not None:
        scrubbed = Value(replacement[:200])
    else:
        scrubbed = models.F("object_repr")
        for needle in (user.email, user.display_name):
            if needle:
                scrubbed = Replace(scrubbed, Value(needle), Value(str(FORMER_PARTICIPANT)))
    for log in _logs:
        log().filter(content_type=content_type, object_id__in=ids).update(object_repr=scrubbed)
    LogEntry.objects.filter(
        content_type=content_type, object_id__in=[str(pk) for pk in ids]
    ).update(object_repr=scrubbed)
