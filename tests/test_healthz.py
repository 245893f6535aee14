import json

import pytest
from django.db import connection

from tests.conftest import free_port


@pytest.mark.django_db
def test_healthz_answers_200_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
    }


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_naming_the_database_when_it_is_unreachable(client):
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port
    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {"database": "unavailable", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_naming_redis_when_it_is_unreachable(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {"database": "ok", "redis": "unavailable"}


@pytest.mark.django_db
def test_healthz_names_the_page_cache_redis_when_it_is_separate_and_unreachable(client, settings):
    pages = {**settings.CACHES["pages"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    settings.CACHES = {**settings.CACHES, "pages": pages}
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = json.loads(response.content)["checks"]
    assert checks == {"database": "ok", "redis": "ok", "cache": "unavailable"}
