"""Security headers, rate limits and a cache that survives Redis being down."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from citizens.ratelimit import rate_limit_exceeded, rate_limited
from loos.cache import ResilientRedisCache
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_map_tiles_host_is_the_only_third_party_image_source(settings):
    from loos.middleware import build_csp

    settings.MAP_TILES_URL = "https://{s}.tiles.loos-en-gohelle.fr/{z}/{x}/{y}.png"
    assert "img-src 'self' data: https://*.tiles.loos-en-gohelle.fr;" in build_csp()


def test_templates_contain_no_inline_script():
    from pathlib import Path

    offenders = []
    for path in Path("templates").rglob("*.html"):
        text = path.read_text()
        for chunk in text.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            if "src=" not in head and "application/json" not in head:
                offenders.append(str(path))
    assert offenders == []


def test_rate_limit_counts_per_action_and_person(settings):
    settings.RATE_LIMITS = {"comment": ["3/m"]}
    waits = [rate_limit_exceeded(action="comment", key="user:1") for _ in range(4)]
    assert waits[:3] == [0, 0, 0]
    assert 0 < waits[3] <= 60
    assert rate_limit_exceeded(action="comment", key="user:2") == 0
    assert rate_limit_exceeded(action="vote", key="user:1") == 0


def test_rate_limited_view_answers_429_in_french(settings, resident):
    settings.RATE_LIMITS = {"comment": ["2/m"]}

    @rate_limited("comment")
    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().post("/x")
    request.user = resident
    request.session = {}
    assert [view(request).status_code for _ in range(2)] == [200, 200]
    response = view(request)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Trop de demandes" in response.content.decode()


def test_cache_answers_misses_when_redis_is_down():
    cache = ResilientRedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    assert cache.get("key", "default") == "default"
    assert cache.add("key", 1) is True  # as for a new key: allauth's lock is taken
    cache.set("key", 1)
    assert cache.incr("key") == 1
    assert cache.get_many(["a", "b"]) == {}


def test_rate_limits_fail_open_when_redis_is_down(settings):
    from django.core.cache import caches

    settings.RATE_LIMITS = {"comment": ["1/m"]}
    settings.CACHES = {
        "default": {
            "BACKEND": "loos.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    assert isinstance(caches["default"], ResilientRedisCache)
    assert [rate_limit_exceeded(action="comment", key="user:1") for _ in range(3)] == [0, 0, 0]
