from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = _("Modération")

    def ready(self) -> None:
        from . import notifications, personal_data, rules  # noqa: F401  (register on import)

        notifications.register_kinds()
