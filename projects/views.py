"""Thin views: permission -> form -> service -> redirect (or render with a 4xx)."""

from datetime import datetime
from urllib.parse import urlencode

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from citizens.ratelimit import rate_limited
from citizens.rules import is_verified_resident
from loos import fragments
from moderation.selectors import flaggable_ids_among, flagged_ids_among

from . import selectors, services
from .forms import CommentForm, ProjectFilterForm, ProjectProposeForm, ReplyForm
from .models import Comment, Project
from .selectors import CommentOrder, ProjectFilters, Sort

MAP_CENTER_DEFAULT = (50.457, 2.792)
# The query parameters /projets/ reads (others do not change the page).
LIST_PARAMETERS = {*ProjectFilterForm.base_fields, "page"}


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


# --- pages ---------------------------------------------------------------------------------


@require_safe
def project_list(request):
    data = request.GET.copy() if request.GET else None
    if data is not None and not data.get("tri"):
        # Show the sort actually applied: by relevance when searching, else the most recent.
        data["tri"] = Sort.RELEVANCE if data.get("q", "").strip() else Sort.RECENT
    form = ProjectFilterForm(data)
    filters = form.filters()
    invalid = form.is_bound and bool(form.errors)
    can_propose = rules.has_perm("projects.propose", request.user)

    def body() -> str:
        page = selectors.project_list_page(filters=filters, page=request.GET.get("page"))
        projects = list(page.object_list)
        context = {
            "form": form,
            "page_obj": page,
            "projects": projects,
            "markers": selectors.project_map_markers(projects),
            "filters": filters,
            "is_filtered": filters != ProjectFilters(sort=filters.sort),
            "can_propose": can_propose,
            **_map_settings(),
        }
        return render_to_string("projects/_list_body.html", context, request)

    # The same for everyone who asks the same question, until a project or a round changes.
    version = fragments.global_version() if fragments.enabled() else 0
    query = sorted((k, v) for k, v in request.GET.lists() if k in LIST_PARAMETERS)
    body_html = fragments.cached(
        "project-list", (version, can_propose, urlencode(query, doseq=True)), body
    )
    return render(
        request,
        "projects/list.html",
        {"body_html": body_html, "can_propose": can_propose},
        status=400 if invalid else 200,
    )


def _page_number(value) -> str:
    """A page number as a cache key part: "02" and "2" are the same page."""
    value = (value or "1").strip()
    return str(int(value)) if value.isdigit() and len(value) < 9 else value


def _detail_context(
    request,
    project: Project,
    *,
    comment_form: CommentForm | None = None,
    reply_form: ReplyForm | None = None,
    reply_to: int | None = None,
    page=None,
) -> dict:
    user = request.user
    order = _comment_order(request)
    page = page or request.GET.get("page")
    context = {
        "project": project,
        "consultations": selectors.project_consultations(project=project),
        "comment_order": order,
        "comment_form": comment_form or CommentForm(),
        "reply_form": reply_form,
        "reply_to": reply_to,
        "can_comment": rules.has_perm("projects.comment", user, project),
        "can_support": rules.has_perm("projects.support", user, project),
        "can_follow": rules.has_perm("projects.follow", user, project),
        "can_moderate": rules.has_perm("projects.moderate", user),
        "markers": selectors.project_map_markers([project]),
        **_map_settings(),
    }
    # The text and timeline are the same for everyone; the comments too for logged-out
    # readers. Both are cached under the project's content version (loos/fragments.py).
    context["story_html"] = fragments.cached(
        "project-story",
        (project.pk, project.content_version),
        lambda: render_to_string(
            "projects/_story.html",
            {"project": project, "timeline": selectors.project_timeline(project=project)},
            request,
        ),
    )

    context["comments_page"] = selectors.project_comments_page(
        project=project, user=user, order=order, page=page
    )
    comments = list(context["comments_page"])
    context.update(_flag_links(user, project, comments))
    return context


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


def _next_round_change(consultations) -> datetime | None:
    """When one of these rounds next opens, closes or shows its synthesis (its state on the
    page changes then, without any write)."""
    now = timezone.now()
    moments = [c.next_change(now) for c in consultations]
    return min((m for m in moments if m is not None), default=None)


def _detail_response(request, project: Project, *, status: int = 200, **kwargs):
    """The project page, rendered for this reader."""
    context = _detail_context(request, project, **kwargs)
    content_html = render_to_string("projects/_detail_content.html", context, request)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "content_html": mark_safe(content_html),  # noqa: S308 - our template, autoescaped
            "markers": context["markers"],
        },
        status=status,
    )


def _public_detail_response(request, slug: str):
    """The project page for logged-out readers, who all see the same page (no form, no
    personal link): cached under the project's content version until one of its rounds opens
    or closes (loos/fragments.py). A hit costs one light query."""
    key = selectors.project_page_key(slug=slug)
    if key is None:
        raise Http404
    pk, is_hidden, version = key
    if not rules.has_perm("projects.read", request.user, Project(pk=pk, is_hidden=is_hidden)):
        raise Http404
    rounds = []

    def compute() -> dict:
        project = _page_project(request, slug)
        context = _detail_context(request, project)
        rounds.extend(context["consultations"])
        return {
            "title": project.title,
            "markers": context["markers"],
            "content": render_to_string("projects/_detail_content.html", context, request),
        }

    page = fragments.cached_value(
        "project-page",
        (pk, version, _comment_order(request), _page_number(request.GET.get("page"))),
        compute,
        until=lambda: _next_round_change(rounds),
    )
    context = {
        "project": {"title": page["title"]},
        "content_html": mark_safe(page["content"]),  # noqa: S308 - our template, autoescaped
        "markers": page["markers"],
    }
    return render(request, "projects/detail.html", context)


