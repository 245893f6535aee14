"""One flag model for every moderated item (see moderation.registry)."""

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
