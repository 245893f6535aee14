from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Rapports de participation")

    def ready(self) -> None:
        from . import indicators  # noqa: F401  (registers the report's own indicators)