@require_safe
def project_detail(request, slug: str):
    if not request.user.is_authenticated and fragments.enabled():
        return _public_detail_response(request, slug)
    return _detail_response(request, _page_project(request, slug))


@require_http_methods(["GET", "POST"])
@rate_limited("propose")
def project_propose(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not rules.has_perm("projects.propose", request.user):
        return _participation_refused(request, None)
    if request.method == "POST":
        form = ProjectProposeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            project = services.project_propose(
                author=request.user,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                category=data["category"],
                neighbourhood=data["neighbourhood"],
                latitude=data["latitude"],
                longitude=data["longitude"],
            )
            messages.success(
                request,
                _(
                    "Merci ! Votre proposition est publiée. L'équipe municipale l'étudiera "
                    "et vous répondra ici ; vous suivez désormais le projet."
                ),
            )
            return redirect(project)
        status = 400
    else:
        form = ProjectProposeForm()
        status = 200
    return render(
        request, "projects/propose.html", {"form": form, **_map_settings()}, status=status
    )


# --- support and follow --------------------------------------------------------------------


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


# --- comments ------------------------------------------------------------------------------


@require_POST
@rate_limited("comment")
def comment_create(request, slug: str):
    project = _action_project(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(_project_url(project, anchor="commentaires"))
    if not rules.has_perm("projects.comment", request.user, project):
        return _participation_refused(request, project)
    form = CommentForm(request.POST)
    if not form.is_valid():
        project = _page_project(request, project.slug)
        return _detail_response(request, project, status=400, comment_form=form, page=1)
    comment = services.comment_post(
        project=project, author=request.user, body=form.cleaned_data["body"]
    )
    messages.success(request, _("Votre commentaire est publié."))
    return redirect(_comment_url(comment))


@require_POST
@rate_limited("comment")
def comment_reply(request, slug: str, pk: int):
    project = _action_project(request, slug)
    parent = selectors.comment_get(project=project, pk=pk)
    if not request.user.is_authenticated:
        return redirect_to_login(_comment_url(parent))
    if not rules.has_perm("projects.comment", request.user, project):
        return _participation_refused(request, project)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        project = _page_project(request, project.slug)
        top = parent.parent if parent.parent_id else parent
        page = selectors.comment_page_number(comment=top)
        return _detail_response(
            request, project, status=400, reply_form=form, reply_to=top.pk, page=page
        )
    try:
        reply = services.comment_post(
            project=project, author=request.user, body=form.cleaned_data["body"], parent=parent
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_project_url(project, anchor="commentaires"))
    messages.success(request, _("Votre réponse est publiée."))
    return redirect(_comment_url(reply))


def _own_comment(request, slug: str, pk: int) -> tuple[Project, Comment]:
    project = _action_project(request, slug)
    return project, selectors.comment_get(project=project, pk=pk)


@require_http_methods(["GET", "POST"])
@rate_limited("comment")
def comment_edit(request, slug: str, pk: int):
    project, comment = _own_comment(request, slug, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not rules.has_perm("projects.change_comment", request.user, comment):
        if comment.author_id == request.user.pk and not comment.is_deleted:
            message = _(
                "Un commentaire se modifie pendant 15 minutes après sa publication. "
                "Vous pouvez encore le supprimer, ou préciser votre pensée dans une réponse."
            )
        else:
            message = _("Vous ne pouvez modifier que vos propres commentaires.")
        return _forbidden(
            request, title=_("Modification impossible"), message=message, project=project
        )
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            services.comment_edit(
                comment=comment, editor=request.user, body=form.cleaned_data["body"]
            )
            messages.success(request, _("Votre commentaire est modifié."))
            return redirect(_comment_url(comment))
        status = 400
    else:
        form = CommentForm(initial={"body": comment.body})
        status = 200
    context = {"project": project, "comment": comment, "form": form}
    return render(request, "projects/comment_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def comment_delete(request, slug: str, pk: int):
    project, comment = _own_comment(request, slug, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not rules.has_perm("projects.delete_comment", request.user, comment):
        return _forbidden(
            request,
            title=_("Suppression impossible"),
            message=_("Vous ne pouvez supprimer que vos propres commentaires."),
            project=project,
        )
    if request.method == "POST":
        services.comment_delete(comment=comment, actor=request.user)
        messages.success(request, _("Votre commentaire est supprimé."))
        return redirect(_project_url(project, anchor="commentaires"))
    return render(request, "projects/comment_delete.html", {"project": project, "comment": comment})


@require_safe
def comment_thread(request, slug: str, pk: int):
    """One comment and all its replies (the project page shows only the first ones)."""
    project = _page_project(request, slug)
    comment = selectors.comment_get(project=project, pk=pk)
    if comment.parent_id:
        return redirect(
            reverse("projects:comment_thread", args=[project.slug, comment.parent_id])
            + f"#commentaire-{comment.pk}"
        )
    replies = selectors.comment_thread_page(
        comment=comment, user=request.user, page=request.GET.get("page")
    )
    context = {
        "project": project,
        "comment": comment,
        "replies_page": replies,
        "can_comment": rules.has_perm("projects.comment", request.user, project),
        "reply_form": None,
        **_flag_links(request.user, project, [comment, *replies]),
    }
    return render(request, "projects/comment_thread.html", context)
