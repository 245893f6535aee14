"""Plain pages of the site: the privacy notice and the accessibility statement."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .personal_data import sections


@require_http_methods(["GET"])
def privacy(request):
    context = {
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "town_hall_address": settings.TOWN_HALL_ADDRESS,
        "session_days": settings.SESSION_COOKIE_AGE // 86400,
        "staff_idle_minutes": settings.STAFF_SESSION_IDLE_SECONDS // 60,
        "export_days": settings.DATA_EXPORT_TTL_DAYS,
        "sections": sections(),
    }
    return render(request, "pages/privacy.html", context)


@require_http_methods(["GET"])
def accessibility(request):
    context = {
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "town_hall_address": settings.TOWN_HALL_ADDRESS,
    }
    return render(request, "pages/accessibility.html", context)
