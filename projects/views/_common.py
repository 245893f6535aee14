"""What the views of projects share: the project a request reads or acts on, refusals, links."""

from urllib.parse import urlencode

import rules
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from citizens.rules import is_verified_resident
from moderation.selectors import flaggable_ids_among, flagged_ids_among

from .. import selectors
from ..models import Comment, Project
from ..selectors import CommentOrder

MAP_CENTER_DEFAULT = (50.457, 2.792)


def _map_settings() -> dict:
    center = getattr(settings, "MAP_CENTER", MAP_CENTER_DEFAULT)
    return {
        "map_tiles_url": settings.MAP_TILES_URL,
        "map_tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
        "map_center_lat": center[0],
        "map_center_lng": center[1],
    }


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _forbidden(
    request, *, title: str, message: str, project: Project | None = None, email_link=False
):
    context = {"title": title, "message": message, "project": project}
    context["show_email_link"] = email_link
    return render(request, "projects/forbidden.html", context, status=403)


def _participation_refused(request, project: Project | None):
    """Why this logged-in person may not take part, as a 403 page."""
    hidden = project is not None and project.is_hidden
    if hidden:
        message = _("Ce projet est masqué : on ne peut plus y participer.")
    else:
        message = _(
            "Pour participer, confirmez d'abord votre adresse e-mail : "
            "suivez le lien du message que nous vous avons envoyé."
        )
    return _forbidden(
        request,
        title=_("Participation impossible"),
        message=message,
        project=project,
        email_link=not hidden,
    )


def _comment_order(request) -> str:
    order = request.GET.get("ordre", "")
    return order if order in (CommentOrder.NEWEST, CommentOrder.OLDEST) else CommentOrder.NEWEST


def _project_url(project: Project, *, anchor: str = "", **params) -> str:
    url = project.get_absolute_url()
    params = {k: v for k, v in params.items() if v not in (None, "", 1)}
    if params:
        url += "?" + urlencode(params)
    return f"{url}#{anchor}" if anchor else url


def _comment_url(comment: Comment, order: str = CommentOrder.NEWEST) -> str:
    page = selectors.comment_page_number(comment=comment, order=order)
    return _project_url(
        comment.project,
        anchor=f"commentaire-{comment.pk}",
        ordre=order if order != CommentOrder.NEWEST else None,
        page=page,
    )


def _readable(request, project: Project) -> Project:
    """404 for a project this person may not read (hidden, and not the team)."""
    if not rules.has_perm("projects.read", request.user, project):
        raise Http404
    return project


def _action_project(request, slug: str) -> Project:
    """The project a request acts on: 404 when it does not exist or is hidden from them."""
    return _readable(request, selectors.project_get(slug=slug))


def _page_project(request, slug: str) -> Project:
    """The project with what its page needs (this person's support and follow)."""
    return _readable(request, selectors.project_get_for_page(slug=slug, user=request.user))


def _flag_links(user, project: Project, comments) -> dict:
    """Which of the shown comments (and replies) this reader may flag, or has flagged: one
    query for the page, none for visitors."""
    shown = []
    for comment in comments:
        shown.append(comment)
        shown.extend(getattr(comment, "shown_replies", []))
    for comment in shown:
        comment.project = project  # known already: no query per comment
    flagged = flagged_ids_among(user=user, items=shown) if is_verified_resident(user) else set()
    flaggable = flaggable_ids_among(user=user, items=shown, flagged=flagged)
    return {"flaggable_ids": flaggable, "flagged_ids": flagged}
