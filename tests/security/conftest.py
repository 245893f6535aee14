"""A module-scoped world for the authorisation matrix and the hostile-input suite."""

import pytest
from django.db import transaction

from tests.security.world import WorldSettings, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction rolled back at the end; each test's own
    savepoint (the `db` fixture) undoes what the test wrote."""
    with django_db_blocker.unblock(), WorldSettings():
        with transaction.atomic():
            from django.utils import translation

            translation.activate("fr")
            built = build_world()
            yield built
            transaction.set_rollback(True)
