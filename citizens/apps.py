from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "citizens"
    verbose_name = _("Habitants")

    def ready(self):
        from . import personal_data_section, signals  # noqa: F401  (registration on import)
