"""Writes on projects. Each function is the one place where its event happens: one
transaction per complete state change, counters kept with F() expressions, the moderation
log written in the same transaction."""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from citizens.models import Neighbourhood, User

from . import notifications
from .models import (
    STATUS_TRANSITIONS,
    Comment,
    CommentState,
    Follow,
    Origin,
    Project,
    ProjectUpdate,
    Status,
    StatusChange,
    Support,
)
from .moderation import is_counted, shift_comment_counters

# Paths under /projets/ that a project's slug must never shadow.
RESERVED_SLUGS = frozenset({"proposer"})
# Leaves room for a "-NNNN" suffix within the field's 160 characters.
SLUG_BASE_MAX = 150
SLUG_ATTEMPTS = 5


def _require(permission: str, user, obj=None) -> None:
    if not rules.has_perm(permission, user, obj):
        raise PermissionDenied


# A second submit of the same text by the same person within this window is a double click.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=60)


def _lock_author(user: User) -> None:
    """Serialise one person's writes (row lock until commit): a double submit waits for the
    first, then finds what it wrote."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


# --- projects ------------------------------------------------------------------------------


def _free_slug(title: str) -> str:
    base = slugify(title)[:SLUG_BASE_MAX].strip("-") or "projet"
    taken = set(
        Project.objects.filter(
            Q(slug=base) | Q(slug__regex=rf"^{re.escape(base)}-[0-9]+$")
        ).values_list("slug", flat=True)
    )
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _save_with_unique_slug(project: Project) -> None:
    """Give the project a free slug derived from its title; retry if another request took it
    between our check and our insert."""
    for attempt in range(SLUG_ATTEMPTS):
        project.slug = _free_slug(project.title)
        try:
            with transaction.atomic():
                project.save()
            return
        except IntegrityError:
            if attempt == SLUG_ATTEMPTS - 1:
                raise
            project.pk = None


@transaction.atomic
def project_create(
    *,
    author: User | None,
    title: str,
    summary: str,
    body: str,
    category: str,
    neighbourhood: Neighbourhood | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    origin: str = Origin.MUNICIPAL,
    status: str = Status.PROPOSED,
) -> Project:
    """A new project page, published at once, with a unique slug made from its title."""
    project = Project(
        title=title,
        summary=summary,
        body=body,
        category=category,
        neighbourhood=neighbourhood,
        latitude=latitude,
        longitude=longitude,
        origin=origin,
        status=status,
        author=author,
    )
    project.full_clean(exclude=["slug"])
    _save_with_unique_slug(project)
    return project


@transaction.atomic
def project_propose(
    *,
    author: User,
    title: str,
    summary: str,
    body: str,
    category: str,
    neighbourhood: Neighbourhood | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Project:
    """A resident's proposal: published at once, status proposed; its author follows it."""
    _require("projects.propose", author)
    _lock_author(author)
    duplicate = Project.objects.filter(
        author=author,
        title=title,
        body=body,
        created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
    ).first()
    if duplicate is not None:
        return duplicate
    project = project_create(
        author=author,
        title=title,
        summary=summary,
        body=body,
        category=category,
        neighbourhood=neighbourhood,
        latitude=latitude,
        longitude=longitude,
        origin=Origin.RESIDENT,
        status=Status.PROPOSED,
    )
    follow_add(project=project, user=author)
    return project


@transaction.atomic
def project_change_status(
    *, project: Project, actor: User, to_status: str, answer: str
) -> StatusChange:
    """Move the project along its lifecycle with the town's public official answer."""
    _require("projects.moderate", actor)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    from_status = locked.status
    answer = (answer or "").strip()
    if to_status not in STATUS_TRANSITIONS.get(from_status, []):
        raise ValidationError(
            {
                "to_status": _("Un projet « %(from)s » ne peut pas passer à « %(to)s ».")
                % {"from": Status(from_status).label, "to": _status_label(to_status)}
            }
        )
    if to_status == Status.DECLINED and not answer:
        raise ValidationError(
            {"answer": _("Expliquez publiquement pourquoi le projet n'est pas retenu.")}
        )
    now = timezone.now()
    Project.objects.filter(pk=project.pk).update(
        status=to_status, status_changed_at=now, updated_at=now
    )
    project.status, project.status_changed_at = to_status, now
    change = StatusChange.objects.create(
        project=project,
        from_status=from_status,
        to_status=to_status,
        answer=answer,
        author=actor,
        created_at=now,
    )
    notifications.project_status_changed(project=project, change=change)
    return change


def _status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


# --- comments ------------------------------------------------------------------------------


def _is_counted(comment: Comment) -> bool:
    """Counted in project.comment_count and in its parent's reply_count."""
    return is_counted(comment, comment.state)


def _check_comment_body(body: str) -> None:
    limit = Comment._meta.get_field("body").max_length
    if not body.strip() or len(body) > limit:
        raise ValidationError(
            {"body": _("Un commentaire fait entre 1 et %(limit)d caractères.") % {"limit": limit}}
        )


