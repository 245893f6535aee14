from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import ProfileForm
from .services import user_update_profile


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """The resident's space: profile and links to the rest of their account."""
    user = request.user
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            user_update_profile(
                user=user,
                display_name=form.cleaned_data["display_name"],
                neighbourhood=form.cleaned_data["neighbourhood"],
                language=form.cleaned_data["language"],
            )
            translation.activate(user.language)
            messages.success(request, _("Votre profil est enregistré."))
            response = redirect("citizens:account")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
        user.refresh_from_db()
        status = 400
    else:
        form = ProfileForm(instance=user)
    return render(request, "citizens/account.html", {"form": form}, status=status)
