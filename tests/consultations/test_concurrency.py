"""Concurrent requests against PostgreSQL: one vote and one flag per resident, counters
right, automatic hiding exactly once, never a 500."""

import threading

import pytest
from django.db import connection

from consultations.models import Consultation, Contribution, Option, Vote
from moderation.models import Flag, ModerationLog
from tests.conftest import login
from tests.factories import (
    ConsultationFactory,
    ContributionFactory,
    OptionFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def concurrently(requests) -> list[int]:
    """Run each callable in its own thread (its own database connection), all released at
    the same instant; return the HTTP status codes."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(request):
        try:
            barrier.wait()
            statuses.append(request().status_code)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return statuses


def same_session(client):
    """A new client carrying the same session cookie: the same person, another request."""
    from django.test import Client

    other = Client()
    other.cookies = client.cookies
    return other


def test_concurrent_votes_from_one_resident_make_one_vote(roles):
    consultation = ConsultationFactory()
    options = [OptionFactory(consultation=consultation) for _ in range(3)]
    resident = ResidentFactory()
    client = login(resident)
    url = f"{consultation.get_absolute_url()}voter/"
    requests = [
        (lambda i=i: same_session(client).post(url, {"option": options[i % 3].pk}))
        for i in range(THREADS)
    ]
    statuses = concurrently(requests)
    assert statuses == [302] * THREADS
    vote = Vote.objects.get(consultation=consultation, user=resident)
    counts = dict(Option.objects.values_list("pk", "vote_count"))
    assert counts == {o.pk: int(o.pk == vote.option_id) for o in options}
    assert Consultation.objects.get(pk=consultation.pk).vote_count == 1


def test_concurrent_vote_changes_keep_every_counter_right(roles):
    consultation = ConsultationFactory()
    first, second = (OptionFactory(consultation=consultation) for _ in range(2))
    clients = [login(ResidentFactory()) for _ in range(THREADS)]
    url = f"{consultation.get_absolute_url()}voter/"
    # Everyone votes, then everyone swaps at once, in opposite directions.
    concurrently(
        [
            (lambda c=c, i=i: c.post(url, {"option": (first, second)[i % 2].pk}))
            for i, c in enumerate(clients)
        ]
    )
    statuses = concurrently(
        [
            (lambda c=c, i=i: c.post(url, {"option": (second, first)[i % 2].pk}))
            for i, c in enumerate(clients)
        ]
    )
    assert statuses == [302] * THREADS
    for option in (first, second):
        option.refresh_from_db()
        assert option.vote_count == Vote.objects.filter(option=option).count() == THREADS // 2
    assert Consultation.objects.get(pk=consultation.pk).vote_count == THREADS


def test_concurrent_flags_from_one_resident_make_one_flag(roles):
    contribution = ContributionFactory(consultation=ConsultationFactory())
    client = login(ResidentFactory())
    url = f"/signaler/contribution/{contribution.pk}/"
    statuses = concurrently(
        [(lambda: same_session(client).post(url, {"reason": "spam"})) for _ in range(THREADS)]
    )
    assert 500 not in statuses
    assert statuses.count(302) >= 1
    assert set(statuses) <= {302, 403}
    assert Flag.objects.count() == 1
    contribution.refresh_from_db()
    assert contribution.flag_count == 1
    assert contribution.state == "published"


def test_distinct_residents_flagging_at_once_hide_the_item_exactly_once(roles):
    contribution = ContributionFactory(consultation=ConsultationFactory())
    Consultation.objects.filter(pk=contribution.consultation_id).update(contribution_count=1)
    clients = [login(ResidentFactory()) for _ in range(5)]
    url = f"/signaler/contribution/{contribution.pk}/"
    statuses = concurrently([(lambda c=c: c.post(url, {"reason": "insult"})) for c in clients])
    assert statuses == [302] * 5
    contribution.refresh_from_db()
    assert (contribution.state, contribution.flag_count) == ("hidden", 5)
    assert Flag.objects.count() == 5
    [log] = ModerationLog.objects.all()
    assert (log.automatic, log.action, log.object_id) == (True, "auto_hide", contribution.pk)
    assert Consultation.objects.get(pk=contribution.consultation_id).contribution_count == 0


def test_concurrent_contribution_double_submit_is_no_500(roles):
    consultation = ConsultationFactory()
    client = login(ResidentFactory())
    url = f"{consultation.get_absolute_url()}contribuer/"
    statuses = concurrently(
        [(lambda: same_session(client).post(url, {"body": "Un banc"})) for _ in range(4)]
    )
    assert set(statuses) == {302}
    published = Contribution.objects.filter(consultation=consultation).count()
    assert Consultation.objects.get(pk=consultation.pk).contribution_count == published
