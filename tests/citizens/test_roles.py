import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_municipal_team_may_manage_projects_and_consultations_in_the_admin(team_member):
    assert team_member.has_perm("projects.change_project")
    assert team_member.has_perm("consultations.change_contribution")
    assert team_member.has_perm("moderation.view_moderationlog")
    assert not team_member.has_perm("moderation.change_moderationlog")
    assert not team_member.has_perm("citizens.delete_user")


def test_mayors_office_has_no_admin_permission(mayors_office):
    assert not Group.objects.get(name="mayors_office").permissions.exists()
    assert not mayors_office.has_perm("projects.change_project")
