"""Exactly once, for real: a Celery worker process on Redis, an SMTP server on a socket, and the
faults that happen in production (SMTP refusing, a worker killed, Redis gone).

Each test runs its own throwaway `redis-server`, so no message of one test (e.g. the one a
killed worker never acknowledged) can ever reach the worker of another.
"""

import datetime as dt
import logging
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from citizens.models import DeliveryStatus, EmailDelivery, EmailFrequency, Notification, User
from citizens.notifications.periods import previous_period
from citizens.tasks import deliveries_sweep, digests_fan_out, send_digest_chunk
from projects import notifications as project_events
from tests.factories import CommentFactory, FollowFactory, ResidentFactory

from .helpers import (
    HoldingSMTPSink,
    ThrowawayRedis,
    bulk_residents,
    notify_yesterday,
    producer_on,
    wait_until,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    redis = ThrowawayRedis().start()
    with producer_on(redis.url):
        yield redis
    redis.stop()


@pytest.fixture
def holding_sink():
    sink = HoldingSMTPSink()
    sink.controller.start()
    yield sink
    sink.release.set()
    sink.controller.stop()


def worker_env(broker, sink, **extra) -> dict[str, str]:
    # Backoff base of 1 s instead of 30 s, so that retries happen within the test.
    return {
        "REDIS_URL": broker.url,
        "EMAIL_URL": sink.url,
        "NOTIFICATIONS_RETRY_BACKOFF": "1",
        **extra,
    }


def assert_both_parts_and_unsubscribe_headers(message) -> None:
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip()
    assert "<html" in message.get_body(("html",)).get_content()
    # (A long header is folded on the wire: compare its unfolded value.)
    assert (
        str(message["List-Unsubscribe"])
        .strip()
        .startswith("<http://127.0.0.1:8000/compte/desabonnement/")
    )
    assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"


def comment_on(project, author) -> None:
    """What the comment service does: the comment and its notifications, in one transaction."""
    with transaction.atomic():
        project_events.comment_posted(comment=CommentFactory(project=project, author=author))


def yesterday_noon():
    return timezone.make_aware(
        dt.datetime.combine(timezone.localdate() - dt.timedelta(days=1), dt.time(12))
    )


def message_ids(sink) -> Counter:
    return Counter(str(message["Message-ID"]).strip() for message in sink.messages)


def expected_message_ids() -> Counter:
    return Counter(
        f"<delivery-{pk}@localhost>"
        for pk in EmailDelivery.objects.filter(status=DeliveryStatus.SENT).values_list(
            "pk", flat=True
        )
    )


def test_immediate_email_and_digest_arrive_through_a_real_worker_and_smtp_server(
    broker, smtp_sink, start_worker, project
):
    start_worker(extra_env=worker_env(broker, smtp_sink))
    eager = ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE, display_name="Nadia S.")
    patient = ResidentFactory(display_name="Théo P.")
    for reader in (eager, patient):
        FollowFactory(project=project, user=reader)

    comment_on(project, ResidentFactory(display_name="Karim B."))
    [immediate] = smtp_sink.wait_for(1)
    assert immediate["To"] == eager.email
    assert "Nouveau commentaire" in immediate["Subject"]
    assert "Karim B. a commenté" in immediate.get_body(("plain",)).get_content()
    assert_both_parts_and_unsubscribe_headers(immediate)

    # Théo chose the daily digest: his notification goes out the next morning.
    Notification.objects.filter(recipient=patient).update(created_at=yesterday_noon())
    digests_fan_out.delay(frequency="daily")
    messages = smtp_sink.wait_for(2)
    assert len(messages) == 2
    digest = messages[1]
    assert digest["To"] == patient.email
    assert "Votre journée : 1 nouveauté" in digest["Subject"]
    assert "Karim B. a commenté" in digest.get_body(("html",)).get_content()
    assert_both_parts_and_unsubscribe_headers(digest)

    # The header's one-click link works without any session.
    path = urlsplit(str(digest["List-Unsubscribe"]).strip().strip("<>")).path
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    patient.refresh_from_db()
    assert patient.email_frequency == EmailFrequency.NEVER
    time.sleep(1)
    assert len(smtp_sink.messages) == 2