@transaction.atomic
def comment_post(
    *, project: Project, author: User, body: str, parent: Comment | None = None
) -> Comment:
    """A comment, or a reply. Replies stay one level deep: answering a reply answers its
    thread. Comments by the team are marked as such."""
    _require("projects.comment", author, project)
    if parent is not None:
        if parent.parent_id is not None:
            parent = parent.parent
        if parent.project_id != project.pk:
            raise ValidationError(_("Ce commentaire n'appartient pas à ce projet."))
        if not _is_counted(parent):
            raise ValidationError(_("On ne peut plus répondre à ce commentaire."))
    _check_comment_body(body)
    _lock_author(author)
    duplicate = Comment.objects.filter(
        project=project,
        parent=parent,
        author=author,
        body=body,
        is_deleted=False,
        created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
    ).first()
    if duplicate is not None:
        return duplicate
    comment = Comment(
        project=project,
        author=author,
        body=body,
        parent=parent,
        by_team=rules.has_perm("moderation.moderate", author),
    )
    comment.full_clean()
    comment.save()
    shift_comment_counters(comment, +1)
    notifications.comment_posted(comment=comment)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, editor: User, body: str) -> Comment:
    """The author corrects their comment, within the edit window."""
    _require("projects.change_comment", editor, comment)
    _check_comment_body(body)
    comment.body = body
    comment.edited_at = timezone.now()
    comment.full_clean(exclude=["project", "author", "parent"])
    updated = Comment.objects.filter(
        pk=comment.pk, is_deleted=False, state=CommentState.PUBLISHED
    ).update(body=comment.body, edited_at=comment.edited_at)
    if not updated:  # deleted or hidden meanwhile
        raise PermissionDenied
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> bool:
    """The author deletes their comment. Its text leaves the pages; it stays as « commentaire
    supprimé » above its replies, and disappears when it has none."""
    _require("projects.delete_comment", actor, comment)
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.is_deleted:
        return False
    was_counted = _is_counted(locked)
    Comment.objects.filter(pk=comment.pk).update(is_deleted=True)
    comment.is_deleted = locked.is_deleted = True
    if was_counted:
        shift_comment_counters(locked, -1)
    return True


# --- supports and follows ------------------------------------------------------------------
# Unique per (project, user) in the database: a double click makes the second insert fail
# (or wait, then fail), get_or_create turns that into "already there", and the counter moves
# only for the request that really created or deleted the row.


@transaction.atomic
def support_add(*, project: Project, user: User) -> bool:
    _require("projects.support", user, project)
    _, created = Support.objects.get_or_create(project=project, user=user)
    if created:
        Project.objects.filter(pk=project.pk).update(support_count=F("support_count") + 1)
    return created


@transaction.atomic
def support_remove(*, project: Project, user: User) -> bool:
    deleted, _ = Support.objects.filter(project=project, user=user).delete()
    if deleted:
        Project.objects.filter(pk=project.pk).update(
            support_count=Greatest(F("support_count") - 1, 0)
        )
    return bool(deleted)


@transaction.atomic
def follow_add(*, project: Project, user: User) -> bool:
    _require("projects.follow", user, project)
    _, created = Follow.objects.get_or_create(project=project, user=user)
    if created:
        Project.objects.filter(pk=project.pk).update(follower_count=F("follower_count") + 1)
    return created


@transaction.atomic
def follow_remove(*, project: Project, user: User) -> bool:
    deleted, _ = Follow.objects.filter(project=project, user=user).delete()
    if deleted:
        Project.objects.filter(pk=project.pk).update(
            follower_count=Greatest(F("follower_count") - 1, 0)
        )
    return bool(deleted)


# --- updates -------------------------------------------------------------------------------


@transaction.atomic
def project_update_post(
    *,
    project: Project,
    author: User,
    title: str,
    body: str,
    cited_comments: Iterable[Comment] = (),
    published_at: datetime | None = None,
) -> ProjectUpdate:
    """The team tells residents what happened, citing the comments that changed the project."""
    _require("projects.moderate", author)
    cited_comments = list(cited_comments)
    if any(c.project_id != project.pk for c in cited_comments):
        raise ValidationError({"cited_comments": _("Ne citez que des commentaires de ce projet.")})
    update = ProjectUpdate(
        project=project,
        author=author,
        title=title,
        body=body,
        published_at=published_at or timezone.now(),
    )
    update.full_clean()
    update.save()
    if cited_comments:
        update.cited_comments.set(cited_comments)
    notifications.update_posted(update=update)
    return update


@transaction.atomic
def user_supports_and_follows_remove(*, user: User) -> None:
    """Before an account is deleted: its supports and follows go, and the counters follow
    (a plain cascade would leave them too high)."""
    for model, counter in ((Support, "support_count"), (Follow, "follower_count")):
        rows = model.objects.filter(user=user)
        project_ids = list(rows.values_list("project_id", flat=True))
        rows.delete()
        Project.objects.filter(pk__in=project_ids).update(**{counter: Greatest(F(counter) - 1, 0)})
