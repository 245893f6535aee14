from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentChange(models.Model):
    """One write that changes what a cached page shows (a comment on project 12, a vote in
    round 7, a new notification for resident 40...), appended by the generated triggers
    (triggers.py) from what each app declares in its `cached_pages.py`.

    A page's fragments are cached under the greatest `version` of its object. Rows are only
    ever inserted, never updated, so a write locks nothing that another write needs.
    `content_changes_compact` (Celery beat) keeps the last row of each object.
    """

    version = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=10)
    object_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("changement de contenu")
        verbose_name_plural = _("changements de contenu")
        indexes = [
            models.Index(fields=["kind", "object_id", "version"], name="contentchange_object_idx"),
            models.Index(fields=["kind", "version"], name="contentchange_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} @{self.version}"
