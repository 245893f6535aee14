"""The site's URLs, plus stand-ins for the project and consultation pages while those apps'
pages are not installed in this branch (the stand-ins vanish as soon as the real routes
exist), so that links to a resident's items can be checked."""

from django.http import HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

from loos.urls import urlpatterns as site_urlpatterns


def _exists(name: str) -> bool:
    try:
        reverse(name, kwargs={"slug": "x"}, urlconf="loos.urls")
    except NoReverseMatch:
        return False
    return True


def _stand_in(request, slug):
    return HttpResponse(f"stand-in page {slug}", content_type="text/plain")


urlpatterns: list = []
for prefix, namespace in (("projets/", "projects"), ("consultations/", "consultations")):
    if not _exists(f"{namespace}:detail"):
        urlpatterns.append(
            path(prefix, include(([path("<slug:slug>/", _stand_in, name="detail")], namespace)))
        )
urlpatterns += site_urlpatterns
