"""The resident's space: profile, "my activity" with each item's state and page, links."""

import pytest

from consultations.models import ContributionState
from projects.models import CommentState
from tests.conftest import login
from tests.factories import (
    CommentFactory,
    ContributionFactory,
    FollowFactory,
    ProjectFactory,
    SupportFactory,
    VoteFactory,
)
from tests.personal.data import everything_by

pytestmark = pytest.mark.django_db


def test_my_activity_lists_every_kind_with_its_page_and_moderation_state(
    resident, resident_client, other_resident
):
    mine = everything_by(resident, marker="M1")
    everything_by(other_resident, marker="AUTRE")
    page = resident_client.get("/compte/").content.decode()
    for heading in (
        "Mes propositions de projet",
        "Mes commentaires",
        "Les projets que je soutiens",
        "Les projets que je suis",
        "Mes contributions aux concertations",
        "Mes votes",
    ):
        assert heading in page
    for item in (mine.proposal, mine.comment, mine.contribution):
        assert f'href="{item.get_absolute_url()}"' in page
    assert f'href="{mine.vote.consultation.get_absolute_url()}"' in page
    assert "Mon choix : Option M1" in page
    # Moderation states, and the reason given to the author.
    assert "Masqué" in page and "Propos hors sujet." in page
    assert "Refusée" in page and "Contient une adresse personnelle." in page
    assert "Publiée" in page and "Proposé" in page
    assert "AUTRE" not in page
    # Links to the rest of the space.
    for url in ("/compte/donnees/", "/compte/supprimer/", "/compte/2fa/", "/confidentialite/"):
        assert f'href="{url}' in page


def test_activity_shows_the_latest_items_with_counts_and_a_link_to_all(resident, resident_client):
    project = ProjectFactory()
    comments = CommentFactory.create_batch(7, author=resident, project=project)
    page = resident_client.get("/compte/").content.decode()
    assert comments[-1].body in page and comments[0].body not in page
    assert 'href="/compte/activite/commentaires/"' in page
    assert "(7)" in page


def test_activity_page_paginates_one_kind(resident, resident_client):
    contributions = ContributionFactory.create_batch(23, author=resident)
    first = resident_client.get("/compte/activite/contributions/")
    assert first.status_code == 200
    body = first.content.decode()
    assert "23 éléments" in body and "Page 1 sur 2" in body
    assert contributions[-1].body in body and contributions[0].body not in body
    second = resident_client.get("/compte/activite/contributions/?page=2").content.decode()
    assert contributions[0].body in second
    # Bad page numbers are handled, not a 500.
    for bad in ("abc", "999", "-1", "0"):
        assert resident_client.get(f"/compte/activite/contributions/?page={bad}").status_code == 200
    assert resident_client.get("/compte/activite/inconnu/").status_code == 404


@pytest.mark.parametrize(
    "who, status",
    [("visitor", 302), ("resident", 200), ("team_member", 200), ("mayors_office", 200)],
)
def test_who_sees_a_space(who, status, client, request):
    viewer = client if who == "visitor" else login(request.getfixturevalue(who))
    for url in ("/compte/", "/compte/activite/votes/", "/compte/donnees/"):
        response = viewer.get(url)
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith("/compte/login/")


def make_activity(user, count: int) -> None:
    for _ in range(count):
        project = ProjectFactory()
        CommentFactory(author=user, project=project)
        CommentFactory(author=user, project=project, state=CommentState.HIDDEN)
        SupportFactory(user=user, project=project)
        FollowFactory(user=user, project=project)
        ProjectFactory(author=user)
        ContributionFactory(author=user, state=ContributionState.PENDING)
        VoteFactory(user=user)


@pytest.mark.parametrize("count", [5, 50])
def test_the_space_query_count_does_not_grow_with_activity(
    count, resident, resident_client, django_assert_max_num_queries
):
    make_activity(resident, count)
    # 17 with the header's unread-notifications count and reports-link check; the same at
    # 5 and at 50 items.
    with django_assert_max_num_queries(17):
        assert resident_client.get("/compte/").status_code == 200
    for kind in ("commentaires", "contributions", "votes", "soutiens"):
        with django_assert_max_num_queries(8):
            assert resident_client.get(f"/compte/activite/{kind}/").status_code == 200
    with django_assert_max_num_queries(8):
        assert resident_client.get("/compte/donnees/").status_code == 200


def test_profile_errors_keep_the_activity_and_answer_400(resident, resident_client):
    everything_by(resident, marker="M2")
    response = resident_client.post("/compte/", {"display_name": " ", "language": "fr"})
    assert response.status_code == 400
    assert "Mes commentaires" in response.content.decode()
