from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "consultations"
    verbose_name = _("Concertations")

    def ready(self) -> None:
        # personal_data, project_parts and reporting register their parts on import.
        from . import moderation, notifications, personal_data, project_parts, reporting  # noqa: F401

        notifications.register_kinds()
        moderation.register()
