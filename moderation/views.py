"""The flag form, for any moderated item: GET shows it, POST records the flag."""

import rules
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from citizens.ratelimit import rate_limited
from citizens.rules import is_verified_resident

from . import registry
from .forms import FlagForm
from .services import AlreadyFlagged, flag_submit


def _refusal(request: HttpRequest, adapter, item) -> str:
    if not is_verified_resident(request.user):
        return _("Confirmez votre adresse e-mail pour signaler un contenu.")
    if adapter.author_id(item) == request.user.pk:
        return _("Vous ne pouvez pas signaler votre propre contenu.")
    return _("Vous avez déjà signalé ce contenu : l'équipe l'examinera.")


def _item(kind: str, pk: int):
    adapter = registry.adapter_for_kind(kind)
    if adapter is None:
        raise Http404
    item = adapter.flag_queryset().filter(pk=pk).first()
    # Only what others read can be flagged; the rest does not exist for this form.
    if item is None or not adapter.is_visible(item):
        raise Http404
    return adapter, item


def _back_url(adapter, item) -> str:
    try:
        return adapter.url(item)
    except NoReverseMatch:  # the item's pages are not installed in this deployment
        return "/"


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited("flag")
def flag(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    adapter, item = _item(kind, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    back_url = _back_url(adapter, item)
    context = {
        "item": item,
        "kind": kind,
        "label": adapter.label,
        "place": adapter.place(item),
        "back_url": back_url,
        "action": request.path,
    }
    if not rules.has_perm("moderation.flag", request.user, item):
        context["refusal"] = _refusal(request, adapter, item)
        return render(request, "moderation/flag.html", context, status=403)
    form = FlagForm(request.POST) if request.method == "POST" else FlagForm()
    context["form"] = form
    if request.method != "POST":
        return render(request, "moderation/flag.html", context)
    if not form.is_valid():
        return render(request, "moderation/flag.html", context, status=400)
    try:
        flag_submit(
            reporter=request.user,
            item=item,
            reason=form.cleaned_data["reason"],
            details=form.cleaned_data["details"],
        )
    except (AlreadyFlagged, PermissionDenied):
        context["refusal"] = _refusal(request, adapter, item)
        return render(request, "moderation/flag.html", context, status=403)
    messages.success(request, _("Merci, votre signalement est transmis à l'équipe municipale."))
    return redirect(back_url)
