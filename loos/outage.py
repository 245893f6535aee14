"""A database outage answers 503 "service momentanément indisponible", never a 500.

When PostgreSQL is unreachable (restarted, failing over, shut down), every query raises
`django.db.OperationalError` or `InterfaceError`. Residents then get a short French page with
`Retry-After`, monitoring gets JSON, and the error is logged once per request. Two entry
points share `outage_response`:

- `DatabaseOutageMiddleware.process_exception` for errors raised by views and templates;
- `server_error` (the project's `handler500`) for errors raised outside views, e.g. while the
  session or the user is loaded by a middleware: Django calls the 500 handler inside its
  `except` block, so the exception is still the one in flight (`sys.exception()`).

Recovery needs no restart: Django closes a connection that raised such an error at the end of
the request, and `CONN_HEALTH_CHECKS` checks a persistent connection before reusing it
(settings), so the first request after PostgreSQL is back opens a fresh connection.
"""

import logging
import sys

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

# SQLSTATE classes meaning "the server is gone or refuses connections": 08 connection
# exception; 57P01-57P05 admin or crash shutdown, cannot connect now, database dropped,
# idle session timeout. Deadlocks, serialisation failures and statement timeouts are not
# outages: they stay ordinary errors.
OUTAGE_SQLSTATES = ("08", "57P0")


def is_database_outage(exc: BaseException | None) -> bool:
    """Is `exc` the database being unreachable (rather than a bug or a bad query)?"""
    if isinstance(exc, InterfaceError | psycopg.InterfaceError):
        # Raised on a connection that is already closed.
        return True
    if isinstance(exc, OperationalError):
        error = exc.__cause__
    elif isinstance(exc, psycopg.OperationalError):
        # psycopg's own error escapes Django's wrapper in a few places, e.g. when a
        # server-side cursor (QuerySet.iterator()) is closed on a dead connection.
        error = exc
    else:
        return False
    if not isinstance(error, psycopg.Error):
        # Not PostgreSQL (SQLite's "database is locked" is not an outage of a server).
        return False
    # psycopg's client-side errors (connection refused, "server closed the connection
    # unexpectedly", "the connection is closed") carry no SQLSTATE.
    return error.sqlstate is None or error.sqlstate.startswith(OUTAGE_SQLSTATES)


def _wants_json(request: HttpRequest) -> bool:
    try:
        if request.path == reverse("healthz"):
            return True
    except NoReverseMatch:  # a URL configuration without the health check
        pass
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 answer to a request that met a database outage; logs it."""
    logger.error(
        "Database unreachable, answered 503 to %s %s: %s",
        request.method,
        request.path,
        str(exc).strip() or type(exc).__name__,
    )
    retry_after = settings.OUTAGE_RETRY_AFTER
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"status": "unavailable", "checks": {"database": "unavailable"}}, status=503
        )
    else:
        # Rendered without the request's context processors: they would query the
        # database (the user, the session) that just failed.
        html = render_to_string(
            "503.html", {"TOWN_NAME": settings.TOWN_NAME, "retry_after": retry_after}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


class DatabaseOutageMiddleware:
    """Turns a database outage met by a view into a 503 (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return outage_response(request, exception)
        return None


def server_error(request, template_name: str = defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: a database outage met outside a view is a 503 too; the rest is a 500."""
    exc = sys.exception()
    if is_database_outage(exc):
        return outage_response(request, exc)
    return defaults.server_error(request, template_name)


class SkipOutageTracebacks(logging.Filter):
    """On the `django.request` logger: drop Django's own "Service Unavailable" record, with
    its traceback, for a 503 that `outage_response` already logged in one line (an outage
    would otherwise fill the logs with one traceback per request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (getattr(record, "status_code", None) == 503 and is_database_outage(exc))
