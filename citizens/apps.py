from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "citizens"
    verbose_name = _("Habitants")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import (  # noqa: F401  (registration on import)
            personal_data_notifications,
            personal_data_section,
            signals,
        )
        from .roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="citizens.sync_role_permissions")
