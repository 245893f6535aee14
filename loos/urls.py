from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from citizens import pages
from citizens.language import set_language

from . import views

admin.site.site_header = _("Participation – administration")
admin.site.site_title = _("Administration")
admin.site.index_title = _("Back-office de l'équipe municipale")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("projets/", include("projects.urls")),
    path("consultations/", include("consultations.urls")),
    path("signaler/", include("moderation.urls")),
    path("rapports/", include("reports.urls")),
    path("compte/", include("citizens.urls")),
    path("compte/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),  # also saved on the account
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("confidentialite/", pages.privacy, name="privacy"),
    path("accessibilite/", pages.accessibility, name="accessibility"),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/floor", views.bench_floor, name="bench_floor"))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database outage met outside a view answers 503, not 500 (loos.outage).
handler500 = "loos.outage.server_error"
