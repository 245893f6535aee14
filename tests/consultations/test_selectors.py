"""Reads shaped for the pages: sections, visibility, results."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import selectors
from consultations.services import contribution_submit, vote_cast
from moderation.selectors import flagged_ids_among
from moderation.services import flag_submit
from tests.factories import (
    ConsultationFactory,
    ContributionFactory,
    OptionFactory,
    ResidentFactory,
    SynthesisFactory,
)

pytestmark = pytest.mark.django_db


def test_index_sorts_sections_by_what_matters_next():
    now = timezone.now()
    closing_late = ConsultationFactory(closes_at=now + timedelta(days=20))
    closing_soon = ConsultationFactory(closes_at=now + timedelta(days=1))
    opening_late = ConsultationFactory(
        opens_at=now + timedelta(days=9), closes_at=now + timedelta(days=30)
    )
    opening_soon = ConsultationFactory(
        opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=30)
    )
    closed_long_ago = ConsultationFactory(
        opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=60)
    )
    closed_recently = ConsultationFactory(
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=2)
    )
    SynthesisFactory(consultation=closed_long_ago)
    index = selectors.consultation_index()
    assert index.open == [closing_soon, closing_late]
    assert index.upcoming == [opening_soon, opening_late]
    assert list(index.closed) == [closed_recently, closed_long_ago]
    assert [c.state for c in index.closed] == ["closed", "synthesis"]


def test_closed_rounds_are_paginated_and_bad_pages_fall_back():
    now = timezone.now()
    for i in range(selectors.CLOSED_PER_PAGE + 3):
        ConsultationFactory(
            opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=i + 1)
        )
    assert len(selectors.consultation_index(closed_page=1).closed) == selectors.CLOSED_PER_PAGE
    assert len(selectors.consultation_index(closed_page="2").closed) == 3
    assert selectors.consultation_index(closed_page="abc").closed.number == 1
    assert selectors.consultation_index(closed_page="999").closed.number == 2


def test_home_selector_returns_the_open_rounds_closing_first():
    now = timezone.now()
    rounds = [ConsultationFactory(closes_at=now + timedelta(days=d)) for d in (5, 1, 3, 9)]
    ConsultationFactory(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    assert selectors.consultation_list_open_for_home(limit=3) == [rounds[1], rounds[2], rounds[0]]


def test_only_published_contributions_are_listed(open_round):
    published = ContributionFactory(consultation=open_round)
    for state in ("pending", "rejected", "hidden"):
        ContributionFactory(consultation=open_round, state=state)
    assert list(selectors.contribution_page(consultation=open_round)) == [published]


def test_authors_see_all_of_their_own_contributions(moderated_round, resident, other_resident):
    mine = contribution_submit(consultation=moderated_round, author=resident, body="À moi")
    contribution_submit(consultation=moderated_round, author=other_resident, body="À Karim")
    assert selectors.contribution_list_of_author(consultation=moderated_round, user=resident) == [
        mine
    ]
    from django.contrib.auth.models import AnonymousUser

    assert (
        selectors.contribution_list_of_author(consultation=moderated_round, user=AnonymousUser())
        == []
    )


def test_results_give_counts_and_shares(open_round):
    options = [OptionFactory(consultation=open_round) for _ in range(3)]
    for option in (options[0], options[0], options[1]):
        vote_cast(consultation=open_round, voter=ResidentFactory(), option=option)
    fresh = selectors.option_list(consultation=open_round)
    results, total = selectors.option_results(options=fresh)
    assert total == 3
    assert [(r.votes, r.percent, r.bar_class) for r in results] == [
        (2, 66.7, "result-bar-65"),
        (1, 33.3, "result-bar-35"),
        (0, 0.0, "result-bar-0"),
    ]
    assert selectors.option_results(options=[])[1] == 0


def test_flagged_ids_are_the_viewers_own_flags(open_round, resident, other_resident):
    a, b = (
        ContributionFactory(consultation=open_round),
        ContributionFactory(consultation=open_round),
    )
    flag_submit(reporter=resident, reason="spam", item=a)
    flag_submit(reporter=other_resident, reason="spam", item=b)
    assert flagged_ids_among(user=resident, items=[a, b]) == {a.pk}
