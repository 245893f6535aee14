"""Fixtures for the consultations tests: rounds in each state, options."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import ModerationMode
from tests.factories import ConsultationFactory, OptionFactory, ProjectFactory


@pytest.fixture
def project(db):
    return ProjectFactory(title="Place de la République", slug="place-de-la-republique")


@pytest.fixture
def open_round(project):
    return ConsultationFactory(project=project, title="Aménager la place", slug="amenager-la-place")


@pytest.fixture
def moderated_round(project):
    return ConsultationFactory(
        project=project, slug="rond-modere", moderation=ModerationMode.BEFORE
    )


@pytest.fixture
def options(open_round):
    return [
        OptionFactory(consultation=open_round, label="Des arbres", position=1),
        OptionFactory(consultation=open_round, label="Un marché couvert", position=2),
        OptionFactory(consultation=open_round, label="Des jeux", position=3),
    ]


@pytest.fixture
def upcoming_round(project):
    now = timezone.now()
    return ConsultationFactory(
        project=project,
        slug="a-venir",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=20),
    )


@pytest.fixture
def closed_round(project):
    now = timezone.now()
    return ConsultationFactory(
        project=project,
        slug="close",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )


def close_round(consultation) -> None:
    """Move a round's dates into the past (as time passing would)."""
    now = timezone.now()
    type(consultation).objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1)
    )
    consultation.refresh_from_db()


@pytest.fixture
def roles(transactional_db):
    """Transactional tests flush the database between tests, data migrations included: put
    the role groups back."""
    from django.contrib.auth.models import Group

    from citizens.models import MAYORS_OFFICE, MUNICIPAL_TEAM

    for name in (MUNICIPAL_TEAM, MAYORS_OFFICE):
        Group.objects.get_or_create(name=name)
