"""One flag model for every moderated item (see moderation.registry), and the append-only
log of every moderation decision."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam ou publicité")
    INSULT = "insult", _("Insulte ou propos haineux")
    OFF_TOPIC = "off_topic", _("Hors sujet")
    PERSONAL_DATA = "personal_data", _("Données personnelles")
    OTHER = "other", _("Autre")


class Flag(models.Model):
    """A resident reports an item others can read (a comment, a contribution…), once per item."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="flags"
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("type"), on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField(_("identifiant"))
    item = GenericForeignKey("content_type", "object_id")
    reason = models.CharField(_("motif"), max_length=20, choices=FlagReason.choices)
    details = models.CharField(_("précisions"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "content_type", "object_id"],
                condition=Q(reporter__isnull=False),
                name="one_flag_per_resident_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.content_type.model} {self.object_id}"


class ModerationLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Only account deletion may touch the log: to drop who did it, and to remove the
        # person's name from the description of their own items (citizens.personal_data).
        if set(kwargs) - {"actor", "object_repr"} or kwargs.get("actor") is not None:
            raise PermissionError("The moderation log is append-only.")
        return super().update(**kwargs)

    def delete(self):
        raise PermissionError("The moderation log is append-only.")


class ModerationLog(models.Model):
    """Append-only record of every moderation decision: who, what, when, why.

    Generic on purpose (content type + id): every moderated item is logged here, through
    moderation.services. The table keeps the name it had when the model lived in citizens.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("décision"), max_length=40)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("type"), on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField(_("identifiant"))
    object_repr = models.CharField(_("élément"), max_length=200)
    from_state = models.CharField(_("état avant"), max_length=20, blank=True)
    to_state = models.CharField(_("état après"), max_length=20, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    automatic = models.BooleanField(_("automatique"), default=False)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    objects = ModerationLogQuerySet.as_manager()

    class Meta:
        db_table = "citizens_moderationlog"
        ordering = ["-created_at"]
        verbose_name = _("décision de modération")
        verbose_name_plural = _("journal de modération")
        indexes = [
            models.Index(
                fields=["content_type", "object_id"], name="citizens_mo_content_85293f_idx"
            ),
            models.Index(fields=["-created_at"], name="citizens_mo_created_968d1b_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} · {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The moderation log is append-only.")
