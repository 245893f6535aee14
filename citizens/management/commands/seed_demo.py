"""Seed a believable demo town. Idempotent: running it twice changes nothing.

Each installed app may provide a `demo` module with `seed(*, stdout) -> None`; they run in
INSTALLED_APPS order, so `citizens` seeds people before `projects` and `consultations`.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Crée (ou complète) la ville de démonstration."

    def handle(self, *args, **options) -> None:
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Ville de démonstration prête."))
