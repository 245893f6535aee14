"""The pages of projects: the list, a project's page (cached for logged-out readers), proposing
one."""

import rules
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

import pagecache
from citizens.ratelimit import rate_limited

from .. import page_parts, selectors, services
from ..cached_pages import PROJECT_LIST, PROJECT_PAGE, PROJECT_STORY
from ..forms import CommentForm, ProjectFilterForm, ProjectProposeForm, ReplyForm
from ..models import Project
from ..selectors import ProjectFilters, Sort
from ._common import (
    _comment_order,
    _flag_links,
    _map_settings,
    _page_project,
    _participation_refused,
)


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
    number = pagecache.page_number(request.GET.get("page"))

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

    if invalid:
        body_html = body()
    else:
        # The same for everyone who picks the same filters (and search), until a project
        # changes; a search is free text, kept in a bounded slot, never in the key.
        hood = filters.neighbourhood
        parts = (
            can_propose,
            filters.category,
            filters.status,
            hood.pk if hood is not None else 0,
            filters.origin,
            filters.sort,
            number,
        )
        version = pagecache.lists_version(*PROJECT_LIST.kinds)
        body_html = pagecache.cached(
            PROJECT_LIST,
            version=version,
            parts=parts,
            render=body,
            text=filters.q.strip() or None,
        )
    return render(
        request,
        "projects/list.html",
        {"body_html": body_html, "can_propose": can_propose},
        status=400 if invalid else 200,
    )


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
        # What other apps show on the page (their rounds...), in their order.
        "parts": page_parts.render_parts(project, request),
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
    # readers. Both are cached under the project's content version (projects/cached_pages.py).
    context["story_html"] = pagecache.cached(
        PROJECT_STORY,
        version=project.content_version,
        parts=(project.pk,),
        render=lambda: render_to_string(
            "projects/_story.html",
            {"project": project, "timeline": selectors.project_timeline(project=project)},
            request,
        ),
    )

    context["comments_page"] = selectors.project_comments_page(
        project=project, user=user, order=order, page=page
    )
    context.update(_flag_links(user, project, list(context["comments_page"])))
    return context


def _detail_response(request, project: Project, *, status: int = 200, **kwargs):
    """The project page, rendered for this reader."""
    context = _detail_context(request, project, **kwargs)
    context["page_title"] = project.title
    return render(request, "projects/detail.html", context, status=status)


def _public_detail_response(request, slug: str):
    """The project page for logged-out readers, who all see the same page (no form, no
    personal link): cached under the project's content version until one of its parts stops
    being true by the clock, e.g. a round opens (page_parts.py). A hit costs one light query."""
    key = selectors.project_page_key(slug=slug)
    if key is None:
        raise Http404
    pk, is_hidden, version = key
    if not rules.has_perm("projects.read", request.user, Project(pk=pk, is_hidden=is_hidden)):
        raise Http404
    order = _comment_order(request)
    number = pagecache.page_number(request.GET.get("page"))
    parts = []

    def compute() -> dict:
        project = _page_project(request, slug)
        context = _detail_context(request, project)
        parts.extend(context["parts"])
        return {
            "page_title": project.title,
            "markers": context["markers"],
            "content_html": render_to_string("projects/_detail_content.html", context, request),
        }

    page = pagecache.cached_value(
        PROJECT_PAGE,
        version=version,
        parts=(pk, order, number),
        compute=compute,
        until=lambda: page_parts.parts_until(parts),
    )
    return render(request, "projects/detail.html", page)


@require_safe
def project_detail(request, slug: str):
    if not request.user.is_authenticated and pagecache.enabled():
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
