"""Comments on a project: post, reply, edit, delete, a whole thread."""

import rules
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from citizens.ratelimit import rate_limited

from .. import selectors, services
from ..forms import CommentForm, ReplyForm
from ..models import Comment, Project
from ._common import (
    _action_project,
    _comment_url,
    _flag_links,
    _forbidden,
    _page_project,
    _participation_refused,
    _project_url,
)
from .pages import _detail_response


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
