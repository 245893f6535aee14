from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "consultations"
    verbose_name = _("Concertations")

    def ready(self) -> None:
        from . import moderation, notifications, personal_data  # noqa: F401  (personal_data registers on import)

        notifications.register_kinds()
        moderation.register()
