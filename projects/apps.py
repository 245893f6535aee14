from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("Projets")

    def ready(self) -> None:
        # personal_data and reporting register their parts on import.
        from . import moderation, notifications, personal_data, reporting  # noqa: F401

        notifications.register_kinds()
        moderation.register()
