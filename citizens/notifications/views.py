"""The resident's notifications, email preferences, and the one-click unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

import pagecache

from ..cached_pages import NOTIFICATIONS
from ..models import EmailFrequency, Notification, User
from . import registry, selectors, services
from .forms import EmailPreferencesForm
from .tokens import user_id_from_token

PAGE_SIZE = 20


def _safe_next(request: HttpRequest, fallback: str = "citizens:notifications"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path of this site: `redirect()` would read a bare word ("abc") as a URL name and
    # fail with NoReverseMatch (a 500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("citizens.view_notifications"):
        raise PermissionDenied
    user = request.user
    number = pagecache.page_number(request.GET.get("page"))

    def compute() -> dict:
        page = Paginator(selectors.notification_list_for(user=user), PAGE_SIZE).get_page(number)
        items = []
        for notification in page:
            actor = notification.actor
            rendered = registry.render(
                kind_name=notification.kind,
                params=notification.params,
                actor_name=actor.display_name if actor is not None else None,
            )
            items.append({"notification": notification, "text": rendered.text})
        unread = selectors.unread_count_for(user=user)
        context = {
            "page": page,
            "items": items,
            "unread": unread,
            "csrf_token": pagecache.CSRF_PLACEHOLDER,
        }
        html = render_to_string("citizens/_notification_list.html", context, request)
        data = {"html": html, "unread": unread}
        # A page past the last shows the last one (Paginator.get_page): not stored twice.
        return data if page.number == number else pagecache.uncached(data)

    # Cached for this resident under the version the triggers change at every write to their
    # notifications (citizens/cached_pages.py), and the page number only: any other query
    # parameter is ignored. The forms get this request's CSRF token.
    version = selectors.inbox_version(user=user) if pagecache.enabled() else 0
    data = pagecache.cached_value(
        NOTIFICATIONS, version=version, parts=(user.pk, number), compute=compute
    )
    # The same count as the header's bell, which then reuses it.
    request._loos_unread_notifications = data["unread"]
    content_html = pagecache.with_csrf_token(data["html"], request)
    return render(request, "citizens/notifications.html", {"content_html": content_html})


def _own_notification(request: HttpRequest, pk: int) -> Notification:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if not request.user.has_perm("citizens.read_notification", notification):
        raise PermissionDenied
    return notification


@login_required
@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to its object, marking it read on the way."""
    notification = _own_notification(request, pk)
    services.notification_mark_read(notification=notification)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    return redirect("citizens:notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _own_notification(request, pk)
    services.notification_mark_read(notification=notification)
    return redirect(_safe_next(request))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("citizens.view_notifications"):
        raise PermissionDenied
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return redirect(_safe_next(request))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("citizens.change_email_preferences"):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST)
        if form.is_valid():
            services.user_set_email_frequency(
                user=request.user, frequency=form.cleaned_data["email_frequency"]
            )
            messages.success(request, _("Vos préférences sont enregistrées."))
            return redirect("citizens:preferences")
        status = 400
    else:
        form = EmailPreferencesForm(initial={"email_frequency": request.user.email_frequency})
    return render(request, "citizens/preferences.html", {"form": form}, status=status)


# RFC 8058: mail providers POST "List-Unsubscribe=One-Click" to this URL without any session
# or CSRF token; the signed token in the URL is what proves the request's legitimacy.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user_id = user_id_from_token(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return render(request, "citizens/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.user_unsubscribe(user=user)
        return render(request, "citizens/unsubscribe.html", {"done": True, "person": user})
    return render(
        request,
        "citizens/unsubscribe.html",
        {"person": user, "already": user.email_frequency == EmailFrequency.NEVER},
    )
