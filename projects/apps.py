from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("Projets")

    def ready(self) -> None:
        from . import moderation, notifications, personal_data  # noqa: F401  (personal_data registers on import)

        notifications.register_kinds()
        moderation.register()
