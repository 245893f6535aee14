import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

import pagecache
from consultations.cached_pages import HOME
from consultations.selectors import consultation_list_open_for_home, consultation_next_change
from projects.selectors import project_list_recent, project_update_list_latest

logger = logging.getLogger(__name__)


@require_safe
def home(request):
    def lists() -> str:
        context = {
            "open_consultations": consultation_list_open_for_home(limit=3),
            "recent_projects": project_list_recent(limit=6),
            "latest_updates": project_update_list_latest(limit=5),
        }
        return render_to_string("_home_lists.html", context, request)

    # The same for every reader until a project or a round changes, or a round opens or
    # closes (consultations/cached_pages.py).
    lists_html = pagecache.cached(
        HOME,
        version=pagecache.lists_version(*HOME.kinds),
        render=lists,
        until=lambda: consultation_next_change(now=timezone.now()),
    )
    return render(request, "home.html", {"lists_html": lists_html})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _check_redis() -> None:
    _ping_redis(settings.REDIS_URL)


def _check_cache_redis() -> None:
    _ping_redis(settings.CACHES["pages"]["LOCATION"])


@never_cache
@require_safe
def healthz(request):
    """Liveness and dependency check: 200 when every configured dependency answers."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    pages = settings.CACHES.get("pages", {}).get("LOCATION")
    if pages and pages != settings.CACHES["default"].get("LOCATION"):
        checks["cache"] = _check_cache_redis  # the cached pages' own Redis
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure of a dependency is a 503, never a 500
            logger.warning("healthz: %s unavailable: %s", name, exc)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


@require_safe
def bench_floor(request):
    """The cheapest page the stack serves: one indexed query, a tiny template (benchmarks)."""
    from citizens.models import Neighbourhood

    hood = Neighbourhood.objects.filter(pk=1).only("name").first()
    return render(request, "bench_floor.html", {"hood": hood})
