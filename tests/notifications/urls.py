"""Test-only URLs: the project and consultation pages other branches build.

Notifications link to `projects:detail` and `consultations:detail`. Until those views are
merged, these placeholders (listed before the real includes, so their namespaces win) let the
notification tests follow links; the fixture in conftest.py uses them only when the real
routes are missing.
"""

from django.http import HttpResponse
from django.urls import include, path

from loos.urls import urlpatterns as site_urlpatterns


def _page(request, slug):
    return HttpResponse(f"<h1>{slug}</h1>")


urlpatterns = [
    path("projets/", include(([path("<slug:slug>/", _page, name="detail")], "projects"))),
    path(
        "consultations/",
        include(([path("<slug:slug>/", _page, name="detail")], "consultations")),
    ),
    *site_urlpatterns,
]
