from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


def _install_triggers(sender, using="default", **kwargs):
    from django.db import connections

    from .triggers import install

    install(connections[using])


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = _("Cache des pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Each app declares what its cached pages show in its `cached_pages.py`.
        autodiscover_modules("cached_pages")
        # After every migrate (and test database set-up), the triggers follow the declarations.
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="pagecache-triggers")
