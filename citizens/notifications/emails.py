"""Notification emails: rendered from templates in the reader's language, text and HTML parts,
with a one-click unsubscribe (RFC 8058 headers)."""

from __future__ import annotations

import base64
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property

from citizens.todo import TodoItem

from ..models import MUNICIPAL_TEAM, EmailDelivery, EmailFrequency, Notification, User
from . import registry
from .periods import Period
from .tokens import absolute_url, unsubscribe_url

# A digest lists at most this many notifications, then links to the full list.
DIGEST_MAX_ITEMS = 30


class _Links:
    """Absolute links every email carries, computed once per process."""

    @cached_property
    def notifications(self) -> str:
        return absolute_url(reverse("citizens:notifications"))

    @cached_property
    def preferences(self) -> str:
        return absolute_url(reverse("citizens:preferences"))

    @cached_property
    def _open_parts(self) -> tuple[str, str]:
        # reverse() once, then format ids: cheap for a digest of many items.
        sentinel = 987654321
        url = absolute_url(reverse("citizens:notification_open", kwargs={"pk": sentinel}))
        prefix, suffix = url.split(str(sentinel))
        return prefix, suffix

    @cached_property
    def domain(self) -> str:
        return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"

    def open(self, notification_id: int) -> str:
        prefix, suffix = self._open_parts
        return f"{prefix}{notification_id}{suffix}"


links = _Links()


class Item:
    """A notification as an email shows it: its wording and an absolute link that opens it."""

    def __init__(self, notification: Notification):
        actor = notification.actor
        self.rendered = registry.render(
            kind_name=notification.kind,
            params=notification.params,
            actor_name=actor.display_name if actor is not None else None,
        )
        self.text = self.rendered.text
        self.url = links.open(notification.pk)
        self.created_at = notification.created_at

    @property
    def subject(self) -> str:
        return self.rendered.subject

    @property
    def detail(self) -> str:
        return self.rendered.detail


def _encoded_words(value: str) -> str:
    """A non-ASCII header as RFC 2047 base64 encoded words, in linear time."""
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        pass
    else:
        return value
    words, current = [], ""
    for char in value:
        # 39 bytes of UTF-8 make a 64-character encoded word: "Subject: " and the first word
        # fit on one 78-character line (an encoded word may not exceed 75).
        if len((current + char).encode()) > 39:
            words.append(current)
            current = char
        else:
            current += char
    words.append(current)
    return " ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words)


class NotificationEmail(EmailMultiAlternatives):
    """Encodes its subject itself: the email package's own encoder tries every split point
    of a non-ASCII header, which costs more than the rest of a digest's MIME work."""

    def message(self):
        readable = self.subject
        self.subject = _encoded_words(readable)
        try:
            return super().message()
        finally:
            self.subject = readable


def _message(
    *, delivery: EmailDelivery, user: User, subject: str, template: str, context: dict
) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user.pk)
    context = {
        **context,
        "user": user,
        "TOWN_NAME": settings.TOWN_NAME,
        "site_url": settings.SITE_URL,
        "notifications_url": links.notifications,
        "preferences_url": links.preferences,
        "unsubscribe_url": unsubscribe,
    }
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    message = NotificationEmail(
        subject=f"{prefix}{subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            # Stable per delivery: in the rare case of a resend after a crash between the
            # server's acceptance and our commit, mail clients see the same message.
            "Message-ID": f"<delivery-{delivery.pk}@{links.domain}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def build_notification_email(delivery: EmailDelivery) -> EmailMultiAlternatives | None:
    """The immediate email of one notification; None when it should not be sent any more."""
    user = delivery.recipient
    if not user.is_active or user.email_frequency != EmailFrequency.IMMEDIATE:
        return None
    with translation.override(user.language):
        item = Item(delivery.notification)
        return _message(
            delivery=delivery,
            user=user,
            subject=item.subject,
            template="citizens/email/notification",
            context={"item": item},
        )


def build_digest_email(
    delivery: EmailDelivery, period: Period, *, notifications: list[Notification], total: int
) -> tuple[EmailMultiAlternatives | None, int]:
    """The digest of a period, from its newest notifications and their total (loaded for the
    whole batch); (None, 0) when there is nothing new or the resident chose another rhythm."""
    user = delivery.recipient
    if not user.is_active or user.email_frequency != period.frequency or not notifications:
        return None, 0
    with translation.override(user.language):
        items = [Item(n) for n in notifications]
        if period.frequency == EmailFrequency.WEEKLY:
            subject = translation.ngettext(
                "Votre semaine : %(count)d nouveauté vous concerne",
                "Votre semaine : %(count)d nouveautés vous concernent",
                total,
            ) % {"count": total}
        else:
            subject = translation.ngettext(
                "Votre journée : %(count)d nouveauté vous concerne",
                "Votre journée : %(count)d nouveautés vous concernent",
                total,
            ) % {"count": total}
        message = _message(
            delivery=delivery,
            user=user,
            subject=subject,
            template="citizens/email/digest",
            context={
                "items": items,
                "total": total,
                "more": total - len(items),
                "period": period,
                "weekly": period.frequency == EmailFrequency.WEEKLY,
            },
        )
    return message, total


def build_moderation_summary_email(
    delivery: EmailDelivery, *, counts: list[TodoItem]
) -> tuple[EmailMultiAlternatives | None, int]:
    """The team's daily summary of what awaits moderation (None when nothing does)."""
    user = delivery.recipient
    if (
        not user.is_active
        or user.email_frequency == EmailFrequency.NEVER
        or not Group.objects.filter(name=MUNICIPAL_TEAM, user=user).exists()
    ):
        return None, 0
    with translation.override(user.language):
        counts = [
            {
                "label": str(c.label),
                "count": c.count,
                "url": absolute_url(c.url) if c.url else "",
                "oldest": timezone.localtime(c.oldest) if c.oldest else None,
            }
            for c in counts
            if c.count
        ]
        total = sum(c["count"] for c in counts)
        if not total:
            return None, 0
        subject = translation.ngettext(
            "Modération : %(count)d élément à examiner",
            "Modération : %(count)d éléments à examiner",
            total,
        ) % {"count": total}
        message = _message(
            delivery=delivery,
            user=user,
            subject=subject,
            template="citizens/email/moderation_summary",
            context={
                "counts": counts,
                "total": total,
                "admin_url": absolute_url(reverse("admin:index")),
            },
        )
    return message, total
