"""What each part does while Redis is down, in-process (the cache and the broker pointed at a
port where nothing listens). The real outage, with a redis-server stopped under a running
site and worker, is in test_redis_outage.py."""

import logging
import time
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from citizens.models import DataExport, DataExportState
from citizens.services import data_exports_resume
from citizens.tasks import send_account_email
from loos.enqueue import enqueue
from tests.conftest import free_port
from tests.factories import PASSWORD, ResidentFactory
from tests.faults.harness import celery_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "loos.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }


@pytest.fixture
def broker_down(celery_not_eager):
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0") as app:
        yield app


def signup(client, email: str):
    return client.post(
        "/compte/signup/",
        {
            "email": email,
            "display_name": "Nadia S.",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_residents_log_in_while_the_cache_is_down(cache_down, client, resident):
    # allauth counts login attempts in the cache, behind a lock taken with cache.add().
    started = time.monotonic()
    response = client.post("/compte/login/", {"login": resident.email, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/compte/")
    assert time.monotonic() - started < 3


def test_allauth_limits_answer_a_french_429_page(settings, client):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/h/ip"}
    assert signup(client, "premiere@example.org").status_code == 302
    response = signup(client, "seconde@example.org")
    assert response.status_code == 429
    assert "Merci de patienter quelques minutes" in response.content.decode()


def test_enqueue_gives_up_quickly_and_says_so_when_the_broker_is_down(broker_down, caplog):
    fallback = []
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="loos.enqueue"):
        sent = enqueue(
            send_account_email,
            kwargs={
                "subject": "s",
                "body": "b",
                "html": None,
                "to": ["a@example.org"],
                "from_email": "mairie@example.org",
            },
            if_broker_down=lambda: fallback.append(True),
        )
    assert (sent, fallback) == (False, [True])
    assert time.monotonic() - started < 10
    [record] = caplog.records
    assert record.getMessage().startswith(
        "Broker unreachable: task citizens.tasks.send_account_email not enqueued"
    )


def test_the_signup_email_is_sent_from_the_request_when_the_broker_is_down(
    broker_down, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "nadia@example.org")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["nadia@example.org"]
    assert "/compte/confirm-email/" in message.body


def test_a_data_download_asked_while_the_broker_is_down_is_prepared_later(
    broker_down, settings, tmp_path, resident, resident_client, django_capture_on_commit_callbacks
):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        response = resident_client.post("/compte/donnees/")
    assert response.status_code == 302
    [export] = DataExport.objects.filter(user=resident)
    assert export.state == DataExportState.PENDING
    # Still down: the sweep tries, fails, and leaves it for its next run.
    assert data_exports_resume(pending_for=timedelta(0)) == 0
    # Back (here: tasks run in-process): the sweep sends it and it is prepared.
    broker_down.conf.task_always_eager = True
    assert data_exports_resume(pending_for=timedelta(0)) == 1
    export.refresh_from_db()
    assert export.state == DataExportState.READY


def test_the_sweep_leaves_recent_started_and_abandoned_downloads_alone(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path)  # tasks run in-process here
    now = timezone.now()
    resident = ResidentFactory()

    def export(minutes_ago: int, **fields) -> DataExport:
        return DataExport.objects.create(
            user=resident,
            token=uuid.uuid4(),
            requested_at=now - timedelta(minutes=minutes_ago),
            **fields,
        )

    lost = export(15)
    export(2)  # its task may still be queued
    export(15, state=DataExportState.RUNNING, started_at=now)  # a worker has it
    export(90)  # older than an hour: given up, the resident asks again
    assert data_exports_resume(now=now) == 1
    lost.refresh_from_db()
    assert lost.state == DataExportState.READY
