"""The demo town gains rounds in every state, built through the services, idempotently."""

import io

import pytest

from citizens import demo as citizens_demo
from consultations import demo
from consultations.models import Consultation, Contribution, Option, Vote
from moderation.models import Flag, ModerationLog

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Consultation.objects.count(),
        Contribution.objects.count(),
        Vote.objects.count(),
        Flag.objects.count(),
        ModerationLog.objects.count(),
    )


def test_seed_creates_every_state_with_right_counters_and_is_idempotent():
    citizens_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    states = {c.slug: c.state for c in Consultation.objects.select_related("synthesis")}
    assert sorted(states.values()) == ["closed", "open", "synthesis", "upcoming"]
    for consultation in Consultation.objects.all():
        published = consultation.contributions.filter(state="published").count()
        assert consultation.contribution_count == published
        assert consultation.vote_count == consultation.votes.count()
        for option in Option.objects.filter(consultation=consultation):
            assert option.vote_count == option.votes.count()
    assert set(Contribution.objects.values_list("state", flat=True)) == {
        "published",
        "pending",
        "rejected",
        "hidden",
    }
    assert ModerationLog.objects.filter(automatic=True).count() == 1
    assert Contribution.objects.exclude(answer="").exists()
    assert Contribution.objects.exclude(outcome="").count() == 4
    assert Contribution.objects.filter(cited_in_updates__isnull=False).count() == 2
    before = snapshot()
    demo.seed(stdout=io.StringIO())
    assert snapshot() == before


def test_seed_without_demo_people_creates_nothing():
    out = io.StringIO()
    demo.seed(stdout=out)
    assert not Consultation.objects.exists()
    assert "absents" in out.getvalue()


def test_demo_pages_render(client):
    citizens_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    assert client.get("/consultations/").status_code == 200
    for consultation in Consultation.objects.all():
        assert client.get(consultation.get_absolute_url()).status_code == 200
