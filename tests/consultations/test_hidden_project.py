"""A project hidden by the team hides its rounds from residents and closes them to
participation; the team still sees them."""

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.test import Client

from consultations.models import Contribution, Vote
from consultations.services import contribution_submit, vote_cast
from moderation.services import item_hide, item_restore
from tests.conftest import login
from tests.factories import ContributionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_round(open_round, options, team_member):
    # Seen once while the project is public, so that a cached page or list would show it.
    Client().get(open_round.get_absolute_url())
    Client().get("/consultations/")
    Client().get("/")
    item_hide(item=open_round.project, actor=team_member, reason="Doublon d'un autre projet")
    open_round.project.refresh_from_db()
    return open_round


def test_a_hidden_projects_round_refuses_contributions_and_votes(hidden_round, resident, options):
    assert not rules.has_perm("consultations.contribute", resident, hidden_round)
    assert not rules.has_perm("consultations.vote", resident, hidden_round)
    with pytest.raises(PermissionDenied):
        contribution_submit(consultation=hidden_round, author=resident, body="Encore ouvert ?")
    with pytest.raises(PermissionDenied):
        vote_cast(consultation=hidden_round, voter=resident, option=options[0])
    client = login(resident)
    url = hidden_round.get_absolute_url()
    assert client.post(url + "contribuer/", {"body": "Par la page"}).status_code == 404
    assert client.post(url + "voter/", {"option": options[0].pk}).status_code == 404
    assert not Contribution.objects.exists() and not Vote.objects.exists()


def test_a_hidden_projects_round_page_is_404_except_for_the_team(
    hidden_round, resident, team_member
):
    url = hidden_round.get_absolute_url()
    assert Client().get(url).status_code == 404
    assert login(resident).get(url).status_code == 404
    assert login(team_member).get(url).status_code == 200
    assert rules.has_perm("consultations.read", team_member, hidden_round)
    # Even the team does not take part in a hidden project's round.
    assert not rules.has_perm("consultations.vote", team_member, hidden_round)


def test_a_hidden_projects_rounds_leave_the_lists(hidden_round, resident):
    for client in (Client(), login(resident)):
        assert hidden_round.title not in client.get("/consultations/").content.decode()
        assert hidden_round.title not in client.get("/").content.decode()


def test_unhiding_the_project_opens_its_rounds_again(hidden_round, resident, team_member):
    item_restore(item=hidden_round.project, actor=team_member, reason="Erreur de manipulation")
    hidden_round.project.refresh_from_db()
    assert rules.has_perm("consultations.contribute", resident, hidden_round)
    assert Client().get(hidden_round.get_absolute_url()).status_code == 200
    assert hidden_round.title in Client().get("/consultations/").content.decode()


def test_a_hidden_projects_contributions_cannot_be_flagged(hidden_round, resident):
    contribution = ContributionFactory(consultation=hidden_round)
    assert not rules.has_perm("moderation.flag", resident, contribution)
    url = f"/signaler/contribution/{contribution.pk}/"
    assert login(resident).get(url).status_code == 404
