"""Supporting and following a project (htmx partials, or a redirect without JavaScript)."""

import rules
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citizens.ratelimit import rate_limited

from .. import services
from ..models import Project
from ._common import (
    _action_project,
    _is_htmx,
    _page_project,
    _participation_refused,
    _project_url,
)


def _engagement_response(request, project: Project, *, partial: str, anchor: str):
    if _is_htmx(request):
        project = _page_project(request, project.slug)
        context = {
            "project": project,
            "can_support": rules.has_perm("projects.support", request.user, project),
            "can_follow": rules.has_perm("projects.follow", request.user, project),
            "announce": True,
        }
        return render(request, partial, context)
    return redirect(_project_url(project, anchor=anchor))


def _engagement_view(action):
    """A POST that adds or removes the person's support or follow, then goes back."""

    @require_POST
    def view(request, slug: str):
        project = _action_project(request, slug)
        if not request.user.is_authenticated:
            login = redirect_to_login(project.get_absolute_url())
            if _is_htmx(request):
                # Logged out in another tab: send the whole page to the login form, rather
                # than swapping the login page into the button's box.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = login["Location"]
                return response
            return login
        return action(request, project)

    view.__name__ = action.__name__
    return view


@rate_limited("support")
@_engagement_view
def project_support(request, project):
    if not rules.has_perm("projects.support", request.user, project):
        return _participation_refused(request, project)
    if services.support_add(project=project, user=request.user):
        if not _is_htmx(request):
            messages.success(request, _("Merci, votre soutien est compté."))
    elif not _is_htmx(request):
        messages.info(request, _("Vous soutenez déjà ce projet."))
    return _engagement_response(
        request, project, partial="projects/_support.html", anchor="soutien"
    )


@rate_limited("support")
@_engagement_view
def project_unsupport(request, project):
    removed = services.support_remove(project=project, user=request.user)
    if not _is_htmx(request):
        if removed:
            messages.success(request, _("Votre soutien est retiré."))
        else:
            messages.info(request, _("Vous ne souteniez pas ce projet."))
    return _engagement_response(
        request, project, partial="projects/_support.html", anchor="soutien"
    )


@rate_limited("follow")
@_engagement_view
def project_follow(request, project):
    if not rules.has_perm("projects.follow", request.user, project):
        return _participation_refused(request, project)
    if services.follow_add(project=project, user=request.user):
        if not _is_htmx(request):
            messages.success(
                request, _("Vous suivez ce projet : vous serez prévenu de ses nouveautés.")
            )
    elif not _is_htmx(request):
        messages.info(request, _("Vous suivez déjà ce projet."))
    return _engagement_response(request, project, partial="projects/_follow.html", anchor="suivi")


@rate_limited("follow")
@_engagement_view
def project_unfollow(request, project):
    removed = services.follow_remove(project=project, user=request.user)
    if not _is_htmx(request):
        if removed:
            messages.success(request, _("Vous ne suivez plus ce projet."))
        else:
            messages.info(request, _("Vous ne suiviez pas ce projet."))
    return _engagement_response(request, project, partial="projects/_follow.html", anchor="suivi")
