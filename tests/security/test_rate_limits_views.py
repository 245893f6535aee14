"""Writes answer 429 with a French message past their per-resident limit."""

import pytest

from tests.conftest import login
from tests.factories import ConsultationFactory, OptionFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock(time_machine):
    # Fixed windows: requests straddling a minute boundary would start a new window.
    time_machine.move_to("2026-03-02 10:15:30+01:00", tick=False)


def test_contributions_past_the_limit_get_429_and_nothing_is_written(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "contribute": ["2/m"]}
    consultation = ConsultationFactory()
    client = login(ResidentFactory())
    url = f"/consultations/{consultation.slug}/contribuer/"
    statuses = [
        client.post(url, {"body": f"Idée numéro {i} pour la place"}).status_code for i in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert consultation.contributions.count() == 2
    response = client.post(url, {"body": "encore une"})
    assert "Trop de demandes" in response.content.decode()


def test_votes_past_the_limit_get_429(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "vote": ["1/m"]}
    option = OptionFactory()
    client = login(ResidentFactory())
    url = f"/consultations/{option.consultation.slug}/voter/"
    assert client.post(url, {"option": option.pk}).status_code == 302
    assert client.post(url, {"option": option.pk}).status_code == 429


def test_comments_past_the_limit_get_429(settings):
    from tests.factories import ProjectFactory

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": ["2/m"]}
    project = ProjectFactory()
    client = login(ResidentFactory())
    url = f"/projets/{project.slug}/commenter/"
    statuses = [
        client.post(url, {"body": f"Remarque numéro {i} sur le projet"}).status_code
        for i in range(3)
    ]
    assert statuses[2] == 429
    assert project.comments.count() == 2


def test_proposals_past_the_limit_get_429(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "propose": ["1/m"]}
    client = login(ResidentFactory())
    data = {
        "title": "Un jardin partagé rue Casimir-Beugnet",
        "summary": "Cultiver ensemble",
        "body": "Des bacs et un composteur.",
        "category": "environment",
    }
    assert client.post("/projets/proposer/", data).status_code == 302
    data["title"] = "Un second jardin partagé"
    assert client.post("/projets/proposer/", data).status_code == 429
