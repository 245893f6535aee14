"""Who may do what on projects: the whole role × action table, one case per cell."""

from datetime import timedelta

import pytest
import rules
import time_machine
from django.utils import timezone

from projects.models import CommentState
from tests.factories import CommentFactory, ProjectFactory
from tests.projects.conftest import ROLES

pytestmark = pytest.mark.django_db

VISITOR, RESIDENT, OTHER, UNVERIFIED, TEAM, MAYOR, SUPER = ROLES
EVERY_VERIFIED = {RESIDENT, OTHER, TEAM, MAYOR, SUPER}

# action -> the roles allowed; every other role is refused.
TABLE = {
    "propose": EVERY_VERIFIED,
    "comment": EVERY_VERIFIED,
    "support": EVERY_VERIFIED,
    "follow": EVERY_VERIFIED,
    "comment_on_hidden_project": set(),
    "support_hidden_project": set(),
    "change_own_fresh_comment": {RESIDENT},
    "change_comment_after_15_minutes": set(),
    "change_deleted_comment": set(),
    "change_hidden_comment": set(),
    "delete_comment": {RESIDENT},
    "delete_deleted_comment": set(),
    "delete_hidden_comment": {RESIDENT},
    "moderate": {TEAM, SUPER},
    "read_hidden_project": {TEAM, SUPER},
    "read_visible_project": set(ROLES),
}


def check(action: str, user, author) -> bool:
    """`author` wrote the comment the comment actions are tried on."""
    project = ProjectFactory()
    hidden = ProjectFactory(is_hidden=True, hidden_reason="Doublon")
    comment = CommentFactory(project=project, author=author)
    match action:
        case "propose":
            return rules.has_perm("projects.propose", user)
        case "comment":
            return rules.has_perm("projects.comment", user, project)
        case "support":
            return rules.has_perm("projects.support", user, project)
        case "follow":
            return rules.has_perm("projects.follow", user, project)
        case "comment_on_hidden_project":
            return rules.has_perm("projects.comment", user, hidden)
        case "support_hidden_project":
            return rules.has_perm("projects.support", user, hidden)
        case "change_own_fresh_comment":
            return rules.has_perm("projects.change_comment", user, comment)
        case "change_comment_after_15_minutes":
            with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
                return rules.has_perm("projects.change_comment", user, comment)
        case "change_deleted_comment":
            comment.is_deleted = True
            return rules.has_perm("projects.change_comment", user, comment)
        case "change_hidden_comment":
            comment.state = CommentState.HIDDEN
            return rules.has_perm("projects.change_comment", user, comment)
        case "delete_comment":
            return rules.has_perm("projects.delete_comment", user, comment)
        case "delete_deleted_comment":
            comment.is_deleted = True
            return rules.has_perm("projects.delete_comment", user, comment)
        case "delete_hidden_comment":
            comment.state = CommentState.HIDDEN
            return rules.has_perm("projects.delete_comment", user, comment)
        case "moderate":
            return rules.has_perm("projects.moderate", user)
        case "read_hidden_project":
            return rules.has_perm("projects.read", user, hidden)
        case "read_visible_project":
            return rules.has_perm("projects.read", user, project)
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(TABLE))
def test_permission_table(people, action, role):
    allowed = check(action, people[role], author=people["resident"])
    assert allowed is (role in TABLE[action])


def test_superuser_cannot_edit_a_residents_words_even_through_user_has_perm_shortcut(
    people,
):
    """Views and templates use rules.has_perm, so the superuser shortcut never applies."""
    comment = CommentFactory(author=people["resident"])
    assert people["superuser"].has_perm("projects.change_comment", comment)  # Django's shortcut
    assert not rules.has_perm("projects.change_comment", people["superuser"], comment)


def test_deactivated_resident_cannot_take_part(resident):
    resident.is_active = False
    assert not rules.has_perm("projects.comment", resident, ProjectFactory())
