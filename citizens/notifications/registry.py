"""Kinds of notifications, registered by the apps that own the events.

`citizens` never imports `projects` or `consultations`: each app registers its kinds (their
text, email subject and an optional `describe` hook turning stored params into display
values) and the machinery renders any notification from its kind, in the reader's language.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NotificationKind:
    """How one kind of event reads, in-app and by email.

    `text`, `subject` and `detail` are (lazy) format strings: `{actor}` is the display name of
    whoever acted, the other fields come from the notification's params, passed through
    `describe` (evaluated in the reader's language, e.g. a status code to its label).
    """

    name: str
    label: Promise | str
    text: Promise | str
    subject: Promise | str
    detail: Promise | str = ""
    describe: Callable[[dict], dict] | None = None


class Rendered:
    """A notification's wording in the active language; the subject and detail are only
    formatted when asked for (a digest needs the text alone)."""

    def __init__(self, kind: NotificationKind, values: dict):
        self.kind = kind
        self.values = values
        self.text = _format(kind.text, values)

    @cached_property
    def subject(self) -> str:
        return _format(self.kind.subject, self.values)

    @cached_property
    def detail(self) -> str:
        return _format(self.kind.detail, self.values)


_KINDS: dict[str, NotificationKind] = {}

FALLBACK = NotificationKind(
    name="",
    label=_("Notification"),
    text=_("Du nouveau vous concerne sur la plateforme."),
    subject=_("Du nouveau vous concerne"),
)


def register(kind: NotificationKind) -> NotificationKind:
    """Register (or re-register, idempotently) a kind. Apps call this from `ready()`."""
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> NotificationKind:
    """The registered kind, or a neutral fallback for a kind no app registers any more."""
    return _KINDS.get(name, FALLBACK)


def registered_kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)


class _LenientFormatter(string.Formatter):
    """`str.format` that leaves a missing field empty instead of failing, so an old
    notification still renders after its kind's wording changed. Only plain field names
    are used: attribute and index lookups in a translated string are refused."""

    def get_field(self, field_name, args, kwargs):
        if not field_name.isidentifier():
            return "", field_name
        return kwargs.get(field_name, ""), field_name

    def format_field(self, value, format_spec):
        return format(str(value), "")


_formatter = _LenientFormatter()


def _format(template, values: dict) -> str:
    if not template:
        return ""
    return _formatter.vformat(str(template), (), values)


def render(*, kind_name: str, params: dict, actor_name: str | None) -> Rendered:
    """Render a notification in the active language (callers wrap it in
    `translation.override(reader.language)`)."""
    kind = get_kind(kind_name)
    values = {key: value for key, value in (params or {}).items() if isinstance(key, str)}
    values["actor"] = actor_name or gettext("Un ancien participant")
    if kind.describe is not None:
        values.update(kind.describe(dict(params or {})))
    return Rendered(kind, values)
