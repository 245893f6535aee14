"""Who may do what on projects, as django-rules predicates (one permission per action).

Check them with `rules.has_perm(name, user, obj)` (or `{% can %}` in templates): unlike
`user.has_perm`, it does not let superusers through every rule, so a superuser cannot edit a
resident's words in their name.
"""

from datetime import timedelta

import rules
from django.utils import timezone

from citizens.rules import is_superuser, is_team_member, is_verified_resident

from .models import CommentState

COMMENT_EDIT_WINDOW = timedelta(minutes=15)


@rules.predicate
def is_project_open(user, project) -> bool:
    """The project takes part (not hidden by the team). Without a project, nothing to refuse."""
    return project is None or not project.is_hidden


@rules.predicate
def is_comment_author(user, comment) -> bool:
    return comment is not None and user.is_authenticated and comment.author_id == user.pk


@rules.predicate
def is_comment_live(user, comment) -> bool:
    """Neither deleted by its author nor hidden by the team."""
    if comment is None:
        return False
    return not comment.is_deleted and comment.state == CommentState.PUBLISHED


@rules.predicate
def is_comment_deleted(user, comment) -> bool:
    return comment is not None and comment.is_deleted


@rules.predicate
def is_within_edit_window(user, comment) -> bool:
    return comment is not None and timezone.now() - comment.created_at <= COMMENT_EDIT_WINDOW


is_team = is_team_member | is_superuser

rules.add_perm("projects.moderate", is_team)
rules.add_perm("projects.read", is_project_open | is_team)
rules.add_perm("projects.propose", is_verified_resident)
rules.add_perm("projects.comment", is_verified_resident & is_project_open)
rules.add_perm("projects.support", is_verified_resident & is_project_open)
rules.add_perm("projects.follow", is_verified_resident & is_project_open)
rules.add_perm(
    "projects.change_comment",
    is_verified_resident & is_comment_author & is_comment_live & is_within_edit_window,
)
rules.add_perm("projects.delete_comment", is_comment_author & ~is_comment_deleted)
