"""Staff security: a second factor before the back office and the reports, the admin's login
through allauth's (so TOTP is asked), and short idle sessions for staff."""

import time
from urllib.parse import urlencode

import rules
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# Set in the session at login (and whenever a staff page is reached) for staff accounts.
STAFF_SESSION_KEY = "loos.staff"
STAFF_SEEN_KEY = "loos.staff_seen"


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def mark_staff_session(request, user) -> None:
    """Staff sessions expire after STAFF_SESSION_IDLE_SECONDS without a request."""
    if not hasattr(request, "session"):
        return
    if _needs_second_factor(user):
        request.session[STAFF_SESSION_KEY] = True
        request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)


def _needs_second_factor(user) -> bool:
    return rules.test_rule("citizens.needs_second_factor", user)


class StaffSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path == reverse("admin:login"):
            return self._admin_login(request)
        user = request.user
        if user.is_authenticated and self._protected(path) and _needs_second_factor(user):
            # Also catches a resident promoted while logged in: a staff session from now on.
            mark_staff_session(request, user)
            if not has_second_factor(user):
                messages.warning(
                    request,
                    _(
                        "Les comptes de l'équipe municipale et du cabinet du maire doivent être "
                        "protégés par une double authentification avant d'accéder à "
                        "l'administration et aux rapports. Activez une application "
                        "d'authentification ci-dessous, puis revenez à la page demandée."
                    ),
                )
                return redirect("mfa_activate_totp")
        response = self.get_response(request)
        self._refresh_staff_expiry(request)
        return response

    @staticmethod
    def _protected(path: str) -> bool:
        return any(path.startswith(prefix) for prefix in settings.STAFF_MFA_REQUIRED_PATHS)

    @staticmethod
    def _admin_login(request):
        """The admin's own login form would skip the second factor: send people to allauth's."""
        next_url = request.GET.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
        if user.is_active and user.is_staff:
            return redirect(next_url)
        messages.error(request, _("Votre compte n'a pas accès à l'administration."))
        return redirect("home")

    @staticmethod
    def _refresh_staff_expiry(request) -> None:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not user.is_authenticated:
            return
        # is_staff/is_superuser are on the user row already loaded; the session flag covers
        # the mayor's office (a group), without a query on every request.
        if user.is_staff or user.is_superuser or session.get(STAFF_SESSION_KEY):
            # Refreshing writes the session: once a minute is enough (idle 29 to 30 min).
            now = int(time.time())
            if now - session.get(STAFF_SEEN_KEY, 0) >= 60:
                session[STAFF_SEEN_KEY] = now
                session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