def test_smtp_server_refusing_for_a_while_then_accepting_gets_every_email_once(
    broker, smtp_sink, start_worker, project
):
    eager = [ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE) for _ in range(5)]
    for reader in eager:
        FollowFactory(project=project, user=reader)
    patient = bulk_residents(3)
    notify_yesterday(patient)
    smtp_sink.refuse_remaining = 4  # "451 Try again later" to the next four messages
    start_worker(extra_env=worker_env(broker, smtp_sink))

    comment_on(project, ResidentFactory())
    digests_fan_out.delay(frequency="daily")

    assert wait_until(lambda: len(smtp_sink.messages) >= 8, timeout=90)
    time.sleep(2)  # a duplicate would show up now
    assert smtp_sink.refuse_remaining == 0
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(
        u.email for u in [*eager, *patient]
    )
    assert message_ids(smtp_sink) == expected_message_ids()
    assert EmailDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 8
    assert EmailDelivery.objects.filter(attempts__gt=1).exists()  # some were retried


def test_worker_killed_in_the_middle_of_a_digest_run_sends_each_digest_exactly_once(
    broker, holding_sink, start_worker
):
    residents = bulk_residents(300)
    notify_yesterday(residents)
    env = worker_env(broker, holding_sink, NOTIFICATIONS_DIGEST_CHUNK="100")
    first = start_worker(extra_env=env)
    holding_sink.hold_after = 120  # the 121st digest: the worker waits for "250 OK"…

    digests_fan_out.delay(frequency="daily")
    assert holding_sink.holding.wait(60), "the digest run never reached the 121st email"
    first.kill()  # …and is killed with SIGKILL right there, its chunk half sent
    holding_sink.release.set()
    assert len(holding_sink.messages) == 120

    start_worker(extra_env=env)
    # The sweep beat runs every minute; run it now rather than wait for it.
    deliveries_sweep.delay(min_age_seconds=0)
    assert wait_until(lambda: len(holding_sink.messages) >= 300, timeout=120)
    time.sleep(2)

    received = Counter(message["To"] for message in holding_sink.messages)
    assert set(received) == {resident.email for resident in residents}
    assert max(received.values()) == 1
    assert len(holding_sink.messages) == 300
    assert EmailDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 300


def test_comments_posted_while_redis_is_down_are_emailed_once_it_is_back(
    broker, smtp_sink, start_worker, project, caplog
):
    start_worker(extra_env=worker_env(broker, smtp_sink))
    readers = [ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE) for _ in range(3)]
    authors = [ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE) for _ in range(2)]
    for person in (*readers, *authors):
        FollowFactory(project=project, user=person)

    broker.stop()
    caplog.set_level(logging.ERROR, logger="loos.enqueue")
    for author in (*authors, *authors):
        started = time.monotonic()
        comment_on(project, author)  # the request must not fail
        assert time.monotonic() - started < 5
    assert (
        "Broker unreachable: task citizens.tasks.send_notification_emails not enqueued"
        in caplog.text
    )
    # 4 comments, each to the 3 readers and the other author.
    assert EmailDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 16
    assert smtp_sink.messages == []

    broker.start()  # empty: whatever was queued before is gone
    deliveries_sweep.delay(min_age_seconds=0)
    assert wait_until(lambda: len(smtp_sink.messages) >= 16, timeout=120)
    time.sleep(2)
    assert len(smtp_sink.messages) == 16
    assert message_ids(smtp_sink) == expected_message_ids()
    per_person = Counter(message["To"] for message in smtp_sink.messages)
    assert per_person == {
        **{reader.email: 4 for reader in readers},
        **{author.email: 2 for author in authors},
    }
    assert not User.objects.filter(email_deliveries__status=DeliveryStatus.PENDING).exists()


def test_two_workers_given_the_same_chunks_at_once_send_each_digest_once(
    broker, smtp_sink, start_worker
):
    residents = bulk_residents(200)
    notify_yesterday(residents)
    env = worker_env(broker, smtp_sink)
    workers = [start_worker(extra_env=env), start_worker(extra_env=env)]
    period_start = previous_period("daily").start_date.isoformat()
    ids = [resident.pk for resident in residents]
    for start in range(0, len(ids), 50):
        # Every chunk twice in a row, as after a broker redelivery: the two workers take
        # the two copies at the same time and race over the same rows.
        for _ in range(2):
            send_digest_chunk.delay(
                frequency="daily", period_start=period_start, user_ids=ids[start : start + 50]
            )

    assert wait_until(lambda: len(smtp_sink.messages) >= 200, timeout=120)
    time.sleep(2)
    received = Counter(message["To"] for message in smtp_sink.messages)
    assert set(received) == {resident.email for resident in residents}
    assert max(received.values()) == 1
    for worker in workers:  # both did take part
        assert "send_digest_chunk" in worker.log.read_text()
