from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import ProfileForm
from .selectors import activity_summary_for_user
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
    context = {"form": form, "activity": activity_summary_for_user(user)}
    return render(request, "citizens/account.html", context, status=status)


# --- The resident's activity, data download and account deletion -----------------

from allauth.core import ratelimit  # noqa: E402
from django.contrib.auth import logout  # noqa: E402
from django.core.exceptions import PermissionDenied  # noqa: E402
from django.http import FileResponse, Http404  # noqa: E402

from . import personal_data  # noqa: E402
from .exports import private_storage  # noqa: E402
from .forms import AccountDeleteForm  # noqa: E402
from .models import DataExportState  # noqa: E402
from .selectors import (  # noqa: E402
    activity_page_for_user,
    data_export_for_user,
    data_exports_for_user,
)
from .services import (  # noqa: E402
    DATA_EXPORTS_PER_DAY,
    DataExportLimitReached,
    LastSuperuserError,
    data_export_request,
    user_delete_account,
)

ACCOUNT_DELETED_SESSION_KEY = "loos.account_deleted"


@login_required
@require_http_methods(["GET"])
def activity(request, kind: str):
    """One kind of the resident's activity, paginated."""
    if not request.user.has_perm("citizens.view_activity"):
        raise PermissionDenied
    found = activity_page_for_user(request.user, kind=kind, page=request.GET.get("page"))
    if found is None:
        raise Http404
    stream, page_obj = found
    return render(request, "citizens/activity.html", {"stream": stream, "page_obj": page_obj})


@login_required
@require_http_methods(["GET", "POST"])
def data_export(request):
    """Ask for one's data; follow the preparation; download the files."""
    user = request.user
    if request.method == "POST":
        if not user.has_perm("citizens.request_data_export"):
            raise PermissionDenied
        try:
            export = data_export_request(user=user)
        except DataExportLimitReached:
            messages.error(
                request,
                _(
                    "Vous avez déjà demandé vos données %(count)s fois aujourd'hui. "
                    "Réessayez demain, ou utilisez un téléchargement encore valable ci-dessous."
                )
                % {"count": DATA_EXPORTS_PER_DAY},
            )
            return _render_data_export(request, status=429)
        export.refresh_from_db()
        if export.state == DataExportState.READY:
            messages.success(request, _("Vos données sont prêtes à être téléchargées."))
        else:
            messages.success(
                request,
                _(
                    "Votre demande est enregistrée. Nous préparons vos données : cela peut "
                    "prendre quelques minutes. Vous recevrez aussi un courriel quand elles "
                    "seront prêtes."
                ),
            )
        return redirect("citizens:data_export")
    return _render_data_export(request)


def _render_data_export(request, *, status: int = 200):
    exports = data_exports_for_user(request.user)
    context = {
        "exports": exports,
        "in_progress": next((e for e in exports if e.in_progress), None),
        "sections": personal_data.sections(),
        "ttl_days": settings.DATA_EXPORT_TTL_DAYS,
    }
    return render(request, "citizens/data_export.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def data_export_status(request, token):
    """The preparation's progress, polled by htmx; a plain request gets the whole page."""
    export = data_export_for_user(request.user, token)
    if export is None or not request.user.has_perm("citizens.download_data_export", export):
        raise Http404
    if request.headers.get("HX-Request") != "true":
        return redirect("citizens:data_export")
    return render(request, "citizens/_data_export_row.html", {"export": export})


DOWNLOADS = {
    "json": ("json_name", "application/json"),
    "zip": ("zip_name", "application/zip"),
}


@login_required
@require_http_methods(["GET"])
def data_export_download(request, token, fmt: str):
    """The files, to their owner only: anybody else gets 404, an expired link 410."""
    if fmt not in DOWNLOADS:
        raise Http404
    export = data_export_for_user(request.user, token)
    if export is None or not request.user.has_perm("citizens.download_data_export", export):
        raise Http404
    if export.is_expired():
        return render(
            request,
            "citizens/data_export_expired.html",
            {"export": export, "ttl_days": settings.DATA_EXPORT_TTL_DAYS},
            status=410,
        )
    field, content_type = DOWNLOADS[fmt]
    name = getattr(export, field)
    storage = private_storage()
    if export.state != DataExportState.READY or not name or not storage.exists(name):
        messages.info(request, _("Ce téléchargement n'est pas encore prêt."))
        return redirect("citizens:data_export")
    filename = f"mes-donnees-{export.finished_at:%Y-%m-%d}.{fmt}"
    response = FileResponse(
        storage.open(name, "rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    user = request.user
    if not user.has_perm("citizens.delete_account"):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = AccountDeleteForm(request.POST, user=user)
        # The password check is rate-limited like allauth's own reauthentication.
        if not ratelimit.consume(request, action="reauthenticate", user=user):
            form.is_valid()
            form.add_error(None, _("Trop d'essais. Patientez une minute avant de réessayer."))
            return render(request, "citizens/account_delete.html", {"form": form}, status=429)
        if form.is_valid():
            erase_content = form.erase_content
            try:
                user_delete_account(user=user, erase_content=erase_content)
            except LastSuperuserError:
                form.add_error(
                    None,
                    _(
                        "Vous êtes le dernier administrateur du site : nommez-en un autre "
                        "avant de supprimer votre compte."
                    ),
                )
            else:
                logout(request)
                request.session[ACCOUNT_DELETED_SESSION_KEY] = {"erased": erase_content}
                return redirect("citizens:account_deleted")
        status = 400
    else:
        form = AccountDeleteForm(user=user)
    return render(request, "citizens/account_delete.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def account_deleted(request):
    """The confirmation, once, to the browser that deleted the account."""
    done = request.session.pop(ACCOUNT_DELETED_SESSION_KEY, None)
    if done is None:
        return redirect("home")
    return render(request, "citizens/account_deleted.html", {"erased": done.get("erased")})
