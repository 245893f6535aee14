from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .storage import private_storage


class ReportSnapshot(models.Model):
    """A town-wide report precomputed by Celery beat for one standard period."""

    key = models.CharField(_("clé"), max_length=60, unique=True)
    preset = models.CharField(_("période type"), max_length=20)
    period_start = models.DateField(_("début"))
    period_end = models.DateField(_("fin"))
    version = models.PositiveSmallIntegerField(_("version du format"))
    data = models.JSONField(_("chiffres"))
    computed_at = models.DateTimeField(_("calculé le"))
    compute_seconds = models.FloatField(_("durée du calcul (s)"), default=0)

    class Meta:
        verbose_name = _("rapport précalculé")
        verbose_name_plural = _("rapports précalculés")

    def __str__(self) -> str:
        return f"{self.key} ({self.period_start} → {self.period_end})"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Prêt")
    FAILED = "failed", _("Échec")


class ReportExport(models.Model):
    """A PDF of a report, built by a Celery task, downloadable by the person who asked."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        on_delete=models.CASCADE,
        related_name="report_exports",
    )
    scope_key = models.CharField(_("périmètre"), max_length=200)
    scope_label = models.CharField(_("intitulé du périmètre"), max_length=300, blank=True)
    preset = models.CharField(_("période type"), max_length=20)
    period_start = models.DateField(_("début"))
    period_end = models.DateField(_("fin"))
    status = models.CharField(
        _("état"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    file = models.FileField(
        _("fichier"), storage=private_storage, upload_to="reports/%Y/%m/", blank=True
    )
    error = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export de rapport")
        verbose_name_plural = _("exports de rapports")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="report_export_owner_idx"),
            models.Index(fields=["created_at"], name="report_export_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_key} {self.period_start} → {self.period_end} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("reports:export_detail", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)
