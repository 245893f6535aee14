"""The site's URLs plus one page whose database is always down (tests of the 503 page)."""

import psycopg
from django.db import IntegrityError, OperationalError
from django.urls import path

from loos.urls import handler500  # noqa: F401  (the site's 500 handler, kept)
from loos.urls import urlpatterns as site_urlpatterns


def database_down(request):
    try:
        raise psycopg.OperationalError("connection failed: Connection refused")
    except psycopg.OperationalError as error:
        raise OperationalError(str(error)) from error


def bad_write(request):
    raise IntegrityError("duplicate key value violates unique constraint")


urlpatterns = [
    path("test-panne/", database_down),
    path("test-erreur/", bad_write),
    *site_urlpatterns,
]
