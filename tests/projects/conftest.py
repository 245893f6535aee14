import pytest
from django.contrib.auth.models import AnonymousUser

from tests.conftest import login
from tests.factories import ProjectFactory

ROLES = [
    "visitor",
    "resident",
    "other_resident",
    "unverified",
    "team",
    "mayors_office",
    "superuser",
]


@pytest.fixture
def project(db):
    return ProjectFactory(title="Réaménagement de la place", slug="reamenagement-de-la-place")


@pytest.fixture
def people(resident, other_resident, unverified_user, team_member, mayors_office, superuser):
    return {
        "visitor": AnonymousUser(),
        "resident": resident,
        "other_resident": other_resident,
        "unverified": unverified_user,
        "team": team_member,
        "mayors_office": mayors_office,
        "superuser": superuser,
    }


@pytest.fixture
def team_client(team_member):
    return login(team_member)
