import json

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast


@pytest.fixture(autouse=True)
def _personal_settings(settings, tmp_path):
    """Private files in a throwaway folder; links to project and consultation pages."""
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    settings.ROOT_URLCONF = "tests.personal.urls"


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def personal_traces(*needles: str) -> list[str]:
    """Every row of every table whose text, e-mail, slug or JSON fields contain one of
    `needles`, plus every stored session whose decoded data does."""
    from citizens.models import AccountSession

    hits = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            for needle in needles:
                rows = model._base_manager.all()
                if isinstance(field, models.JSONField):
                    rows = rows.annotate(_text=Cast(field.name, models.TextField()))
                    rows = rows.filter(_text__icontains=needle)
                else:
                    rows = rows.filter(**{f"{field.name}__icontains": needle})
                if rows.exists():
                    hits.append(f"{model._meta.label}.{field.name} contains {needle!r}")
    for session in AccountSession.objects.all():
        decoded = json.dumps(session.get_decoded(), ensure_ascii=False)
        hits.extend(f"session {session.pk} contains {n!r}" for n in needles if n in decoded)
    return hits
