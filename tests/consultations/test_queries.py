"""Query budgets: the pages' SQL query count does not grow with what they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.services import (
    contribution_answer,
    contribution_submit,
    synthesis_publish,
    vote_cast,
)
from moderation.services import flag_submit
from tests.conftest import login
from tests.consultations.conftest import close_round
from tests.factories import (
    ConsultationFactory,
    OptionFactory,
    ProjectUpdateFactory,
    ResidentFactory,
    TeamMemberFactory,
)

pytestmark = pytest.mark.django_db

DETAIL_BUDGET = 14
LIST_BUDGET = 6


def fill_round(consultation, viewer, n: int) -> None:
    """n options, n published contributions (answered, cited, some flagged by the viewer),
    n votes, and a few of the viewer's own contributions."""
    team = TeamMemberFactory()
    options = [OptionFactory(consultation=consultation) for _ in range(n)]
    update = ProjectUpdateFactory(project=consultation.project)
    for i in range(n):
        author = ResidentFactory()
        contribution = contribution_submit(
            consultation=consultation, author=author, body=f"Idée {i}", option=options[i]
        )
        contribution_answer(contribution=contribution, actor=team, answer=f"Réponse {i}")
        contribution.cited_in_updates.add(update)
        vote_cast(consultation=consultation, voter=author, option=options[i % 3])
        if i % 2:
            flag_submit(reporter=viewer, reason="spam", item=contribution)
    for i in range(min(n, 5)):
        contribution_submit(consultation=consultation, author=viewer, body=f"À moi {i}")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("phase", ["open", "synthesis"])
def test_round_page_queries_do_not_grow(phase, django_assert_max_num_queries):
    counts = {}
    for n in (5, 50):
        viewer = ResidentFactory()
        consultation = ConsultationFactory()
        fill_round(consultation, viewer, n)
        if phase == "synthesis":
            close_round(consultation)
            synthesis_publish(
                consultation=consultation,
                author=TeamMemberFactory(),
                body="Synthèse",
                outcomes={
                    c.pk: ("yes", "Retenue")
                    for c in consultation.contributions.filter(state="published")
                },
            )
        client = login(viewer)
        client.get(consultation.get_absolute_url())  # warm the session and caches
        with django_assert_max_num_queries(DETAIL_BUDGET):
            counts[n] = count_queries(client, consultation.get_absolute_url())
        assert count_queries(login(viewer), consultation.get_absolute_url() + "?page=2") <= (
            DETAIL_BUDGET
        )
    assert counts[5] == counts[50], counts


def test_visitor_round_page_queries_do_not_grow(client, django_assert_max_num_queries):
    counts = {}
    for n in (5, 50):
        consultation = ConsultationFactory()
        fill_round(consultation, ResidentFactory(), n)
        with django_assert_max_num_queries(DETAIL_BUDGET):
            counts[n] = count_queries(client, consultation.get_absolute_url())
    assert counts[5] == counts[50], counts


def test_list_page_queries_do_not_grow(client, django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    counts = {}
    now = timezone.now()
    for n in (5, 50):
        for i in range(n):
            ConsultationFactory()  # open
            ConsultationFactory(
                opens_at=now + timedelta(days=i + 1), closes_at=now + timedelta(days=i + 10)
            )
            closed = ConsultationFactory(
                opens_at=now - timedelta(days=i + 10), closes_at=now - timedelta(days=i + 1)
            )
            if i % 2:
                synthesis_publish(consultation=closed, author=TeamMemberFactory(), body="Synthèse")
        with django_assert_max_num_queries(LIST_BUDGET):
            counts[n] = count_queries(client, "/consultations/")
    assert counts[5] == counts[50], counts


def test_home_selector_is_one_query(django_assert_num_queries):
    from consultations.selectors import consultation_list_open_for_home

    for _ in range(6):
        ConsultationFactory()
    with django_assert_num_queries(1):
        rounds = consultation_list_open_for_home(limit=3)
        assert [r.state for r in rounds] == ["open"] * 3
        assert all(r.project.title for r in rounds)
